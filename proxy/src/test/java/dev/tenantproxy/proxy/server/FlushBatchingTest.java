package dev.tenantproxy.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.proxy.config.TlsEngine;
import dev.tenantproxy.proxy.testing.TestPki;
import dev.tenantproxy.testsupport.TestVertx;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlushBatchingTest {
  private static final int REQUESTS = 100;
  private static final long WAIT_S = 60;

  private final Vertx vertx = TestVertx.create();

  @TempDir Path dir;

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
  }

  // ---- the failure mode of Netty's FlushConsolidationHandler (ShutdownIT, commit fea481e) ----

  /**
   * The socket: counts the flushes that reach it and hands written messages to the channel only
   * when they are flushed (EmbeddedChannel runs its pending tasks after every write it is handed,
   * which would end the event loop's turn early).
   */
  private static final class SocketFlushes extends ChannelOutboundHandlerAdapter {
    private final List<Object> unflushed = new ArrayList<>();
    private final List<ChannelPromise> promises = new ArrayList<>();
    int count;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      unflushed.add(msg);
      promises.add(promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
      count++;
      for (int i = 0; i < unflushed.size(); i++) {
        ctx.write(unflushed.get(i), promises.get(i));
      }
      unflushed.clear();
      promises.clear();
      ctx.flush();
    }
  }

  /**
   * The HTTP/2 codec's place: writes, flushes and closes through its own context, as a handler does
   * (EmbeddedChannel's own write/flush/close methods run the pending tasks first, which would end
   * the turn early).
   */
  private static final class Codec extends ChannelDuplexHandler {
    ChannelHandlerContext ctx;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    void write(String text) {
      ctx.write(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }

    void flush() {
      ctx.flush();
    }
  }

  /** What reached the socket, in order. */
  private static List<String> written(EmbeddedChannel channel) {
    List<String> written = new ArrayList<>();
    for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
      written.add(b.toString(StandardCharsets.US_ASCII));
      b.release();
    }
    return written;
  }

  /**
   * Stands in for {@link SslHandler} at the end of a handshake: the data that came with the
   * handshake's last record is handed on as a task ({@code SslHandler.executeChannelRead}), after
   * the read that carried it has already completed, so no {@code channelReadComplete} follows it.
   */
  private static final class DeliversLateAsATask extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.executor().execute(() -> ctx.fireChannelRead(msg));
    }
  }

  /** The proxy's side: answers whatever it reads (as HTTP/2 answers a peer's SETTINGS). */
  private static final class AnswersEveryRead extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ((ByteBuf) msg).release();
      ctx.writeAndFlush(Unpooled.copiedBuffer("answer", StandardCharsets.US_ASCII));
    }
  }

  /** The answer that reached the socket after the late read, or null if it was held. */
  private static String answerAfterALateRead(ChannelHandler batching) {
    SocketFlushes socket = new SocketFlushes();
    EmbeddedChannel channel =
        new EmbeddedChannel(socket, new DeliversLateAsATask(), batching, new AnswersEveryRead());
    ChannelPipeline pipeline = channel.pipeline();
    // the read that ends the handshake: completes before its data is delivered
    pipeline.fireChannelRead(Unpooled.copiedBuffer("settings", StandardCharsets.US_ASCII));
    pipeline.fireChannelReadComplete();
    // the event loop runs its tasks: the data is read, the proxy answers; no read follows
    channel.runPendingTasks();
    channel.runPendingTasks();
    ByteBuf out = channel.readOutbound();
    channel.finishAndReleaseAll();
    if (out == null) {
      return null;
    }
    try {
      return out.toString(StandardCharsets.US_ASCII);
    } finally {
      out.release();
    }
  }

  @Test
  void anAnswerToDataDeliveredWithoutAReadCompleteReachesTheSocket() {
    assertThat(answerAfterALateRead(new FlushBatching())).isEqualTo("answer");
  }

  @Test
  void nettysFlushConsolidationHoldsThatSameAnswerForEver() {
    // why the proxy does not use it: the read never completes in its eyes, so it never flushes
    assertThat(answerAfterALateRead(new FlushConsolidationHandler(256, true))).isNull();
  }

  /** Writes and flushes {@code frames} messages, then the event loop finishes its turn. */
  private record Turn(int flushesBeforeTheTurnEnded, int flushesAfter, List<String> written) {}

  private static Turn turn(ChannelHandler batching, int frames) {
    SocketFlushes socket = new SocketFlushes();
    Codec codec = new Codec();
    EmbeddedChannel channel = new EmbeddedChannel(socket, batching, codec);
    for (int i = 0; i < frames; i++) {
      codec.write("frame " + i);
      codec.flush();
    }
    int before = socket.count;
    channel.runPendingTasks();
    int after = socket.count;
    List<String> written = written(channel);
    channel.finishAndReleaseAll();
    return new Turn(before, after, written);
  }

  @Test
  void everyFlushOfOneTurnLeavesAsOneWhenTheTurnEnds() {
    Turn turn = turn(new FlushBatching(), 50);

    assertThat(turn.flushesBeforeTheTurnEnded()).isZero();
    assertThat(turn.flushesAfter()).isEqualTo(1);
    assertThat(turn.written()).hasSize(50).startsWith("frame 0").endsWith("frame 49");
  }

  @Test
  void withoutBatchingEveryFlushReachesTheSocket() {
    Turn turn = turn(new ChannelDuplexHandler(), 50);

    assertThat(turn.flushesBeforeTheTurnEnded()).isEqualTo(50);
    assertThat(turn.written()).hasSize(50);
  }

  @Test
  void aCloseFlushesWhatIsPendingBeforeTheChannelCloses() {
    SocketFlushes socket = new SocketFlushes();
    List<String> seenAtClose = new ArrayList<>();
    Codec codec = new Codec();
    EmbeddedChannel channel =
        new EmbeddedChannel(
            new ChannelOutboundHandlerAdapter() {
              @Override
              public void close(ChannelHandlerContext ctx, ChannelPromise p) throws Exception {
                seenAtClose.add("flushes=" + socket.count);
                super.close(ctx, p);
              }
            },
            socket,
            new FlushBatching(),
            codec);
    codec.write("last words");
    codec.flush();
    assertThat(socket.count).isZero();

    codec.ctx.close();

    assertThat(seenAtClose).containsExactly("flushes=1");
    assertThat(written(channel)).containsExactly("last words");
    channel.finishAndReleaseAll();
  }

  /**
   * socket, the handler, then a recorder of the writability events the codec after it hears (with
   * the socket's flush count at that moment), then the codec.
   */
  private static EmbeddedChannel recordingWritability(
      SocketFlushes socket, Codec codec, List<String> seenByTheCodec) {
    return new EmbeddedChannel(
        socket,
        new FlushBatching(),
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            seenByTheCodec.add(
                "writable=" + ctx.channel().isWritable() + " flushes=" + socket.count);
          }
        },
        codec);
  }

  @Test
  void turningUnwritableIsPassedOnFirstThenWhatIsPendingIsFlushedAtOnce() {
    SocketFlushes socket = new SocketFlushes();
    Codec codec = new Codec();
    List<String> seenByTheCodec = new ArrayList<>();
    EmbeddedChannel channel = recordingWritability(socket, codec, seenByTheCodec);
    codec.write("x");
    codec.flush();
    assertThat(socket.count).isZero();

    // the channel turns unwritable (the state at once; Netty fires its event later as a task, so
    // the test fires it now, before the turn ends)
    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    channel.pipeline().fireChannelWritabilityChanged();

    // HTTP/2 hears of the unwritable state before the flush can end it
    assertThat(seenByTheCodec).startsWith("writable=false flushes=0");
    assertThat(socket.count).isEqualTo(1);
    assertThat(written(channel)).containsExactly("x");
    channel.finishAndReleaseAll();
  }

  @Test
  void aFlushFindingTheChannelUnwritableTellsTheCodecOnceAndGoesOutAtOnce() {
    SocketFlushes socket = new SocketFlushes();
    Codec codec = new Codec();
    List<String> seenByTheCodec = new ArrayList<>();
    EmbeddedChannel channel = recordingWritability(socket, codec, seenByTheCodec);
    // unwritable, its event not yet fired (as when SslHandler's pending writes cross the mark)
    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);

    codec.write("x");
    codec.flush();
    codec.write("y");
    codec.flush();

    assertThat(seenByTheCodec)
        .containsExactly(
            // told by the handler, before its flush
            "writable=false flushes=0",
            // Netty's own late event (EmbeddedChannel runs its task once a flush reaches its head);
            // the second flush, the codec already told, tells it nothing
            "writable=false flushes=1");
    assertThat(socket.count).isEqualTo(2);
    assertThat(written(channel)).containsExactly("x", "y");
    channel.finishAndReleaseAll();
  }

  @Test
  void aFlushIsPassedOnAtOnceWhen16KiBWereWrittenSinceTheLastOne() {
    SocketFlushes socket = new SocketFlushes();
    Codec codec = new Codec();
    EmbeddedChannel channel = new EmbeddedChannel(socket, new FlushBatching(), codec);
    String almost = "a".repeat(FlushBatching.FLUSH_AT_ONCE_BYTES - 1);

    codec.write(almost);
    codec.flush();
    assertThat(socket.count).isZero();
    codec.write("b");
    codec.flush();
    assertThat(socket.count).isEqualTo(1);
    // counted afresh from there: small frames wait for the turn's end again
    codec.write("c");
    codec.flush();
    assertThat(socket.count).isEqualTo(1);
    channel.runPendingTasks();
    assertThat(socket.count).isEqualTo(2);

    assertThat(written(channel)).containsExactly(almost, "b", "c");
    channel.finishAndReleaseAll();
  }

  @Test
  void removingTheHandlerFlushesWhatIsPending() {
    SocketFlushes socket = new SocketFlushes();
    FlushBatching batching = new FlushBatching();
    Codec codec = new Codec();
    EmbeddedChannel channel = new EmbeddedChannel(socket, batching, codec);
    codec.write("x");
    codec.flush();
    assertThat(socket.count).isZero();

    channel.pipeline().remove(batching);

    assertThat(socket.count).isEqualTo(1);
    assertThat(written(channel)).containsExactly("x");
    channel.runPendingTasks(); // the task finds nothing left to do
    assertThat(socket.count).isEqualTo(1);
    channel.finishAndReleaseAll();
  }

  // ---- on real Vert.x HTTP/2 over TLS ----

  /** What one burst of requests did on the client's connection. */
  private record Burst(List<String> bodies, int socketFlushes, List<String> pipeline, String tls) {}

  /**
   * Sends {@link #REQUESTS} GETs in one event-loop task over one HTTP/2 TLS connection (as the
   * pass-through sends request heads while it reads a caller's connection) and counts the flushes
   * that reach the client's socket.
   */
  private Burst burst(boolean batching) throws Exception {
    TestPki.Issued ca = TestPki.ca(dir, "ca-" + batching);
    TestPki.Issued serving = TestPki.server(dir, "localhost-" + batching, ca);
    HttpServer server =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setSsl(true)
                    .setUseAlpn(true)
                    .setSslEngineOptions(TlsEngine.options())
                    .setKeyCertOptions(
                        new PemKeyCertOptions()
                            .setCertPath(serving.certFile().toString())
                            .setKeyPath(serving.keyFile().toString())))
            .connectionHandler(c -> FlushBatching.install(c))
            .requestHandler(r -> r.response().end("answer " + r.path()))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(WAIT_S, TimeUnit.SECONDS);
    AtomicInteger flushes = new AtomicInteger();
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    CompletableFuture<String> tls = new CompletableFuture<>();
    HttpClientAgent client =
        vertx
            .httpClientBuilder()
            .with(
                new HttpClientOptions()
                    .setSsl(true)
                    .setUseAlpn(true)
                    .setProtocolVersion(HttpVersion.HTTP_2)
                    .setSslEngineOptions(TlsEngine.options())
                    .setTrustOptions(new PemTrustOptions().addCertPath(ca.certFile().toString()))
                    .setHttp2MultiplexingLimit(REQUESTS))
            .with(new PoolOptions().setHttp2MaxSize(1))
            .withConnectHandler(
                (HttpConnection c) -> {
                  if (batching) {
                    FlushBatching.install(c);
                  }
                  ChannelPipeline pipeline = LingeringClose.channel(c).pipeline();
                  // nearest the socket: sees every flush that reaches it
                  pipeline.addFirst(
                      "flush-probe",
                      new ChannelOutboundHandlerAdapter() {
                        @Override
                        public void flush(ChannelHandlerContext ctx) {
                          flushes.incrementAndGet();
                          ctx.flush();
                        }
                      });
                  names.complete(pipeline.names());
                  tls.complete(pipeline.context(SslHandler.class).name());
                })
            .build();
    RequestOptions first =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost("localhost")
            .setPort(server.actualPort())
            .setURI("/warm");
    // one request opens the connection (TLS handshake, SETTINGS); then the burst
    TestVertx.onContext(
            vertx, () -> client.request(first).compose(r -> r.send()).compose(r -> r.body()))
        .toCompletionStage()
        .toCompletableFuture()
        .get(WAIT_S, TimeUnit.SECONDS);
    int before = flushes.get();
    List<String> bodies =
        TestVertx.onContext(
                vertx,
                () -> {
                  List<Future<String>> all = new ArrayList<>();
                  for (int i = 0; i < REQUESTS; i++) {
                    all.add(
                        client
                            .request(new RequestOptions(first).setURI("/r" + i))
                            .compose(r -> r.send())
                            .compose(r -> r.body())
                            .map(b -> b.toString()));
                  }
                  return Future.all(all).map(f -> f.<String>list());
                })
            .toCompletionStage()
            .toCompletableFuture()
            .get(WAIT_S, TimeUnit.SECONDS);
    int sent = flushes.get() - before;
    client.close();
    server.close();
    return new Burst(
        bodies, sent, names.get(WAIT_S, TimeUnit.SECONDS), tls.get(WAIT_S, TimeUnit.SECONDS));
  }

  @Test
  void manyRequestHeadsWrittenInOneTurnLeaveInFewFlushesAndAllAreAnswered() throws Exception {
    Burst burst = burst(true);

    for (int i = 0; i < REQUESTS; i++) {
      assertThat(burst.bodies().get(i)).isEqualTo("answer /r" + i);
    }
    List<String> names = burst.pipeline();
    int batching = names.indexOf(FlushBatching.NAME);
    assertThat(batching).as("installed in %s", names).isPositive();
    assertThat(names.get(batching - 1)).as("right after TLS in %s", names).isEqualTo(burst.tls());
    // the heads of the burst plus the window updates for its answers: a handful, not one each
    assertThat(burst.socketFlushes()).isLessThan(REQUESTS / 4);
  }

  @Test
  void withoutBatchingEveryRequestHeadIsFlushedAlone() throws Exception {
    Burst burst = burst(false);

    assertThat(burst.bodies()).hasSize(REQUESTS);
    assertThat(burst.pipeline()).doesNotContain(FlushBatching.NAME);
    assertThat(burst.socketFlushes()).isGreaterThanOrEqualTo(REQUESTS);
  }
}
