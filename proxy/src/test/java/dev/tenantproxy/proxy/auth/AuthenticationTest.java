package dev.tenantproxy.proxy.auth;

import static dev.tenantproxy.proxy.testing.ProxyHarness.await;
import static dev.tenantproxy.proxy.testing.ProxyHarness.get;
import static dev.tenantproxy.proxy.testing.ProxyHarness.headers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.proxy.testing.FakeApiServer;
import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.ProxyHarness.Response;
import dev.tenantproxy.proxy.testing.TestClient;
import dev.tenantproxy.proxy.testing.TestPki;
import io.vertx.core.Future;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthenticationTest {
  @TempDir static Path dir;
  static ProxyHarness h;
  static TestClient anonymous;

  @BeforeAll
  static void start() {
    h = ProxyHarness.start(dir);
    anonymous = h.client(null, HttpVersion.HTTP_1_1);
    h.api.tokens.put(
        "sa-token",
        new Caller(
            "system:serviceaccount:solar-dev:ci",
            "u-1",
            List.of(
                "system:serviceaccounts",
                "system:serviceaccounts:solar-dev",
                "system:authenticated"),
            java.util.Map.of()));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @BeforeEach
  void reset() {
    h.api.handler = FakeApiServer.EMPTY_LIST;
    h.api.reviewDelayMs = 0;
  }

  private static void assertUnauthorizedStatus(Response r) {
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.headers().get("Content-Type")).isEqualTo("application/json");
    JsonObject status = new JsonObject(r.body());
    assertThat(status.getString("kind")).isEqualTo("Status");
    assertThat(status.getString("reason")).isEqualTo("Unauthorized");
    assertThat(status.getInteger("code")).isEqualTo(401);
  }

  @Test
  void noCredentialsGive401StatusNever403() {
    int before = h.api.requests.size();

    Response r = get(anonymous, "/api/v1/namespaces", null);

    assertUnauthorizedStatus(r);
    assertThat(h.api.requests.size()).isEqualTo(before);
  }

  @Test
  void validBearerTokenIsReviewedOnceThenServedFromTheCache() {
    h.api.tokens.put("good-token", Caller.of("erin", "devs", "system:authenticated"));
    int reviews = h.api.tokenReviews.get();

    for (int i = 0; i < 3; i++) {
      Response r =
          get(
              anonymous,
              "/api/v1/namespaces/solar-dev/pods",
              headers("Authorization", "Bearer good-token"));
      assertThat(r.status()).isEqualTo(200);
    }

    assertThat(h.api.tokenReviews.get() - reviews).isEqualTo(1);
    FakeApiServer.Recorded up = h.api.last("/api/v1/namespaces/solar-dev/pods");
    assertThat(up.headers().get("Impersonate-User")).isEqualTo("erin");
    assertThat(up.headers().getAll("Impersonate-Group")).containsExactly("devs");
    assertThat(up.headers().get("Authorization")).isEqualTo("Bearer proxy-token");
  }

  @Test
  void serviceAccountTokenKeepsUidAndGroups() {
    Response r =
        get(
            anonymous,
            "/api/v1/namespaces/solar-dev/configmaps",
            headers("Authorization", "Bearer sa-token"));

    assertThat(r.status()).isEqualTo(200);
    FakeApiServer.Recorded up = h.api.last("/api/v1/namespaces/solar-dev/configmaps");
    assertThat(up.headers().get("Impersonate-User"))
        .isEqualTo("system:serviceaccount:solar-dev:ci");
    assertThat(up.headers().get("Impersonate-Uid")).isEqualTo("u-1");
    assertThat(up.headers().getAll("Impersonate-Group"))
        .containsExactly("system:serviceaccounts", "system:serviceaccounts:solar-dev");
  }

  @Test
  void repeatedBadTokenReachesTheApiServerOnlyOnceWithinTheNegativeTtl() {
    int reviews = h.api.tokenReviews.get();

    for (int i = 0; i < 5; i++) {
      assertUnauthorizedStatus(
          get(anonymous, "/api/v1/pods", headers("Authorization", "Bearer bad-token-1")));
    }

    assertThat(h.api.tokenReviews.get() - reviews).isEqualTo(1);
    assertThat(h.proxy.metrics().scrape())
        .contains("tenant_proxy_cache_lookups_total{cache=\"tokenreview\",result=\"hit\"}");
  }

  @Test
  void concurrentIdenticalTokenLookupsShareOneTokenReview() {
    h.api.tokens.put("slow-token", Caller.of("frank"));
    h.api.reviewDelayMs = 300;
    int reviews = h.api.tokenReviews.get();
    TestClient c = h.client(null, HttpVersion.HTTP_2);

    List<Future<Integer>> all = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      all.add(
          c.exchange(
              agent ->
                  agent
                      .request(io.vertx.core.http.HttpMethod.GET, "/api/v1/namespaces/x/pods")
                      .compose(
                          req ->
                              req.putHeader("Authorization", "Bearer slow-token")
                                  .send()
                                  .compose(resp -> resp.end().map(v -> resp.statusCode())))));
    }
    await(Future.all(all));

    assertThat(all).allMatch(f -> f.result() == 200);
    assertThat(h.api.tokenReviews.get() - reviews).isEqualTo(1);
  }

  @Test
  void certificateFromAnUnknownCaIsNotAUser() {
    TestPki.Issued otherCa = TestPki.ca(dir, "other-ca");
    TestPki.Issued mallory =
        TestPki.client(dir, "mallory", otherCa, "system:admin", List.of("system:masters"));

    Response r = get(h.client(mallory, HttpVersion.HTTP_1_1), "/api/v1/secrets", null);

    assertUnauthorizedStatus(r);
  }

  @Test
  void identityHeadersFromAnAllowedFrontProxyAreHonoured() {
    TestClient gateway = h.client(h.frontProxy("front-proxy"), HttpVersion.HTTP_1_1);

    Response r =
        get(
            gateway,
            "/api/v1/namespaces/wind-dev/configmaps",
            headers(
                "X-Remote-User", "bob",
                "X-Remote-Group", "wind-devs",
                "X-Remote-Extra-Acme.com%2Fproject", "wind"));

    assertThat(r.status()).isEqualTo(200);
    FakeApiServer.Recorded up = h.api.last("/api/v1/namespaces/wind-dev/configmaps");
    assertThat(up.headers().get("Impersonate-User")).isEqualTo("bob");
    assertThat(up.headers().getAll("Impersonate-Group")).containsExactly("wind-devs");
    assertThat(up.headers().get("Impersonate-Extra-acme.com%2Fproject")).isEqualTo("wind");
    assertThat(up.headers().contains("X-Remote-User")).isFalse();
  }

  @Test
  void identityHeadersFromAFrontProxyCertificateWithANonAllowedNameAreIgnored() {
    TestClient intruder = h.client(h.frontProxy("intruder"), HttpVersion.HTTP_1_1);

    Response r =
        get(
            intruder,
            "/api/v1/secrets",
            headers("X-Remote-User", "admin", "X-Remote-Group", "system:masters"));

    assertUnauthorizedStatus(r);
  }

  @Test
  void identityHeadersFromAUserCertificateAreIgnored() {
    TestClient alice = h.client(h.user("alice", "solar-devs"), HttpVersion.HTTP_1_1);

    Response r =
        get(
            alice,
            "/api/v1/namespaces/solar-dev/secrets",
            headers("X-Remote-User", "admin", "X-Remote-Group", "system:masters"));

    assertThat(r.status()).isEqualTo(200);
    FakeApiServer.Recorded up = h.api.last("/api/v1/namespaces/solar-dev/secrets");
    assertThat(up.headers().get("Impersonate-User")).isEqualTo("alice");
    assertThat(up.headers().getAll("Impersonate-Group")).containsExactly("solar-devs");
  }

  @Test
  void tokensNeverAppearInLogsOrMetrics() {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured =
        new ch.qos.logback.core.read.ListAppender<>();
    captured.start();
    root.addAppender(captured);
    ch.qos.logback.classic.Level before = root.getLevel();
    root.setLevel(ch.qos.logback.classic.Level.DEBUG);
    String secret = "s3cr3t-" + java.util.UUID.randomUUID();
    h.api.tokens.put(secret, Caller.of("gina"));
    try {
      get(anonymous, "/api/v1/namespaces/a/pods", headers("Authorization", "Bearer " + secret));
      get(anonymous, "/api/v1/namespaces/a/pods", headers("Authorization", "Bearer bad-" + secret));
      h.api.handler = req -> req.connection().close();
      get(anonymous, "/api/v1/namespaces/a/pods", headers("Authorization", "Bearer " + secret));
    } finally {
      root.detachAppender(captured);
      root.setLevel(before);
    }

    assertThat(captured.list).isNotEmpty();
    assertThat(captured.list)
        .allSatisfy(
            e -> {
              assertThat(e.getFormattedMessage()).doesNotContain(secret);
              assertThat(String.valueOf(e.getKeyValuePairs())).doesNotContain(secret);
              assertThat(
                      String.valueOf(
                          e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage()))
                  .doesNotContain(secret);
            });
    assertThat(h.proxy.metrics().scrape()).doesNotContain(secret);
  }

  static <T> T unchecked(Callable<T> c) {
    try {
      return c.call();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
