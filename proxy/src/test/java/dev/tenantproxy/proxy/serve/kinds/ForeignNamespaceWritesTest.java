package dev.tenantproxy.proxy.serve.kinds;

import static dev.tenantproxy.proxy.testing.ProxyHarness.call;
import static dev.tenantproxy.proxy.testing.ProxyHarness.headers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.proxy.ops.Readiness;
import dev.tenantproxy.proxy.serve.Fleet;
import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.ProxyHarness.Response;
import dev.tenantproxy.proxy.testing.TestClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForeignNamespaceWritesTest {
  private static final String MERGE = "application/merge-patch+json";
  private static final String LABEL = "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}";

  /** What the API server holds: namespace name -> its tenant label ("" for none). */
  private static final Map<String, String> UPSTREAM =
      Map.of(
          "solar-dev", "solar",
          "wind-dev", "wind",
          "solar-new", "solar",
          "kube-system", "");

  @TempDir static Path dir;
  static ProxyHarness h;
  static TestClient alice;
  static TestClient admin;
  static final Fleet fleet = Fleet.standard();

  @BeforeAll
  static void start() {
    h =
        ProxyHarness.start(
            dir,
            c -> c,
            Readiness.always(),
            List.of(new ForeignNamespaceWritesFilter(fleet, h2Upstream())));
    alice = h.client(h.user("alice"), HttpVersion.HTTP_2);
    admin = h.client(h.user("admin", "system:masters"), HttpVersion.HTTP_1_1);
  }

  /** The harness's upstream, created by start() before any filter runs. */
  private static dev.tenantproxy.proxy.upstream.Upstream h2Upstream() {
    return new dev.tenantproxy.proxy.upstream.Upstream() {
      @Override
      public io.vertx.core.Future<io.vertx.core.http.HttpClientRequest> open(
          HttpMethod method, String uri) {
        return h.upstream.open(method, uri);
      }

      @Override
      public io.vertx.core.Future<dev.tenantproxy.proxy.upstream.UpgradeResponse> upgrade(
          HttpMethod method,
          String uri,
          io.vertx.core.MultiMap headers,
          dev.tenantproxy.filters.identity.Caller caller) {
        return h.upstream.upgrade(method, uri, headers, caller);
      }

      @Override
      public io.vertx.core.Future<JsonObject> postJson(String path, JsonObject body) {
        return h.upstream.postJson(path, body);
      }

      @Override
      public io.vertx.core.Future<Void> close() {
        return io.vertx.core.Future.succeededFuture();
      }
    };
  }

  @BeforeEach
  void apiServer() {
    h.api.requests.clear();
    h.api.handler =
        req -> {
          String name = req.path().substring("/api/v1/namespaces/".length());
          String tenant = UPSTREAM.get(name);
          if (tenant == null) {
            req.response()
                .setStatusCode(404)
                .putHeader("Content-Type", "application/json")
                .end(
                    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":"
                        + "\"NotFound\",\"code\":404}");
            return;
          }
          JsonObject labels =
              tenant.isEmpty()
                  ? new JsonObject()
                  : new JsonObject().put(ForeignNamespaceWritesFilter.TENANT_LABEL, tenant);
          req.response()
              .putHeader("Content-Type", "application/json")
              .end(
                  new JsonObject()
                      .put("kind", "Namespace")
                      .put("metadata", new JsonObject().put("name", name).put("labels", labels))
                      .encode());
        };
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static Response patch(TestClient client, String path) {
    return call(client, HttpMethod.PATCH, path, headers("Content-Type", MERGE), LABEL);
  }

  private static List<String> writesSeenUpstream() {
    return h.api.requests.stream()
        .filter(r -> !r.method().equals("GET"))
        .map(r -> r.method() + " " + r.uri())
        .toList();
  }

  @Test
  void writesToAnotherTenantsNamespaceGetTheSame404AsAMissingOneAndNeverReachTheApiServer() {
    Response foreign = patch(alice, "/api/v1/namespaces/wind-dev");
    Response missing = patch(alice, "/api/v1/namespaces/nope");
    Response dryRun = patch(alice, "/api/v1/namespaces/wind-dev?dryRun=All");
    Response status = patch(alice, "/api/v1/namespaces/wind-dev/status");
    Response put = call(alice, HttpMethod.PUT, "/api/v1/namespaces/wind-dev", null, "{}");
    Response delete = call(alice, HttpMethod.DELETE, "/api/v1/namespaces/wind-dev", null, null);
    Response system = patch(alice, "/api/v1/namespaces/kube-system");

    for (Response r : List.of(foreign, missing, dryRun, status, put, delete, system)) {
      assertThat(r.status()).as(r.body()).isEqualTo(404);
      assertThat(new JsonObject(r.body()).getString("reason")).isEqualTo("NotFound");
    }
    assertThat(foreign.body().replace("wind-dev", "X"))
        .isEqualTo(missing.body().replace("nope", "X"));
    assertThat(writesSeenUpstream()).isEmpty();
  }

  @Test
  void writesToTheCallersOwnNamespacesPassThrough() {
    Response own = patch(alice, "/api/v1/namespaces/solar-dev");

    assertThat(own.status()).isEqualTo(200);
    assertThat(writesSeenUpstream()).containsExactly("PATCH /api/v1/namespaces/solar-dev");
  }

  @Test
  void aNamespaceOfAnOwnedTenantNotYetInTheIndexPassesThrough() {
    // solar-new exists at the API server with solar's label; the index has not seen it yet
    Response fresh = patch(alice, "/api/v1/namespaces/solar-new");

    assertThat(fresh.status()).isEqualTo(200);
    assertThat(writesSeenUpstream()).containsExactly("PATCH /api/v1/namespaces/solar-new");
  }

  @Test
  void aNonCapsuleUsersWritesPassThroughUnchanged() {
    Response r = patch(admin, "/api/v1/namespaces/wind-dev");

    assertThat(r.status()).isEqualTo(200);
    assertThat(writesSeenUpstream()).containsExactly("PATCH /api/v1/namespaces/wind-dev");
  }
}
