package dev.tenantproxy.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.proxy.testing.TestPki;
import dev.tenantproxy.testsupport.TestVertx;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request the API server did not process (above a GOAWAY's last stream, or refused) is sent again
 * on a new stream, its body included; one it may have processed is not.
 */
class UnprocessedResendTest {
  private static final Caller ALICE =
      new Caller("alice", "uid-a", List.of("system:authenticated"), Map.of());

  @TempDir Path dir;
  private Vertx vertx;
  private Upstream upstream;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final Set<HttpConnection> connections =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile Handler<HttpServerRequest> behaviour;
  private final AtomicInteger refuseHeads = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    vertx = TestVertx.create();
    TestPki.Issued ca = TestPki.ca(dir, "ca");
    TestPki.Issued serving = TestPki.server(dir, "api", ca);
    int port =
        vertx
            .createHttpServer(tls(serving))
            .requestHandler(
                req -> {
                  if (refuseHeads.getAndDecrement() > 0) {
                    // refused as the head arrives, before any of the body is read
                    seen.add(req.path() + " (refused at its head)");
                    req.response().reset(7);
                    return;
                  }
                  req.body()
                      .onSuccess(
                          body -> {
                            seen.add(req.path() + " " + body);
                            connections.add(req.connection());
                            behaviour.handle(req);
                          });
                })
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS)
            .actualPort();
    upstream = upstreamTo(port, ca);
  }

  @AfterEach
  void stop() throws Exception {
    upstream.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aRequestAboveTheLastStreamOfAGoawayIsSentAgainWithItsBodyOnAnotherConnection()
      throws Exception {
    // given: the first connection takes the first request, then says GOAWAY with it as the last
    // stream and answers it; the second request, already sent on that connection, was not taken
    CompletableFuture<HttpServerRequest> firstTaken = new CompletableFuture<>();
    AtomicInteger onFirstConnection = new AtomicInteger();
    behaviour =
        req -> {
          if (connections.size() > 1) {
            req.response().end("again: " + req.path());
            return;
          }
          if (onFirstConnection.incrementAndGet() == 1) {
            firstTaken.complete(req);
            return;
          }
          HttpServerRequest first = firstTaken.getNow(null);
          req.connection().goAway(0, first.streamId());
          first.response().end("first");
        };
    Context context = ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext();

    // when
    Future<String> first = on(context, () -> get("/first"));
    firstTaken.get(10, TimeUnit.SECONDS);
    Future<String> second = on(context, () -> post("/second", "payload"));

    // then
    assertThat(first.await(10, TimeUnit.SECONDS)).isEqualTo("200 first");
    assertThat(second.await(10, TimeUnit.SECONDS)).isEqualTo("200 again: /second");
    assertThat(seen).containsExactly("/first ", "/second payload", "/second payload");
    assertThat(connections).hasSize(2);
    assertThat(upstream.resent()).isEqualTo(1);
  }

  @Test
  void aRefusedStreamIsSentAgain() throws Exception {
    // given: the first request is refused (REFUSED_STREAM), later ones answered
    behaviour = refusedOnceThenTaken();

    // when
    String answer = get("/refused").await(10, TimeUnit.SECONDS);

    // then
    assertThat(answer).isEqualTo("200 taken");
    assertThat(seen).containsExactly("/refused ", "/refused ");
    assertThat(upstream.resent()).isEqualTo(1);
  }

  @Test
  void aRequestTheServerTookIsNotSentAgainWhenItsConnectionGoesAway() {
    // given: the server takes the request (it is the GOAWAY's last stream) and closes without
    // answering: it may have been processed
    behaviour =
        req -> {
          req.connection().goAway(0, req.streamId());
          req.connection().close();
        };

    // when / then
    assertThatThrownBy(() -> get("/taken").await(10, TimeUnit.SECONDS))
        .isInstanceOf(io.vertx.core.http.HttpClosedException.class);
    assertThat(seen).containsExactly("/taken ");
    assertThat(upstream.resent()).isZero();
  }

  @Test
  void aRequestRefusedEveryTimeFailsAfterTheLastAttempt() {
    // given
    behaviour = req -> req.response().reset(7);

    // when / then
    assertThatThrownBy(() -> get("/always").await(10, TimeUnit.SECONDS))
        .isInstanceOf(io.vertx.core.http.StreamResetException.class);
    assertThat(seen).hasSize(Unprocessed.ATTEMPTS);
    assertThat(upstream.resent()).isEqualTo(Unprocessed.ATTEMPTS - 1);
  }

  @Test
  void aStreamedBodyNoLargerThanItsCopyIsSentAgainWhole() throws Exception {
    // given: a body streamed from a file, copied as it passes; the first attempt is refused
    String payload = "x".repeat(40_000);
    behaviour = refusedOnceThenTaken();

    // when
    String answer = streamed("/streamed", payload, 64 * 1024).await(10, TimeUnit.SECONDS);

    // then
    assertThat(answer).isEqualTo("200 taken");
    assertThat(seen).containsExactly("/streamed " + payload, "/streamed " + payload);
    assertThat(upstream.resent()).isEqualTo(1);
  }

  @Test
  void aStreamedBodyRefusedBeforeItHasAllArrivedIsSentAgainOnceWhole() throws Exception {
    // given: the first attempt is refused as its head arrives, while the caller has sent only
    // part of the body; the rest comes later
    refuseHeads.set(1);
    behaviour = req -> req.response().end("taken");
    Context context = ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext();
    PushedBody source = new PushedBody();

    // when
    Future<String> answer =
        on(
            context,
            () -> {
              Future<String> sent =
                  upstream.send(
                      HttpMethod.POST,
                      "/partial",
                      ALICE,
                      req -> req.putHeader("Content-Length", "10"),
                      RequestBody.streamed(source, 64 * 1024),
                      UnprocessedResendTest::read);
              source.push(Buffer.buffer("first"));
              return sent;
            });
    assertThat(seen).isEmpty();
    await().atMost(java.time.Duration.ofSeconds(10)).until(() -> seen.size() == 1);
    context.runOnContext(
        v -> {
          source.push(Buffer.buffer("-rest"));
          source.end();
        });

    // then
    assertThat(answer.await(10, TimeUnit.SECONDS)).isEqualTo("200 taken");
    assertThat(seen).containsExactly("/partial (refused at its head)", "/partial first-rest");
    assertThat(upstream.resent()).isEqualTo(1);
  }

  @Test
  void aStreamedBodyLargerThanItsCopyIsNotSentAgain() {
    // given
    String payload = "y".repeat(40_000);
    behaviour = req -> req.response().reset(7);

    // when / then
    assertThatThrownBy(() -> streamed("/large", payload, 16 * 1024).await(10, TimeUnit.SECONDS))
        .isInstanceOf(io.vertx.core.http.StreamResetException.class);
    assertThat(seen).containsExactly("/large " + payload);
    assertThat(upstream.resent()).isZero();
  }

  @Test
  void aStreamedBodyWithoutContentLengthReachesAnHttp11ApiServerChunked() throws Exception {
    // given: an API server that speaks HTTP/1.1 only (ALPN), and a body with no Content-Length
    TestPki.Issued ca = TestPki.ca(dir, "ca11");
    TestPki.Issued serving = TestPki.server(dir, "api11", ca);
    List<String> heard = new CopyOnWriteArrayList<>();
    int port =
        vertx
            .createHttpServer(
                tls(serving).setAlpnVersions(List.of(io.vertx.core.http.HttpVersion.HTTP_1_1)))
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            body -> {
                              heard.add(
                                  req.version()
                                      + " "
                                      + req.getHeader("Transfer-Encoding")
                                      + " "
                                      + body);
                              req.response().end("taken");
                            }))
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS)
            .actualPort();
    Upstream http11 = upstreamTo(port, ca);
    String payload = "{\"kind\":\"ConfigMap\"}";
    io.vertx.core.file.AsyncFile source = pausedFile("chunked.json", payload);

    try {
      // when
      String answer =
          http11
              .send(
                  HttpMethod.POST,
                  "/chunked",
                  ALICE,
                  req -> {},
                  RequestBody.streamed(source, 64 * 1024),
                  UnprocessedResendTest::read)
              .await(10, TimeUnit.SECONDS);

      // then
      assertThat(answer).isEqualTo("200 taken");
      assertThat(heard).containsExactly("HTTP_1_1 chunked " + payload);
    } finally {
      http11.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static HttpServerOptions tls(TestPki.Issued serving) {
    return new HttpServerOptions()
        .setSsl(true)
        .setUseAlpn(true)
        .setKeyCertOptions(
            new PemKeyCertOptions()
                .setCertPath(serving.certFile().toString())
                .setKeyPath(serving.keyFile().toString()));
  }

  private Upstream upstreamTo(int port, TestPki.Issued ca) throws Exception {
    return Upstream.create(
        vertx,
        new UpstreamCredentials(
            URI.create("https://127.0.0.1:" + port),
            Buffer.buffer(Files.readAllBytes(ca.certFile())),
            null,
            null,
            "proxy-token",
            null),
        10_000);
  }

  /** {@code payload} in a file, opened as a paused read stream (a caller's body). */
  private io.vertx.core.file.AsyncFile pausedFile(String name, String payload) throws Exception {
    Path file = Files.writeString(dir.resolve(name), payload);
    io.vertx.core.file.AsyncFile source =
        vertx
            .fileSystem()
            .open(file.toString(), new io.vertx.core.file.OpenOptions().setRead(true))
            .await(10, TimeUnit.SECONDS);
    source.pause();
    return source;
  }

  private Future<String> streamed(String path, String payload, long maxCopied) throws Exception {
    io.vertx.core.file.AsyncFile source = pausedFile(path.substring(1) + ".json", payload);
    return upstream.send(
        HttpMethod.POST,
        path,
        ALICE,
        req -> req.putHeader("Content-Length", Integer.toString(payload.length())),
        RequestBody.streamed(source, maxCopied),
        UnprocessedResendTest::read);
  }

  /** Refuses the first request (REFUSED_STREAM) and answers every later one "taken". */
  private static Handler<HttpServerRequest> refusedOnceThenTaken() {
    AtomicInteger requests = new AtomicInteger();
    return req -> {
      if (requests.incrementAndGet() == 1) {
        req.response().reset(7);
      } else {
        req.response().end("taken");
      }
    };
  }

  /** A body the test pushes chunk by chunk, with the pause and resume of a read stream. */
  private static final class PushedBody implements io.vertx.core.streams.ReadStream<Buffer> {
    private final java.util.ArrayDeque<Object> pending = new java.util.ArrayDeque<>();
    private static final Object END = new Object();
    private Handler<Buffer> handler;
    private Handler<Void> endHandler;
    private boolean paused = true;

    void push(Buffer chunk) {
      pending.add(chunk);
      deliver();
    }

    void end() {
      pending.add(END);
      deliver();
    }

    private void deliver() {
      while (!paused && !pending.isEmpty()) {
        Object next = pending.poll();
        if (next == END) {
          if (endHandler != null) {
            endHandler.handle(null);
          }
        } else if (handler != null) {
          handler.handle((Buffer) next);
        }
      }
    }

    @Override
    public PushedBody handler(Handler<Buffer> handler) {
      this.handler = handler;
      return this;
    }

    @Override
    public PushedBody endHandler(Handler<Void> endHandler) {
      this.endHandler = endHandler;
      return this;
    }

    @Override
    public PushedBody exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public PushedBody pause() {
      paused = true;
      return this;
    }

    @Override
    public PushedBody resume() {
      paused = false;
      deliver();
      return this;
    }

    @Override
    public PushedBody fetch(long amount) {
      return resume();
    }
  }

  private Future<String> get(String path) {
    return upstream.send(
        HttpMethod.GET, path, ALICE, req -> {}, RequestBody.none(), UnprocessedResendTest::read);
  }

  private Future<String> post(String path, String body) {
    return upstream.send(
        HttpMethod.POST,
        path,
        ALICE,
        req -> {},
        RequestBody.of(Buffer.buffer(body)),
        UnprocessedResendTest::read);
  }

  private static Future<String> read(io.vertx.core.http.HttpClientResponse resp) {
    return resp.body().map(b -> resp.statusCode() + " " + b);
  }

  private static Future<String> on(
      Context context, java.util.function.Supplier<Future<String>> request) {
    io.vertx.core.Promise<String> answer = io.vertx.core.Promise.promise();
    context.runOnContext(v -> request.get().onComplete(answer));
    return answer.future();
  }
}
