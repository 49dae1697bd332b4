package dev.tenantproxy.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.testsupport.TestVertx;
import io.netty.channel.ChannelHandlerContext;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
