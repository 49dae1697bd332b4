package dev.tenantproxy.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.proxy.ops.ProxyMetrics;
import dev.tenantproxy.proxy.testing.TestPki;
import dev.tenantproxy.proxy.tls.CertificateFiles;
import dev.tenantproxy.testsupport.PrometheusText;
import dev.tenantproxy.testsupport.SecretDir;
import dev.tenantproxy.testsupport.TestVertx;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The front-proxy certificate renewed while the proxy runs: requests and upgrades opened after the
 * renewal present the new certificate (the fake API server answers with the CN it saw), the pooled
 * connections made with the old one take no new request and are closed after the grace (streams in
 * flight go on until then), and a pair that does not belong together changes nothing. A renewed
 * certificate is put in service only once the fake API server has taken the probe user asserted on
 * a connection made with it (it refuses {@value #UNTRUSTED} with 401, as kube-apiserver refuses a
 * certificate of another CA or CN); the certificate metrics follow.
 */
class FrontProxyRenewalTest {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final Duration INTERVAL = Duration.ofMillis(50);
  private static final Caller ALICE =
      new Caller("alice", "uid-a", List.of("tenant-a", "system:authenticated"), Map.of());
  private static final String REVIEWS = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

  /** The CN the fake API server refuses (401), as one of a CA it does not trust. */
  private static final String UNTRUSTED = "front-untrusted";

  @TempDir Path dir;
  private Vertx vertx;
  private HttpServer server;
  private UpstreamCredentials credentials;
  private TestPki.Issued frontCa;
  private TestPki.Issued first;
  private SecretDir secret;
  private VertxUpstream upstream;

  /** The client certificate's CN of every connection the fake API server accepted. */
  private final Map<HttpConnection, String> connections = new ConcurrentHashMap<>();

  private final Set<HttpConnection> closed = ConcurrentHashMap.newKeySet();
  private final List<HttpServerResponse> streams = new CopyOnWriteArrayList<>();
  private final List<String> upgradePeers = new CopyOnWriteArrayList<>();

  /** Every SelfSubjectReview: the connection's CN and the asserted X-Remote-User. */
  private final List<String> reviews = new CopyOnWriteArrayList<>();

  /** How many more reviews the fake API server drops (closes the connection without an answer). */
  private final AtomicInteger reviewsToDrop = new AtomicInteger();

  private final ProxyMetrics metrics = new ProxyMetrics(ProxyMetrics.newRegistry());
  private ListAppender<ILoggingEvent> logs;
  private Logger watcherLog;

  @BeforeEach
  void start() throws Exception {
    vertx = TestVertx.create();
    TestPki.Issued ca = TestPki.ca(dir, "ca");
    frontCa = TestPki.ca(dir, "front-ca");
    TestPki.Issued serving = TestPki.server(dir, "api", ca);
    TestPki.Issued own = TestPki.client(dir, "own", ca, "tenant-proxy", List.of());
    first = front("front-1");
    secret = new SecretDir(dir.resolve("secret")).write(first.certFile(), first.keyFile());
    server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setSsl(true)
                .setUseAlpn(true)
                .setClientAuth(ClientAuth.REQUEST)
                .setTrustOptions(
                    new PemTrustOptions()
                        .addCertPath(ca.certFile().toString())
                        .addCertPath(frontCa.certFile().toString()))
                .setKeyCertOptions(
                    new PemKeyCertOptions()
                        .setCertPath(serving.certFile().toString())
                        .setKeyPath(serving.keyFile().toString())));
    server.connectionHandler(
        conn -> {
          connections.put(conn, peer(conn));
          conn.closeHandler(v -> closed.add(conn));
        });
    server.requestHandler(this::answer);
    int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    watcherLog = (Logger) LoggerFactory.getLogger(CertificateFiles.class);
    logs = new ListAppender<>();
    logs.start();
    watcherLog.addAppender(logs);
    credentials =
        new UpstreamCredentials(
            URI.create("https://127.0.0.1:" + port),
            Buffer.buffer(Files.readAllBytes(ca.certFile())),
            Buffer.buffer(Files.readAllBytes(own.certFile())),
            Buffer.buffer(Files.readAllBytes(own.keyFile())),
            "proxy-token",
            null);
  }

  @AfterEach
  void stop() throws Exception {
    watcherLog.detachAppender(logs);
    if (upstream != null) {
      upstream.close().await(10, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private TestPki.Issued front(String cn) {
    return TestPki.client(dir.resolve(cn), cn, frontCa, cn, List.of());
  }

  private void startUpstream(Duration grace) {
    upstream =
        new VertxUpstream(
            vertx,
            credentials,
            FrontProxyClient.fromFiles(secret.certFile(), secret.keyFile()),
            INTERVAL,
            grace,
            10_000);
    metrics.certificate("front-proxy-client", upstream.frontProxyFiles());
  }

  /** A front-proxy certificate valid for {@code days} days (expiries a second apart or more). */
  private TestPki.Issued front(String cn, int days) {
    return TestPki.clientValidFor(dir, frontCa, cn, days);
  }

  /** One sample of the front-proxy certificate's metrics, as {@code /metrics} shows it. */
  private double metric(String name, String labels) {
    return PrometheusText.sum(
        metrics.scrape(), name, "certificate=\"front-proxy-client\"" + labels);
  }

  private double expiry() {
    return metric("tenant_proxy_certificate_expiration_timestamp_seconds", "");
  }

  private double reloads(String result) {
    return metric("tenant_proxy_certificate_reloads_total", ",result=\"" + result + "\"");
  }

  private static double epochSeconds(TestPki.Issued issued) {
    return issued.cert().getNotAfter().toInstant().getEpochSecond();
  }

  private List<String> warnings() {
    synchronized (logs) { // AppenderBase.doAppend holds the appender's monitor
      return logs.list.stream()
          .filter(e -> e.getLevel() == Level.WARN)
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
  }

  private static String peer(HttpConnection conn) {
    try {
      X509Certificate leaf = (X509Certificate) conn.peerCertificates().get(0);
      return leaf.getSubjectX500Principal().getName();
    } catch (Exception e) {
      return "none";
    }
  }

  /**
   * 403 with the connection's CN as body; {@code /watch} streams until the connection closes; a
   * SelfSubjectReview names the user in X-Remote-User, except on a connection of {@value
   * #UNTRUSTED} (401).
   */
  private void answer(HttpServerRequest req) {
    String peer = peer(req.connection());
    if (req.path().equals(REVIEWS)) {
      reviews.add(peer + " as " + req.getHeader("X-Remote-User"));
      if (reviewsToDrop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        req.connection().close();
      } else if (peer.equals("CN=" + UNTRUSTED)) {
        req.response()
            .setStatusCode(401)
            .end("{\"kind\":\"Status\",\"message\":\"Unauthorized\",\"code\":401}");
      } else {
        req.response()
            .setStatusCode(201)
            .end(
                new JsonObject()
                    .put("kind", "SelfSubjectReview")
                    .put(
                        "status",
                        new JsonObject()
                            .put(
                                "userInfo",
                                new JsonObject().put("username", req.getHeader("X-Remote-User"))))
                    .toBuffer());
      }
      return;
    }
    if (req.headers().contains("Upgrade")) {
      upgradePeers.add(peer);
    }
    if (req.path().equals("/watch")) {
      HttpServerResponse resp = req.response().setChunked(true);
      resp.write(peer + "\n");
      streams.add(resp);
      return;
    }
    long delay = req.path().equals("/slow") ? 200 : 0;
    if (delay > 0) {
      vertx.setTimer(delay, id -> req.response().setStatusCode(403).end(peer));
    } else {
      req.response().setStatusCode(403).end(peer);
    }
  }

  /** GET {@code path} as alice; answers the CN the fake API server saw. */
  private String get(String path) throws Exception {
    return TestVertx.onContext(
            vertx,
            () ->
                upstream
                    .open(HttpMethod.GET, path, ALICE)
                    .compose(HttpClientRequest::send)
                    .compose(HttpClientResponse::body)
                    .map(Buffer::toString))
        .await(20, TimeUnit.SECONDS);
  }

  private String upgradeAsAlice() throws Exception {
    MultiMap headers =
        MultiMap.caseInsensitiveMultiMap()
            .add("Connection", "Upgrade")
            .add("Upgrade", "SPDY/3.1")
            .add("X-Stream-Protocol-Version", "v4.channel.k8s.io");
    int before = upgradePeers.size();
    UpgradeResponse answer =
        TestVertx.onContext(
                vertx,
                () ->
                    upstream.upgrade(
                        HttpMethod.POST, "/api/v1/namespaces/a/pods/p/exec", headers, ALICE))
            .await(20, TimeUnit.SECONDS);
    answer.socket().close();
    assertThat(answer.status()).isEqualTo(403);
    return upgradePeers.get(before);
  }

  private List<HttpConnection> connectionsOf(String cn) {
    return connections.entrySet().stream()
        .filter(e -> e.getValue().equals(cn))
        .map(Map.Entry::getKey)
        .toList();
  }

  @Test
  void requestsAndUpgradesAfterARenewalPresentTheNewCertificateAndTheOldConnectionsClose()
      throws Exception {
    // given: a pooled connection made with the first certificate
    startUpstream(Duration.ofSeconds(1));
    assertThat(get("/api")).isEqualTo("CN=front-1");
    assertThat(upgradeAsAlice()).isEqualTo("CN=front-1");
    List<HttpConnection> old = connectionsOf("CN=front-1");

    // when: the files are renewed
    TestPki.Issued second = front("front-2");
    secret.write(second.certFile(), second.keyFile());

    // then: new requests and upgrades present the new certificate, on new connections
    await().atMost(BOUND).until(() -> get("/api").equals("CN=front-2"));
    assertThat(get("/api")).isEqualTo("CN=front-2");
    assertThat(upgradeAsAlice()).isEqualTo("CN=front-2");
    assertThat(upstream.frontProxyFiles().reloaded()).isEqualTo(1);
    // and the pooled connection made with the first one is closed after the grace
    await().atMost(BOUND).until(() -> closed.containsAll(old));
    await().atMost(BOUND).until(() -> upstream.callerPool().retiring() == 0);
    // and the proxy's own requests never changed connections
    assertThat(
            TestVertx.onContext(
                    vertx,
                    () ->
                        upstream
                            .open(HttpMethod.GET, "/own")
                            .compose(HttpClientRequest::send)
                            .compose(HttpClientResponse::body)
                            .map(Buffer::toString))
                .await(20, TimeUnit.SECONDS))
        .isEqualTo("CN=tenant-proxy");
  }

  @Test
  void aStreamOpenOnARetiredConnectionGoesOnThroughTheGraceThenEnds() throws Exception {
    // given: a watch open on a connection made with the first certificate
    startUpstream(Duration.ofSeconds(3));
    AtomicReference<StringBuilder> received = new AtomicReference<>(new StringBuilder());
    AtomicBoolean ended = new AtomicBoolean();
    TestVertx.onContext(
            vertx,
            () ->
                upstream
                    .open(HttpMethod.GET, "/watch", ALICE)
                    .compose(HttpClientRequest::send)
                    .map(
                        resp -> {
                          resp.handler(b -> received.get().append(b.toString()));
                          resp.endHandler(v -> ended.set(true));
                          resp.exceptionHandler(e -> ended.set(true));
                          return resp;
                        }))
        .await(20, TimeUnit.SECONDS);
    await().atMost(BOUND).until(() -> received.get().toString().contains("CN=front-1"));
    List<HttpConnection> old = connectionsOf("CN=front-1");

    // when: the certificate is renewed
    TestPki.Issued second = front("front-2");
    secret.write(second.certFile(), second.keyFile());
    await().atMost(BOUND).until(() -> get("/api").equals("CN=front-2"));

    // then: the open watch still streams on its connection
    HttpServerResponse watch = streams.get(0);
    vertx.runOnContext(v -> watch.write("after-renewal\n"));
    await().atMost(BOUND).until(() -> received.get().toString().contains("after-renewal"));
    assertThat(old).noneMatch(closed::contains);
    // and once the grace is over its connection is closed and the watch ends
    await().atMost(BOUND).until(() -> closed.containsAll(old));
    await().atMost(BOUND).untilTrue(ended);
  }

  @Test
  void aKeyThatIsNotTheCertificatesChangesNothing() throws Exception {
    // given
    startUpstream(Duration.ofSeconds(1));
    assertThat(get("/api")).isEqualTo("CN=front-1");
    int connectionsBefore = connections.size();
    List<HttpConnection> pooled = connectionsOf("CN=front-1");

    // when: the key of another certificate is written with the first certificate
    TestPki.Issued second = front("front-2");
    secret.write(first.certFile(), second.keyFile());
    await().atMost(BOUND).until(() -> upstream.frontProxyFiles().refused() == 1);

    // then: requests and upgrades keep the first certificate and its pooled connection
    assertThat(get("/api")).isEqualTo("CN=front-1");
    assertThat(upgradeAsAlice()).isEqualTo("CN=front-1");
    assertThat(pooled).noneMatch(closed::contains);
    assertThat(connections.size()).as("one more: the upgrade's").isEqualTo(connectionsBefore + 1);
    assertThat(upstream.callerPool().retiring()).isZero();
    assertThat(upstream.frontProxyFiles().reloaded()).isZero();
  }

  @Test
  void requestsOpenedWhileThePoolIsRenewedAllGetAnAnswer() throws Exception {
    // given: requests in flight (answered after 200 ms) and more being opened from several event
    // loops while the pool is renewed three times
    startUpstream(Duration.ofSeconds(30));
    List<FrontProxyClient> renewals = new ArrayList<>();
    for (int i = 2; i <= 4; i++) {
      TestPki.Issued next = front("front-" + i);
      renewals.add(FrontProxyClient.fromFiles(next.certFile(), next.keyFile()));
    }
    List<Future<String>> answers = new CopyOnWriteArrayList<>();
    List<Future<Void>> loops = new ArrayList<>();
    for (int loop = 0; loop < 4; loop++) {
      loops.add(
          TestVertx.onContext(
              vertx,
              () -> {
                io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
                fire(answers, 100, done);
                return done.future();
              }));
    }
    for (FrontProxyClient next : renewals) {
      Thread.sleep(150);
      TestVertx.onContext(vertx, () -> upstream.callerPool().renew(next))
          .await(20, TimeUnit.SECONDS);
    }
    Future.all(loops).await(60, TimeUnit.SECONDS);

    // then: every request got its answer (on a loaded machine the ones queued for a connection of
    // a pool retired meanwhile are answered on a later pool)
    Future.join(new ArrayList<>(answers)).await(60, TimeUnit.SECONDS);
    assertThat(answers).hasSize(400).allMatch(Future::succeeded);
    assertThat(get("/api")).isEqualTo("CN=front-4");
  }

  @Test
  void aRenewalTheApiServerRefusesIsNotPromotedAndTheOldCertificateKeepsServing() throws Exception {
    // given: a pooled connection made with the first certificate
    startUpstream(Duration.ofSeconds(1));
    assertThat(get("/api")).isEqualTo("CN=front-1");
    List<HttpConnection> pooled = connectionsOf("CN=front-1");
    double firstExpiry = expiry();

    // when: a valid, matching pair that the API server refuses (401) is written
    TestPki.Issued untrusted = front(UNTRUSTED, 3);
    String untrustedKey = Files.readString(untrusted.keyFile());
    secret.write(untrusted.certFile(), untrusted.keyFile());
    await().atMost(BOUND).until(() -> upstream.frontProxyFiles().refused() == 1);

    // then: it was probed with the probe user on a connection made with it, then refused
    assertThat(reviews)
        .containsExactly("CN=" + UNTRUSTED + " as " + RequestHeaderProbe.PROBE.user());
    assertThat(warnings())
        .singleElement()
        .asString()
        .contains("kept the previous front-proxy client certificate")
        .contains(secret.certFile().toString())
        .contains(secret.keyFile().toString())
        .contains("(401)")
        .doesNotContain(untrustedKey.lines().skip(1).findFirst().orElseThrow());
    // and requests and upgrades keep the first certificate and its pooled connection
    assertThat(get("/api")).isEqualTo("CN=front-1");
    assertThat(upgradeAsAlice()).isEqualTo("CN=front-1");
    assertThat(pooled).noneMatch(closed::contains);
    assertThat(upstream.callerPool().retiring()).isZero();
    // and the probe's connection is closed with its pool
    await().atMost(BOUND).until(() -> closed.containsAll(connectionsOf("CN=" + UNTRUSTED)));
    // and the metrics show the refusal and the expiry of the certificate still in service
    assertThat(reloads("refused")).isEqualTo(1);
    assertThat(reloads("loaded")).isZero();
    assertThat(expiry()).isEqualTo(epochSeconds(first));
    assertThat(firstExpiry).isEqualTo(epochSeconds(first));
    // and the refusal stands while the files do not change: no probe on every interval
    Thread.sleep(INTERVAL.toMillis() * 10);
    assertThat(reviews).hasSize(1);
  }

  @Test
  void anAcceptedRenewalIsProbedWithTheNewCertificateThenPromotedAndItsExpiryShown()
      throws Exception {
    // given
    startUpstream(Duration.ofSeconds(1));
    assertThat(get("/api")).isEqualTo("CN=front-1");
    assertThat(expiry()).isEqualTo(epochSeconds(first));

    // when: a pair the API server takes is written, expiring later than the first
    TestPki.Issued second = front("front-2", 5);
    secret.write(second.certFile(), second.keyFile());

    // then: it is probed with the probe user on its own connection, then promoted
    await().atMost(BOUND).until(() -> get("/api").equals("CN=front-2"));
    assertThat(reviews).containsExactly("CN=front-2 as " + RequestHeaderProbe.PROBE.user());
    assertThat(upgradeAsAlice()).isEqualTo("CN=front-2");
    // and the metrics show the new expiry and one loaded renewal
    assertThat(expiry()).isEqualTo(epochSeconds(second)).isNotEqualTo(epochSeconds(first));
    assertThat(reloads("loaded")).isEqualTo(1);
    assertThat(reloads("refused")).isZero();
    assertThat(warnings()).isEmpty();
  }

  @Test
  void aRenewalWhoseProbeGetsNoAnswerIsProbedAgainAtTheNextIntervalAndThenPromoted()
      throws Exception {
    // given: the API server drops the first review (a connection lost mid-request)
    startUpstream(Duration.ofSeconds(1));
    assertThat(get("/api")).isEqualTo("CN=front-1");
    reviewsToDrop.set(1);

    // when: a pair the API server takes is written, once
    TestPki.Issued second = front("front-2", 5);
    secret.write(second.certFile(), second.keyFile());

    // then: refused for now, probed again without the files changing, and promoted
    await().atMost(BOUND).until(() -> upstream.frontProxyFiles().reloaded() == 1);
    assertThat(get("/api")).isEqualTo("CN=front-2");
    assertThat(reviews).hasSize(2).containsOnly("CN=front-2 as " + RequestHeaderProbe.PROBE.user());
    assertThat(warnings())
        .singleElement()
        .asString()
        .contains("the API server did not answer")
        .contains("checked again every");
    assertThat(reloads("refused")).isEqualTo(1);
    assertThat(reloads("loaded")).isEqualTo(1);
    assertThat(expiry()).isEqualTo(epochSeconds(second));
  }

  /** Opens {@code n} slow requests, one every few milliseconds, on the current context. */
  private void fire(List<Future<String>> answers, int n, io.vertx.core.Promise<Void> done) {
    if (n == 0) {
      done.complete();
      return;
    }
    answers.add(
        upstream
            .open(HttpMethod.GET, "/slow", ALICE)
            .compose(HttpClientRequest::send)
            .compose(HttpClientResponse::body)
            .map(Buffer::toString));
    vertx.setTimer(5, id -> fire(answers, n - 1, done));
  }
}
