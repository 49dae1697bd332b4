package dev.tenantproxy.proxy.ops;

import static dev.tenantproxy.proxy.testing.ProxyHarness.get;
import static dev.tenantproxy.proxy.testing.ProxyHarness.headers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.TestClient;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Path;
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

  @Test
  void healthzAnswersOkWithoutCredentials() {
    assertThat(get(anonymous, "/healthz", null).status()).isEqualTo(200);
    assertThat(get(anonymous, "/livez", null).body()).isEqualTo("ok");
  }

  @Test
  void aFailureOutsideTheObservingLayerIsAnsweredWithAStatusInsteadOfLeavingTheRequestHanging() {
    // the ops endpoints sit outside the layer that maps failures to a Status: before the last
    // resort in ProxyVerticle, this request stayed paused and unanswered for ever
    probeFails.set(true);
    try {
      var r = get(anonymous, "/readyz", null);

      assertThat(r.status()).isEqualTo(500);
      assertThat(r.headers().get("Content-Type")).isEqualTo("application/json");
      assertThat(r.body()).contains("\"reason\":\"InternalError\"").doesNotContain("readiness");
    } finally {
      probeFails.set(false);
    }
    // the connection is still usable
    synced.set(true);
    assertThat(get(anonymous, "/readyz", null).status()).isEqualTo(200);
  }

  @Test
  void readyzIsOkOnlyOnceTheCachesAreSynced() {
    synced.set(false);
    assertThat(get(anonymous, "/readyz", null).status()).isEqualTo(503);

    synced.set(true);
    assertThat(get(anonymous, "/readyz", null).status()).isEqualTo(200);
  }

  @Test
  void metricsCountRequestsByVerbResourceCodeAndDecision() {
    TestClient alice = h.client(h.user("alice"), HttpVersion.HTTP_2);
    get(alice, "/api/v1/namespaces/solar-dev/configmaps", null);
    get(alice, "/api/v1/namespaces/solar-dev/configmaps", headers("Impersonate-User", "bob"));
    get(anonymous, "/apis/apps/v1/deployments", null);

    String metrics = get(anonymous, "/metrics", null).body();

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
