package dev.tenantproxy.proxy.ops;

import static dev.tenantproxy.proxy.testing.ProxyHarness.get;
import static dev.tenantproxy.proxy.testing.ProxyHarness.headers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.TestClient;
import io.vertx.core.http.HttpVersion;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpsTest {
  @TempDir static Path dir;
  static ProxyHarness h;
  static final AtomicBoolean synced = new AtomicBoolean();
  static final AtomicBoolean probeFails = new AtomicBoolean();
  static TestClient anonymous;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

  @BeforeAll
  static void start() {
    h =
        ProxyHarness.start(
            dir,
            c -> c,
            () -> {
              if (probeFails.get()) {
                throw new IllegalStateException("readiness check failed");
              }
              return synced.get();
            },
            List.of());
    anonymous = h.client(null, HttpVersion.HTTP_1_1);
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  /** A plain-HTTP GET on the ops port. */
  static HttpResponse<String> ops(String path) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.proxy.opsPort() + path))
              .timeout(Duration.ofSeconds(30))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theOpsPortIsItsOwnListenerBesideTheServingPort() {
    assertThat(h.proxy.opsPort()).isPositive().isNotEqualTo(h.proxy.port());
  }

  @Test
  void healthzAndLivezAnswerOkWithoutCredentialsOnTheOpsPort() {
    assertThat(ops("/healthz").statusCode()).isEqualTo(200);
    assertThat(ops("/livez").body()).isEqualTo("ok");
  }

  @Test
  void anUnknownPathOnTheOpsPortIs404AndNeverReachesTheApiServer() {
    int before = h.api.requests.size();

    assertThat(ops("/api/v1/namespaces").statusCode()).isEqualTo(404);
    assertThat(h.api.requests).hasSize(before);
  }

  @Test
  void aFailingReadinessCheckIsA500WithoutItsMessage() {
    probeFails.set(true);
    try {
      var r = ops("/readyz");

      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(r.body()).doesNotContain("readiness");
    } finally {
      probeFails.set(false);
    }
    synced.set(true);
    assertThat(ops("/readyz").statusCode()).isEqualTo(200);
  }

  @Test
  void readyzIsOkOnlyOnceTheCachesAreSynced() {
    synced.set(false);
    assertThat(ops("/readyz").statusCode()).isEqualTo(503);

    synced.set(true);
    assertThat(ops("/readyz").statusCode()).isEqualTo(200);
  }

  @Test
  void onTheServingPortTheOpsPathsPassThroughToTheApiServerAsTheCaller() {
    TestClient alice = h.client(h.user("alice"), HttpVersion.HTTP_2);
    synced.set(false); // the proxy's own /readyz would say 503

    for (String path : List.of("/readyz", "/healthz", "/livez", "/metrics")) {
      var r = get(alice, path, null);

      assertThat(r.status()).as(path).isEqualTo(200);
      assertThat(h.api.requests)
          .as(path)
          .anyMatch(
              q ->
                  q.uri().equals(path)
                      && "alice".equals(q.headers().get("Impersonate-User"))
                      && ("Bearer " + ProxyHarness.PROXY_TOKEN)
                          .equals(q.headers().get("Authorization")));
    }
    // without credentials they are like any other path: 401, not the proxy's answer
    assertThat(get(anonymous, "/healthz", null).status()).isEqualTo(401);
  }

  @Test
  void metricsCountRequestsByVerbResourceCodeAndDecision() {
    TestClient alice = h.client(h.user("alice"), HttpVersion.HTTP_2);
    get(alice, "/api/v1/namespaces/solar-dev/configmaps", null);
    get(alice, "/api/v1/namespaces/solar-dev/configmaps", headers("Impersonate-User", "bob"));
    get(anonymous, "/apis/apps/v1/deployments", null);

    String metrics = ops("/metrics").body();

    assertThat(metrics)
        .contains(
            "tenant_proxy_requests_total{code=\"200\",decision=\"passed\",resource=\"configmaps\",verb=\"list\"} 1.0")
        .contains(
            "tenant_proxy_requests_total{code=\"403\",decision=\"denied\",resource=\"configmaps\",verb=\"list\"} 1.0")
        .contains(
            "tenant_proxy_requests_total{code=\"401\",decision=\"denied\",resource=\"deployments.apps\",verb=\"list\"} 1.0")
        .contains("tenant_proxy_request_duration_seconds_bucket")
        .contains("tenant_proxy_upstream_requests_total{kind=\"passthrough\"}")
        .contains("tenant_proxy_upstream_requests_total{kind=\"subjectaccessreview\"} 1.0")
        .contains("tenant_proxy_open_watches");
  }
}
