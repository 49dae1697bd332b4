package dev.tenantproxy.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.proxy.testing.TestPki;
import dev.tenantproxy.testsupport.TestVertx;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which connection and which headers carry a request: the proxy's own credentials for its own
 * requests, and for a caller's either impersonation on the same connections or request headers on
 * connections authenticated with the front-proxy certificate (never the proxy's token there).
 */
class VertxUpstreamTest {
  private static final String TOKEN = "proxy-token";
  private static final Caller ALICE =
      new Caller(
          "alice",
          "uid-a",
          List.of("tenant-a", "system:authenticated"),
          Map.of(Caller.CREDENTIAL_ID, List.of("X509SHA256=ab")));

  /** One request as the fake API server saw it: the client certificate's CN and the headers. */
  record Seen(String peer, MultiMap headers) {}

  @TempDir Path dir;
  private Vertx vertx;
  private HttpServer server;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final List<String> connections = new CopyOnWriteArrayList<>();
  private UpstreamCredentials credentials;
  private FrontProxyClient frontProxy;
  private Upstream upstream;

  @BeforeEach
  void start() throws Exception {
    vertx = TestVertx.create();
    TestPki.Issued ca = TestPki.ca(dir, "ca");
    TestPki.Issued frontCa = TestPki.ca(dir, "front-ca");
    TestPki.Issued serving = TestPki.server(dir, "api", ca);
    TestPki.Issued own = TestPki.client(dir, "own", ca, "tenant-proxy", List.of());
    TestPki.Issued front = TestPki.client(dir, "front", frontCa, "front-proxy", List.of());
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
    server.requestHandler(this::record);
    int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    credentials =
        new UpstreamCredentials(
            URI.create("https://127.0.0.1:" + port),
            Buffer.buffer(Files.readAllBytes(ca.certFile())),
            Buffer.buffer(Files.readAllBytes(own.certFile())),
            Buffer.buffer(Files.readAllBytes(own.keyFile())),
            TOKEN,
            null);
    frontProxy = FrontProxyClient.fromFiles(front.certFile(), front.keyFile());
  }

  @AfterEach
  void stop() throws Exception {
    if (upstream != null) {
      upstream.close().await(10, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void record(HttpServerRequest req) {
    String peer = "none";
    try {
      X509Certificate leaf = (X509Certificate) req.connection().peerCertificates().get(0);
      peer = leaf.getSubjectX500Principal().getName();
    } catch (Exception e) {
      // no client certificate
    }
    seen.add(new Seen(peer, MultiMap.caseInsensitiveMultiMap().addAll(req.headers())));
    connections.add(req.connection().remoteAddress().toString());
    req.response().setStatusCode(403).end("{}");
  }

  @Test
  void withAFrontProxyCertificateACallersRequestCarriesXRemoteHeadersOnThatConnectionAndNoToken()
      throws Exception {
    upstream = Upstream.create(vertx, credentials, frontProxy, 10_000);

    Seen s = get(ALICE);

    assertThat(s.peer()).isEqualTo("CN=front-proxy");
    assertThat(s.headers().get("X-Remote-User")).isEqualTo("alice");
    assertThat(s.headers().get("X-Remote-Uid")).isEqualTo("uid-a");
    assertThat(s.headers().getAll("X-Remote-Group"))
        .containsExactly("tenant-a", "system:authenticated");
    assertThat(s.headers().get("X-Remote-Extra-authentication.kubernetes.io%2Fcredential-id"))
        .isEqualTo("X509SHA256=ab");
    assertThat(s.headers().contains("Authorization")).isFalse();
    assertThat(s.headers().names()).noneMatch(n -> n.toLowerCase().startsWith("impersonate-"));
  }

  @Test
  void withAFrontProxyCertificateTheProxysOwnRequestsKeepItsOwnCredentials() throws Exception {
    upstream = Upstream.create(vertx, credentials, frontProxy, 10_000);

    Seen s = get(null);

    assertThat(s.peer()).isEqualTo("CN=tenant-proxy");
    assertThat(s.headers().get("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(s.headers().names()).noneMatch(n -> n.toLowerCase().startsWith("x-remote-"));
  }

  @Test
  void withoutAFrontProxyCertificateACallerIsImpersonatedOnTheProxysOwnConnection()
      throws Exception {
    upstream = Upstream.create(vertx, credentials, 10_000);

    Seen s = get(ALICE);

    assertThat(s.peer()).isEqualTo("CN=tenant-proxy");
    assertThat(s.headers().get("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(s.headers().get("Impersonate-User")).isEqualTo("alice");
    assertThat(s.headers().getAll("Impersonate-Group")).containsExactly("tenant-a");
    assertThat(s.headers().names()).noneMatch(n -> n.toLowerCase().startsWith("x-remote-"));
  }

  @Test
  void anUpgradeInACallersNameGoesOnAFrontProxyConnectionWithXRemoteHeadersAndNoToken()
      throws Exception {
    upstream = Upstream.create(vertx, credentials, frontProxy, 10_000);

    UpgradeResponse answer = upgrade(ALICE);

    assertThat(answer.status()).isEqualTo(403);
    Seen s = seen.get(0);
    assertThat(s.peer()).isEqualTo("CN=front-proxy");
    assertThat(s.headers().get("X-Remote-User")).isEqualTo("alice");
    assertThat(s.headers().getAll("X-Remote-Group"))
        .containsExactly("tenant-a", "system:authenticated");
    assertThat(s.headers().contains("Authorization")).isFalse();
  }

  @Test
  void anUpgradeAsTheProxyKeepsItsOwnCredentials() throws Exception {
    upstream = Upstream.create(vertx, credentials, frontProxy, 10_000);

    upgrade(null);

    Seen s = seen.get(0);
    assertThat(s.peer()).isEqualTo("CN=tenant-proxy");
    assertThat(s.headers().get("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(s.headers().names()).noneMatch(n -> n.toLowerCase().startsWith("x-remote-"));
  }

  @Test
  void aFrontProxyCertificateForAPlainHttpApiServerIsRefusedAtStart() {
    UpstreamCredentials plain =
        new UpstreamCredentials(URI.create("http://127.0.0.1:1"), null, null, null, TOKEN, null);

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Upstream.create(vertx, plain, frontProxy, 10_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--proxy-client-cert-file needs an https API server");
  }

  @Test
  void aCallersRequestsRideAConnectionOfTheirOwnEventLoop() throws Exception {
    upstream = Upstream.create(vertx, credentials, frontProxy, 10_000);
    io.vertx.core.internal.VertxInternal internal = (io.vertx.core.internal.VertxInternal) vertx;
    Context first = internal.createEventLoopContext();
    Thread firstLoop = threadOf(first);
    Context second = internal.createEventLoopContext();
    for (int i = 0; i < 8 && threadOf(second) == firstLoop; i++) {
      second = internal.createEventLoopContext();
    }
    assertThat(threadOf(second)).isNotSameAs(firstLoop);

    for (int i = 0; i < 3; i++) {
      statusOn(first, ALICE);
    }
    String firstConnection = connections.get(0);
    assertThat(connections).containsOnly(firstConnection);
    for (int i = 0; i < 3; i++) {
      statusOn(second, ALICE);
    }
    statusOn(first, ALICE);

    // one connection per event loop: the second loop's requests did not ride the first one's
    assertThat(connections.subList(3, 6))
        .doesNotContain(firstConnection)
        .containsOnly(connections.get(3));
    assertThat(connections.get(6)).isEqualTo(firstConnection);
  }

  private static Thread threadOf(Context context) throws Exception {
    java.util.concurrent.CompletableFuture<Thread> t =
        new java.util.concurrent.CompletableFuture<>();
    context.runOnContext(v -> t.complete(Thread.currentThread()));
    return t.get(10, TimeUnit.SECONDS);
  }

  private int statusOn(Context context, Caller caller) throws Exception {
    io.vertx.core.Promise<Integer> status = io.vertx.core.Promise.promise();
    context.runOnContext(
        v ->
            upstream
                .open(HttpMethod.GET, "/api/v1/namespaces/a/pods", caller)
                .compose(HttpClientRequest::send)
                .compose(resp -> resp.body().map(b -> resp.statusCode()))
                .onComplete(status));
    return status.future().await(20, TimeUnit.SECONDS);
  }

  private Seen get(Caller caller) throws Exception {
    int status =
        TestVertx.onContext(
                vertx,
                () ->
                    upstream
                        .open(HttpMethod.GET, "/api/v1/namespaces/a/pods", caller)
                        .compose(HttpClientRequest::send)
                        .compose(resp -> resp.body().map(b -> resp.statusCode())))
            .await(20, TimeUnit.SECONDS);
    assertThat(status).isEqualTo(403);
    assertThat(seen).hasSize(1);
    return seen.get(0);
  }

  private UpgradeResponse upgrade(Caller caller) throws Exception {
    MultiMap headers =
        MultiMap.caseInsensitiveMultiMap()
            .add("Connection", "Upgrade")
            .add("Upgrade", "SPDY/3.1")
            .add("X-Stream-Protocol-Version", "v4.channel.k8s.io");
    UpgradeResponse answer =
        TestVertx.onContext(
                vertx,
                () ->
                    upstream.upgrade(
                        HttpMethod.POST, "/api/v1/namespaces/a/pods/p/exec", headers, caller))
            .await(20, TimeUnit.SECONDS);
    answer.socket().close();
    assertThat(seen).hasSize(1);
    return answer;
  }
}
