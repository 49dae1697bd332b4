package dev.tenantproxy.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.testsupport.TestVertx;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real Vert.x HTTP server with {@link LingeringClose} on its connections and a raw socket client
 * that controls exactly when it reads and writes.
 */
class LingeringCloseTest {
  // more than the client's receive buffer (pinned to 64 KiB, 128 KiB as Linux counts it), less than
  // the server's send buffer (pinned to 1 MiB, 2 MiB as Linux counts it): the whole body is in the
  // kernel when the server closes, and most of it still in the server's send queue
  private static final int BODY_BYTES = 768 * 1024;
  private static final long BOUND_FOR_EVER_MS = 120_000;
  private static final long WAIT_S = 60;

  private final Vertx vertx = TestVertx.create();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
  }

  @Test
  void aClientStillWritingAfterTheServerClosedGetsTheWholeBodyThenEndOfStream() throws Exception {
    CompletableFuture<Void> closeReachedTheSocket = new CompletableFuture<>();
    CompletableFuture<Void> closed = new CompletableFuture<>();
    Set<EventLoop> loops = ConcurrentHashMap.newKeySet();
    int port =
        serve(
            BOUND_FOR_EVER_MS,
            connection -> loops.add(LingeringClose.channel(connection).eventLoop()),
            request -> {
              if (request.path().equals("/ping")) {
                request.response().end("pong");
                return;
              }
              // sees the close after every Vert.x handler (Vert.x first flushes what it wrote)
              // and just before the lingering close (or, without it, the socket's close)
              HttpConnection connection = request.connection();
              LingeringClose.channel(connection)
                  .pipeline()
                  .addAfter(
                      LingeringClose.NAME,
                      "probe",
                      new ChannelOutboundHandlerAdapter() {
                        @Override
                        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
                          ctx.close(promise);
                          closeReachedTheSocket.complete(null);
                        }
                      });
              connection.closeHandler(v -> closed.complete(null));
              request.response().putHeader("content-length", String.valueOf(BODY_BYTES));
              request.response().end(Buffer.buffer(new byte[BODY_BYTES]));
              connection.close();
            });

    try (Socket client = new Socket();
        Socket other = new Socket()) {
      other.connect(new InetSocketAddress("127.0.0.1", port));
      client.setReceiveBufferSize(64 * 1024);
      client.connect(new InetSocketAddress("127.0.0.1", port));
      client.getOutputStream().write(get("/big"));
      // the client reads nothing yet: the body fills its receive buffer, the rest waits in the
      // server's send queue, and the server closes
      closeReachedTheSocket.get(WAIT_S, TimeUnit.SECONDS);
      // the JDK closes a socket registered with a selector at that selector's next select: a
      // request served on the same event loop after the close proves the select happened
      other.getOutputStream().write(get("/ping"));
      assertThat(readUntil(other.getInputStream(), "pong")).startsWith("HTTP/1.1 200");
      assertThat(loops).as("both connections on one event loop").hasSize(1);
      // what a client still sends after the server's close (an HTTP/2 WINDOW_UPDATE, the rest of
      // a request): a closed socket answers it with RST, and the unsent end of the body is lost
      client.getOutputStream().write("still talking".getBytes(StandardCharsets.US_ASCII));

      byte[] received = readToEnd(client.getInputStream());

      String text = new String(received, 0, 200, StandardCharsets.US_ASCII);
      assertThat(text).startsWith("HTTP/1.1 200");
      int head = text.indexOf("\r\n\r\n") + 4;
      assertThat(received.length - head).as("body bytes, then end of stream").isEqualTo(BODY_BYTES);
      assertThat(closed).as("the server waits for the client to close its side").isNotDone();
    }
    // the client closed: the server closes too, long before its bound
    closed.get(WAIT_S, TimeUnit.SECONDS);
  }

  @Test
  void aClientThatNeverClosesIsClosedWhenTheBoundPassesAndEveryCloseCompletes() throws Exception {
    long boundMs = 500;
    CompletableFuture<Long> lingeredNanos = new CompletableFuture<>();
    CompletableFuture<Void> secondClose = new CompletableFuture<>();
    int port =
        serve(
            boundMs,
            connection -> {},
            request -> {
              HttpConnection connection = request.connection();
              long start = System.nanoTime();
              request.response().end("bye");
              connection
                  .close()
                  .onComplete(
                      done -> {
                        if (done.succeeded()) {
                          lingeredNanos.complete(System.nanoTime() - start);
                        } else {
                          lingeredNanos.completeExceptionally(done.cause());
                        }
                      });
              Future<Void> again = connection.close(); // while lingering
              again.onComplete(
                  done -> {
                    if (done.succeeded()) {
                      secondClose.complete(null);
                    } else {
                      secondClose.completeExceptionally(done.cause());
                    }
                  });
            });

    try (Socket client = new Socket()) {
      client.connect(new InetSocketAddress("127.0.0.1", port));
      client.getOutputStream().write(get("/"));
      // the whole answer, then end of stream (the server half-closed), and the client stays open
      String answer = new String(readToEnd(client.getInputStream()), StandardCharsets.US_ASCII);
      assertThat(answer).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nbye");

      long lingered = lingeredNanos.get(WAIT_S, TimeUnit.SECONDS);
      assertThat(TimeUnit.NANOSECONDS.toMillis(lingered))
          .as("ms from close() to closed, the client never closing")
          .isGreaterThanOrEqualTo(boundMs);
      secondClose.get(WAIT_S, TimeUnit.SECONDS);
    }
  }

  @Test
  void whatTheClientSendsWhileTheServerLingersIsReadDroppedAndReleased() throws Exception {
    // a spy nearest the socket sees each buffer the client sends after the close began, hands it
    // on (the lingering close drops it) and then checks its reference count
    AtomicLong droppedBytes = new AtomicLong();
    List<Integer> refCntAfterDrop = new CopyOnWriteArrayList<>();
    AtomicBoolean lingering = new AtomicBoolean();
    CompletableFuture<Void> closed = new CompletableFuture<>();
    int port =
        serve(
            BOUND_FOR_EVER_MS,
            connection ->
                LingeringClose.channel(connection)
                    .pipeline()
                    .addFirst(
                        "spy",
                        new ChannelInboundHandlerAdapter() {
                          @Override
                          public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            boolean dropped = lingering.get() && msg instanceof ByteBuf;
                            int n = dropped ? ((ByteBuf) msg).readableBytes() : 0;
                            ctx.fireChannelRead(msg);
                            if (dropped) {
                              droppedBytes.addAndGet(n);
                              refCntAfterDrop.add(((ByteBuf) msg).refCnt());
                            }
                          }
                        }),
            request -> {
              HttpConnection connection = request.connection();
              connection.closeHandler(v -> closed.complete(null));
              request.response().end("bye");
              lingering.set(true); // on the connection's event loop, before the close
              connection.close();
            });

    try (Socket client = new Socket()) {
      client.connect(new InetSocketAddress("127.0.0.1", port));
      client.getOutputStream().write(get("/"));
      String answer = readUntil(client.getInputStream(), "bye");
      assertThat(answer).startsWith("HTTP/1.1 200");
      // the server half-closed (end of stream) and lingers; the client keeps writing
      assertThat(client.getInputStream().read()).isEqualTo(-1);
      byte[] chunk = new byte[16 * 1024];
      for (int i = 0; i < 64; i++) {
        client.getOutputStream().write(chunk);
      }
      client.getOutputStream().flush();
      await().atMost(WAIT_S, TimeUnit.SECONDS).until(() -> droppedBytes.get() == 64 * chunk.length);
      assertThat(closed).as("still lingering: the client has not closed").isNotDone();
    }
    closed.get(WAIT_S, TimeUnit.SECONDS);
    assertThat(refCntAfterDrop).as("reference counts of the dropped buffers").isNotEmpty();
    assertThat(refCntAfterDrop).containsOnly(0);
  }

  @Test
  void aClientThatHalfClosesWhileTheServerLingersEndsTheLingerAtOnce() throws Exception {
    CompletableFuture<Long> closedAfterNanos = new CompletableFuture<>();
    int port =
        serve(
            BOUND_FOR_EVER_MS,
            connection -> {},
            request -> {
              HttpConnection connection = request.connection();
              long start = System.nanoTime();
              connection.closeHandler(v -> closedAfterNanos.complete(System.nanoTime() - start));
              request.response().end("bye");
              connection.close();
            });

    try (Socket client = new Socket()) {
      client.connect(new InetSocketAddress("127.0.0.1", port));
      client.getOutputStream().write(get("/"));
      assertThat(new String(readToEnd(client.getInputStream()), StandardCharsets.US_ASCII))
          .startsWith("HTTP/1.1 200")
          .endsWith("bye");
      assertThat(closedAfterNanos).as("lingering, bound 120 s").isNotDone();
      // the client's FIN (input EOF at the server) while its socket stays open
      client.shutdownOutput();
      long lingered = closedAfterNanos.get(WAIT_S, TimeUnit.SECONDS);
      assertThat(TimeUnit.NANOSECONDS.toMillis(lingered))
          .as("ms from close() to closed")
          .isLessThan(BOUND_FOR_EVER_MS);
    }
  }

  @Test
  void manyClientsThatNeverCloseAreAllClosedWhenTheBoundPassesAndTheirDescriptorsFreed()
      throws Exception {
    int clients = 500;
    long boundMs = 1_000;
    AtomicInteger closedByServer = new AtomicInteger();
    int port =
        serve(
            boundMs,
            connection -> connection.closeHandler(v -> closedByServer.incrementAndGet()),
            request -> {
              request.response().end("bye");
              request.connection().close();
            });
    // the server's descriptors are this JVM's: count them with the clients' and subtract those
    long baseline = openDescriptors();
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        Socket client = new Socket();
        sockets.add(client);
        client.connect(new InetSocketAddress("127.0.0.1", port));
        client.getOutputStream().write(get("/"));
      }
      for (Socket client : sockets) {
        // the answer, then end of stream: the server half-closed; the client never closes
        assertThat(new String(readToEnd(client.getInputStream()), StandardCharsets.US_ASCII))
            .endsWith("bye");
      }
      await()
          .atMost(WAIT_S, TimeUnit.SECONDS)
          .untilAsserted(() -> assertThat(closedByServer).hasValue(clients));
      // every server-side descriptor is closed: what is left above the baseline is the clients'
      await()
          .atMost(WAIT_S, TimeUnit.SECONDS)
          .untilAsserted(
              () ->
                  assertThat(openDescriptors() - baseline).isBetween(clients - 20L, clients + 20L));
    } finally {
      for (Socket client : sockets) {
        client.close();
      }
    }
    await()
        .atMost(WAIT_S, TimeUnit.SECONDS)
        .untilAsserted(() -> assertThat(openDescriptors() - baseline).isLessThanOrEqualTo(20L));
  }

  private static long openDescriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  /**
   * Starts a plain HTTP server whose connections close lingering, bounded by {@code boundMs}, each
   * connection then handed to {@code connected}.
   */
  private int serve(
      long boundMs, Consumer<HttpConnection> connected, Consumer<HttpServerRequest> handler)
      throws Exception {
    return TestVertx.onContext(
            vertx,
            () -> {
              HttpServer server =
                  vertx.createHttpServer(new HttpServerOptions().setSendBufferSize(1024 * 1024));
              server.connectionHandler(
                  c -> {
                    LingeringClose.install(c, boundMs);
                    connected.accept(c);
                  });
              server.requestHandler(handler::accept);
              return server.listen(0, "127.0.0.1").map(HttpServer::actualPort);
            })
        .toCompletionStage()
        .toCompletableFuture()
        .get(WAIT_S, TimeUnit.SECONDS);
  }

  private static byte[] get(String path) {
    return ("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** What arrives until the text read ends with {@code end}. */
  private static String readUntil(InputStream in, String end) throws IOException {
    StringBuilder text = new StringBuilder();
    while (!text.toString().endsWith(end)) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("end of stream before " + end + " in " + text);
      }
      text.append((char) b);
    }
    return text.toString();
  }

  /** Everything until end of stream; a reset fails the test. */
  private static byte[] readToEnd(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] chunk = new byte[64 * 1024];
    for (int n; (n = in.read(chunk)) >= 0; ) {
      all.write(chunk, 0, n);
    }
    return all.toByteArray();
  }
}
