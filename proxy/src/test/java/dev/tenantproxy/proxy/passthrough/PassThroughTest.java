package dev.tenantproxy.proxy.passthrough;

import static dev.tenantproxy.proxy.testing.ProxyHarness.await;
import static dev.tenantproxy.proxy.testing.ProxyHarness.get;
import static dev.tenantproxy.proxy.testing.ProxyHarness.headers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.proxy.testing.FakeApiServer;
import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.ProxyHarness.Response;
import dev.tenantproxy.proxy.testing.TestClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PassThroughTest {
  @TempDir static Path dir;
  static ProxyHarness h;
  static TestClient alice;
  static TestClient aliceH2;

  @BeforeAll
  static void start() {
    h = ProxyHarness.start(dir);
    var cert = h.user("alice", "devs", "tenant-owners");
    alice = h.client(cert, HttpVersion.HTTP_1_1);
    aliceH2 = h.client(cert, HttpVersion.HTTP_2);
  }

  @BeforeEach
  void defaultUpstream() {
    h.api.handler = FakeApiServer.EMPTY_LIST;
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void clientCredentialsAndIdentityHeadersAreReplacedByTheProxyTokenAndImpersonationOfTheCaller() {
    Response r =
        get(
            alice,
            "/api/v1/namespaces/solar-dev/configmaps?limit=5",
            headers(
                "Authorization", "Bearer stolen",
                "X-Remote-User", "admin",
                "X-Remote-Group", "system:masters",
                "X-Remote-Extra-Scopes", "all",
                "X-Forwarded-Client-Cert", "By=spiffe://x",
                "Kubectl-Command", "kubectl get"));

    assertThat(r.status()).isEqualTo(200);
    FakeApiServer.Recorded up = h.api.last("/api/v1/namespaces/solar-dev/configmaps");
    assertThat(up.uri()).isEqualTo("/api/v1/namespaces/solar-dev/configmaps?limit=5");
    assertThat(up.headers().getAll("Authorization")).containsExactly("Bearer proxy-token");
    assertThat(up.headers().get("Impersonate-User")).isEqualTo("alice");
    assertThat(up.headers().getAll("Impersonate-Group")).containsExactly("devs", "tenant-owners");
    assertThat(up.headers().contains("X-Remote-User")).isFalse();
    assertThat(up.headers().contains("X-Remote-Group")).isFalse();
    assertThat(up.headers().contains("X-Remote-Extra-Scopes")).isFalse();
    assertThat(up.headers().contains("X-Forwarded-Client-Cert")).isFalse();
    assertThat(up.headers().get("Kubectl-Command")).isEqualTo("kubectl get");
  }

  @Test
  void responseHeadersAndCompressedBodiesPassUntouched() {
    byte[] gzip = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    h.api.handler =
        req ->
            req.response()
                .putHeader(
                    "Content-Type", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf")
                .putHeader("Content-Encoding", "gzip")
                .putHeader("ETag", "\"abc123\"")
                .putHeader("Warning", "299 - \"deprecated API\"")
                .end(Buffer.buffer(gzip));

    Response r = get(alice, "/openapi/v2", headers("Accept-Encoding", "gzip"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers().get("Content-Encoding")).isEqualTo("gzip");
    assertThat(r.headers().get("ETag")).isEqualTo("\"abc123\"");
    assertThat(r.headers().get("Warning")).isEqualTo("299 - \"deprecated API\"");
    assertThat(r.headers().get("Content-Type"))
        .isEqualTo("application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
    assertThat(Buffer.buffer(r.body()).length()).isGreaterThan(0);
    assertThat(h.api.last("/openapi/v2").headers().get("Accept-Encoding")).isEqualTo("gzip");
  }

  @Test
  void requestBodyIsStreamedUpstreamUnchanged() {
    List<String> bodies = new CopyOnWriteArrayList<>();
    h.api.handler =
        req ->
            req.body()
                .onSuccess(
                    b -> {
                      bodies.add(b.toString());
                      req.response().setStatusCode(201).end(b);
                    });
    String cm = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}";

    Response r =
        ProxyHarness.call(
            alice,
            HttpMethod.POST,
            "/api/v1/namespaces/solar-dev/configmaps",
            headers("Content-Type", "application/json"),
            cm);

    assertThat(r.status()).isEqualTo(201);
    assertThat(r.body()).isEqualTo(cm);
    assertThat(bodies).containsExactly(cm);
  }

  @Test
  void watchEventsAreFlushedOneByOneWithoutBuffering() {
    Promise<Void> firstSeen = Promise.promise();
    h.api.handler =
        req -> {
          HttpServerResponse resp = req.response().setChunked(true);
          resp.putHeader("Content-Type", "application/json");
          resp.write("{\"type\":\"ADDED\",\"object\":{}}\n");
          // the second event is only written once the client has seen the first one
          firstSeen.future().onComplete(v -> resp.end("{\"type\":\"DELETED\",\"object\":{}}\n"));
        };
    List<String> chunks = new CopyOnWriteArrayList<>();

    for (TestClient client : List.of(alice, aliceH2)) {
      chunks.clear();
      Promise<Void> seen = client == alice ? firstSeen : Promise.promise();
      if (client == aliceH2) {
        h.api.handler =
            req -> {
              HttpServerResponse resp = req.response().setChunked(true);
              resp.write("{\"type\":\"ADDED\",\"object\":{}}\n");
              seen.future().onComplete(v -> resp.end("{\"type\":\"DELETED\",\"object\":{}}\n"));
            };
      }
      Future<Void> done =
          client.exchange(
              c ->
                  c.request(
                          new RequestOptions()
                              .setMethod(HttpMethod.GET)
                              .setURI("/api/v1/namespaces/solar-dev/configmaps?watch=true"))
                      .compose(req -> req.send())
                      .compose(
                          resp -> {
                            Promise<Void> end = Promise.promise();
                            resp.handler(
                                b -> {
                                  chunks.add(b.toString());
                                  seen.tryComplete();
                                });
                            resp.endHandler(v -> end.complete());
                            return end.future();
                          }));
      await(done);
      assertThat(String.join("", chunks))
          .isEqualTo("{\"type\":\"ADDED\",\"object\":{}}\n{\"type\":\"DELETED\",\"object\":{}}\n");
    }
  }

  private static void echoAfter101(io.vertx.core.http.HttpServerRequest req) {
    req.response().setStatusCode(101);
    req.response().putHeader("Upgrade", req.getHeader("Upgrade"));
    req.response().putHeader("Connection", "Upgrade");
    req.response().putHeader("X-Stream-Protocol-Version", "v4.channel.k8s.io");
    ServerSockets.toNetSocket(req)
        .onSuccess(so -> so.handler(b -> so.write(Buffer.buffer("echo:").appendBuffer(b))));
  }

  @Test
  void webSocketStyleGetUpgradeIsRelayedByteForByteAfter101() {
    h.api.handler = PassThroughTest::echoAfter101;

    Future<String> echoed =
        alice.exchange(
            c ->
                c.request(
                        new RequestOptions()
                            .setMethod(HttpMethod.GET)
                            .setURI(
                                "/api/v1/namespaces/solar-dev/pods/p/exec?command=sh&stdin=true"))
                    .compose(
                        req -> {
                          req.putHeader("Connection", "Upgrade");
                          req.putHeader("Upgrade", "websocket");
                          req.putHeader("Sec-WebSocket-Protocol", "v5.channel.k8s.io");
                          return req.connect();
                        })
                    .compose(
                        resp -> {
                          assertThat(resp.statusCode()).isEqualTo(101);
                          assertThat(resp.getHeader("X-Stream-Protocol-Version"))
                              .isEqualTo("v4.channel.k8s.io");
                          return exchange(resp.netSocket(), "ping", "echo:ping");
                        }));

    assertThat(await(echoed)).isEqualTo("echo:ping");
    FakeApiServer.Recorded up = h.api.last("/api/v1/namespaces/solar-dev/pods/p/exec");
    assertThat(up.version()).isEqualTo(HttpVersion.HTTP_1_1);
    assertThat(up.headers().get("Impersonate-User")).isEqualTo("alice");
    assertThat(up.headers().get("Authorization")).isEqualTo("Bearer proxy-token");
    assertThat(up.headers().get("Upgrade")).isEqualTo("websocket");
    assertThat(up.headers().get("Sec-WebSocket-Protocol")).isEqualTo("v5.channel.k8s.io");
  }

  @Test
  void spdyPostUpgradeIsRelayedByteForByteAfter101() {
    h.api.handler = PassThroughTest::echoAfter101;
    var cert = h.user("dave", "devs");
    var net =
        h.vertx.createNetClient(
            new io.vertx.core.net.NetClientOptions()
                .setSsl(true)
                .setHostnameVerificationAlgorithm("HTTPS")
                .setTrustOptions(
                    new io.vertx.core.net.PemTrustOptions()
                        .addCertPath(h.servingCa.certFile().toString()))
                .setKeyCertOptions(
                    new io.vertx.core.net.PemKeyCertOptions()
                        .setCertPath(cert.certFile().toString())
                        .setKeyPath(cert.keyFile().toString())));

    Future<String> echoed =
        net.connect(h.proxy.port(), "localhost")
            .compose(
                so -> {
                  Promise<String> got = Promise.promise();
                  StringBuilder sb = new StringBuilder();
                  so.handler(
                      b -> {
                        sb.append(b);
                        int head = sb.indexOf("\r\n\r\n");
                        if (head >= 0 && sb.length() == head + 4) {
                          assertThat(sb.toString()).startsWith("HTTP/1.1 101");
                          so.write("ping");
                        } else if (head >= 0 && sb.toString().endsWith("echo:ping")) {
                          got.tryComplete(sb.substring(head + 4));
                          so.close();
                        }
                      });
                  so.write(
                      "POST /api/v1/namespaces/solar-dev/pods/p/exec?command=sh HTTP/1.1\r\n"
                          + "Host: localhost\r\n"
                          + "Connection: Upgrade\r\n"
                          + "Upgrade: SPDY/3.1\r\n"
                          + "X-Stream-Protocol-Version: v4.channel.k8s.io\r\n"
                          + "Content-Length: 0\r\n\r\n");
                  return got.future();
                });

    assertThat(await(echoed)).isEqualTo("echo:ping");
    FakeApiServer.Recorded up = h.api.last("/api/v1/namespaces/solar-dev/pods/p/exec?command=sh");
    assertThat(up.method()).isEqualTo("POST");
    assertThat(up.headers().get("Impersonate-User")).isEqualTo("dave");
    assertThat(up.headers().get("Upgrade")).isEqualTo("SPDY/3.1");
  }

  private static Future<String> exchange(NetSocket so, String send, String expect) {
    Promise<String> got = Promise.promise();
    StringBuilder sb = new StringBuilder();
    so.handler(
        b -> {
          sb.append(b);
          if (sb.length() >= expect.length()) {
            got.tryComplete(sb.toString());
            so.close();
          }
        });
    so.write(send);
    return got.future();
  }

  @Test
  void refusedUpgradeIsRelayedAsAnOrdinaryResponse() {
    h.api.handler =
        req ->
            req.response()
                .setStatusCode(403)
                .putHeader("Content-Type", "application/json")
                .end("{\"kind\":\"Status\",\"code\":403}");

    Response r =
        get(
            alice,
            "/api/v1/namespaces/wind-dev/pods/p/exec?command=sh",
            headers(
                "Connection",
                "Upgrade",
                "Upgrade",
                "websocket",
                "Sec-WebSocket-Key",
                "dGhlIHNhbXBsZSBub25jZQ==",
                "Sec-WebSocket-Version",
                "13",
                "Sec-WebSocket-Protocol",
                "v5.channel.k8s.io"));

    assertThat(r.status()).isEqualTo(403);
    assertThat(r.body()).isEqualTo("{\"kind\":\"Status\",\"code\":403}");
  }

  @Test
  void aWatchWhoseApiServerConnectionBreaksEndsCleanlyButABrokenListIsReset() {
    // the API server writes one event (or half a list), then its connection dies
    h.api.handler =
        req -> {
          HttpServerResponse resp = req.response().setChunked(true);
          resp.putHeader("Content-Type", "application/json");
          resp.write(
              req.uri().contains("watch=true")
                  ? "{\"type\":\"ADDED\",\"object\":{}}\n"
                  : "{\"kind\":\"ConfigMapList\",\"items\":[");
          vertxTimer(() -> req.connection().close());
        };
    for (TestClient client : List.of(alice, aliceH2)) {
      for (boolean watch : List.of(true, false)) {
        Promise<String> outcome = Promise.promise();
        StringBuilder body = new StringBuilder();
        client.exchange(
            c ->
                c.request(
                        new RequestOptions()
                            .setMethod(HttpMethod.GET)
                            .setURI(
                                "/api/v1/namespaces/solar-dev/configmaps"
                                    + (watch ? "?watch=true" : "")))
                    .compose(req -> req.send())
                    .compose(
                        resp -> {
                          resp.handler(b -> body.append(b.toString()));
                          resp.endHandler(v -> outcome.tryComplete("end"));
                          resp.exceptionHandler(e -> outcome.tryComplete("error"));
                          return Future.<Void>succeededFuture();
                        })
                    .onFailure(e -> outcome.tryComplete("error")));
        String how = await(outcome.future().timeout(20, TimeUnit.SECONDS));
        if (watch) {
          assertThat(how).as(client + " watch").isEqualTo("end");
          assertThat(body.toString()).isEqualTo("{\"type\":\"ADDED\",\"object\":{}}\n");
        } else {
          assertThat(how).as(client + " list").isEqualTo("error");
        }
      }
    }
  }

  private static void vertxTimer(Runnable r) {
    io.vertx.core.Vertx.currentContext().owner().setTimer(200, id -> r.run());
  }

  @Test
  void clientDisconnectCancelsTheUpstreamWatch() {
    Promise<Void> upstreamClosed = Promise.promise();
    h.api.handler =
        req -> {
          req.response().setChunked(true).write("{\"type\":\"ADDED\",\"object\":{}}\n");
          req.response().closeHandler(v -> upstreamClosed.tryComplete());
        };
    TestClient once = h.client(h.user("carol"), HttpVersion.HTTP_1_1);

    await(
        once.exchange(
            c ->
                c.request(
                        new RequestOptions()
                            .setMethod(HttpMethod.GET)
                            .setURI("/api/v1/configmaps?watch=true"))
                    .compose(req -> req.send())
                    .compose(
                        resp -> {
                          Promise<Void> first = Promise.promise();
                          resp.handler(b -> first.tryComplete());
                          return first.future();
                        })));
    await(once.close());

    await(upstreamClosed.future().timeout(10, TimeUnit.SECONDS));
  }

  @Test
  void aListWithA20KbLabelSelectorIsForwardedOverHttp1AndHttp2AsTheApiServerAcceptsIt() {
    // tools build selectors from hundreds of names: `name in (n-0001, n-0002, ...)`
    StringBuilder names = new StringBuilder();
    for (int i = 0; names.length() < 20_000; i++) {
      names.append(i == 0 ? "" : ",").append("name-").append(String.format("%05d", i));
    }
    String uri =
        "/api/v1/namespaces/solar-dev/configmaps?labelSelector=app+in+%28"
            + names.toString().replace(",", "%2C")
            + "%29";
    assertThat(uri.length()).isGreaterThan(20_000);

    for (TestClient client : List.of(alice, aliceH2)) {
      Response r = get(client, uri, null);

      assertThat(r.status()).isEqualTo(200);
      assertThat(h.api.last("/api/v1/namespaces/solar-dev/configmaps").uri()).isEqualTo(uri);
    }
  }

  @Test
  void aRequestLineOrHeadersBeyondTheApiServersLimitGetA414Or431StatusNotAReset() {
    // over HTTP/2 the limit is announced in SETTINGS_MAX_HEADER_LIST_SIZE and clients refuse to
    // send more; over HTTP/1.1 the proxy answers as the API server would, with a Status
    String huge =
        "/api/v1/namespaces/solar-dev/configmaps?labelSelector=a%3D" + "b".repeat(1 << 20);
    TestClient fresh = h.client(h.user("alice", "devs"), HttpVersion.HTTP_1_1);

    Response line = get(fresh, huge, null);
    Response headers =
        get(
            fresh,
            "/api/v1/namespaces/solar-dev/configmaps",
            headers("X-Big", "v".repeat(1 << 20)));

    assertThat(line.status()).isEqualTo(414);
    assertThat(new JsonObject(line.body()).getString("kind")).isEqualTo("Status");
    assertThat(new JsonObject(line.body()).getString("reason")).isEqualTo("RequestURITooLong");
    assertThat(headers.status()).isEqualTo(431);
    assertThat(new JsonObject(headers.body()).getInteger("code")).isEqualTo(431);
    assertThat(headers.headers().get("Content-Type")).isEqualTo("application/json");
    // the proxy still serves, on a new connection
    assertThat(get(fresh, "/api/v1/namespaces/solar-dev/configmaps", null).status()).isEqualTo(200);
    await(fresh.close());
  }

  @Test
  void anHttp2StreamResetWhileItsImpersonationIsReviewedIsFinishedNotLeftOpenAndNotForwarded() {
    // given: impersonation reviews held until the test lets them go
    Promise<Void> release = Promise.promise();
    h.api.holdReviews = release.future();
    h.api.allow = (user, attributes) -> true;
    TestClient root = h.client(h.user("root-" + System.nanoTime(), "ops"), HttpVersion.HTTP_2);
    try {
      // when: the stream is reset while its review is pending...
      await(
          root.exchange(
              c ->
                  c.request(
                          new RequestOptions()
                              .setMethod(HttpMethod.GET)
                              .setURI("/api/v1/namespaces/reset-x/secrets")
                              .putHeader("Impersonate-User", "someone"))
                      .compose(req -> req.end().compose(v -> req.reset()))));
      // ...and a later request on the same connection has reached the API server, so the proxy
      // has seen the reset (frames of one connection are handled in order)
      Response later = get(root, "/api/v1/namespaces/reset-y/configmaps", null);
      assertThat(later.status()).isEqualTo(200);
      release.complete();

      // then: the reset exchange is finished (recorded) and nothing reached the API server
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(
              () ->
                  h.proxy
                      .metrics()
                      .scrape()
                      .lines()
                      .anyMatch(
                          l ->
                              l.startsWith("tenant_proxy_requests_total")
                                  && l.contains("resource=\"secrets\"")));
      assertThat(h.api.last("/api/v1/namespaces/reset-x")).isNull();
    } finally {
      h.api.holdReviews = null;
      h.api.allow = (user, attributes) -> false;
      await(root.close());
    }
  }

  @Test
  void unreachableApiServerGives503Status() {
    h.api.handler = req -> req.connection().close();

    Response r = get(alice, "/api/v1/namespaces/solar-dev/configmaps", null);

    assertThat(r.status()).isEqualTo(503);
    JsonObject status = new JsonObject(r.body());
    assertThat(status.getString("kind")).isEqualTo("Status");
    assertThat(status.getString("reason")).isEqualTo("ServiceUnavailable");
    assertThat(r.headers().get("Content-Type")).isEqualTo("application/json");
  }
}
