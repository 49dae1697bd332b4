package dev.tenantproxy.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.proxy.config.TlsEngine;
import dev.tenantproxy.proxy.testing.TestPki;
import dev.tenantproxy.testsupport.TestVertx;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
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
