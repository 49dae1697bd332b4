package dev.tenantproxy.proxy.serve.kinds;

import static dev.tenantproxy.proxy.testing.ProxyHarness.call;
import static dev.tenantproxy.proxy.testing.ProxyHarness.headers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.ClassKind;
import dev.tenantproxy.filters.tenancy.ClassPolicy;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import dev.tenantproxy.proxy.ops.Readiness;
import dev.tenantproxy.proxy.serve.ServedKinds;
import dev.tenantproxy.proxy.testing.FakeApiServer;
import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.ProxyHarness.Response;
import dev.tenantproxy.proxy.testing.TestClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Owner-granted writes through the real onion (authentication, the filter, the pass-through) in
 * front of a fake API server: executed as the proxy, 404 for what the caller does not see, the
 * caller's own request when it holds no grant, a sane 403 when the API server refuses the proxy.
 */
class ClusterWritesFilterTest {
  private static final String SC = "/apis/storage.k8s.io/v1/storageclasses/";
  private static final String MERGE = "application/merge-patch+json";
  private static final String LABEL = "{\"metadata\":{\"labels\":{\"foo\":\"bar\"}}}";

  /** What the API server holds: storage class -> labels. */
  private static final Map<String, Map<String, String>> CLASSES =
      Map.of("gold", Map.of(), "silver", Map.of(), "shared", Map.of("tier", "solar"));

  @TempDir static Path dir;
  static ProxyHarness h;
  static TestClient alice; // StorageClasses [List, Update, Delete] in solar (allowed: gold)
  static TestClient carol; // StorageClasses [List] in lunar (allowed: gold)
  static TestClient admin;
  static volatile TenancySnapshot snapshot;
  static final Map<String, String> bodies = new ConcurrentHashMap<>();
  static final AtomicInteger writeStatus = new AtomicInteger(200);

  @BeforeAll
  static void start() {
    snapshot =
        TenancySnapshot.empty()
            .with(
                new CapsuleConfigurationInfo(
                    "default",
                    "1",
                    List.of(Principal.user("alice"), Principal.user("carol")),
                    List.of()))
            .with(tenant("solar", "alice", List.of("List", "Update", "Delete"), "gold"))
            .with(tenant("wind", "bob", List.of("List", "Update"), "silver"))
            .with(tenant("lunar", "carol", List.of("List"), "gold"));
    h =
        ProxyHarness.start(
            dir,
            c -> c,
            Readiness.always(),
            List.of(
                new ClusterWritesFilter(
                    ServedKinds.DEFAULT_KINDS, () -> snapshot, delegatingUpstream())));
    alice = h.client(h.user("alice"), HttpVersion.HTTP_2);
    carol = h.client(h.user("carol"), HttpVersion.HTTP_1_1);
    admin = h.client(h.user("admin", "system:masters"), HttpVersion.HTTP_1_1);
  }

  private static TenantInfo tenant(
      String name, String owner, List<String> operations, String allowed) {
    Principal p = Principal.user(owner);
    return new TenantInfo(
        name,
        "uid-" + name,
        "1",
        "Active",
        List.of(new Owner(p, List.of("admin"))),
        List.of(),
        List.of(
            new TenantInfo.SpecOwner(
                p, List.of(new TenantInfo.OwnerProxySetting("StorageClasses", operations)))),
        Map.of(),
        Map.of(ClassKind.STORAGE_CLASSES, ClassPolicy.of(List.of(allowed), null, null, null)));
  }

  /** The harness's upstream (created by start() before any request runs). */
  private static dev.tenantproxy.proxy.upstream.Upstream delegatingUpstream() {
    return new dev.tenantproxy.proxy.upstream.Upstream() {
      @Override
      public Future<HttpClientRequest> open(HttpMethod method, String uri) {
        return h.upstream.open(method, uri);
      }

      @Override
      public Future<dev.tenantproxy.proxy.upstream.UpgradeResponse> upgrade(
          HttpMethod method,
          String uri,
          MultiMap headers,
          dev.tenantproxy.filters.identity.Caller caller) {
        return h.upstream.upgrade(method, uri, headers, caller);
      }

      @Override
      public Future<JsonObject> postJson(String path, JsonObject body) {
        return h.upstream.postJson(path, body);
      }

      @Override
      public Future<Void> close() {
        return Future.succeededFuture();
      }
    };
  }

  @BeforeEach
  void apiServer() {
    h.api.requests.clear();
    bodies.clear();
    writeStatus.set(200);
    h.api.handler =
        req -> {
          String name = req.path().length() > SC.length() ? req.path().substring(SC.length()) : "";
          Map<String, String> labels = CLASSES.get(name.replace("/status", ""));
          if (labels == null) {
            req.response()
                .setStatusCode(404)
                .putHeader("Content-Type", "application/json")
                .end(
                    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":"
                        + "\"NotFound\",\"code\":404}");
            return;
          }
          req.body()
              .onSuccess(
                  b -> {
                    bodies.put(req.method() + " " + req.uri(), b.toString());
                    int code = req.method() == HttpMethod.GET ? 200 : writeStatus.get();
                    String body =
                        code == 403
                            ? "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                                + "\"message\":\"storageclasses.storage.k8s.io \\\"gold\\\" is"
                                + " forbidden: User"
                                + " \\\"system:serviceaccount:tp:tenant-proxy\\\" cannot patch"
                                + " ...\",\"reason\":\"Forbidden\",\"code\":403}"
                            : new JsonObject()
                                .put("kind", "StorageClass")
                                .put("apiVersion", "storage.k8s.io/v1")
                                .put(
                                    "metadata",
                                    new JsonObject()
                                        .put("name", name)
                                        .put("labels", new JsonObject(Map.copyOf(labels))))
                                .put("provisioner", "example.com/x")
                                .encode();
                    req.response()
                        .setStatusCode(code)
                        .putHeader("Content-Type", "application/json")
                        .putHeader("Warning", "299 - \"from the API server\"")
                        .end(body);
                  });
        };
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static Response patch(TestClient client, String uri) {
    return call(client, HttpMethod.PATCH, uri, headers("Content-Type", MERGE), LABEL);
  }

  private static List<FakeApiServer.Recorded> writesSeenUpstream() {
    return h.api.requests.stream().filter(r -> !r.method().equals("GET")).toList();
  }

  @Test
  void aGrantedWriteOfAVisibleObjectIsExecutedAsTheProxyWithBodyQueryAndContentTypeUntouched() {
    Response r = patch(alice, SC + "gold?dryRun=All&fieldManager=kubectl-label");

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getJsonObject("metadata").getString("name"))
        .isEqualTo("gold");
    assertThat(r.headers().get("Warning")).isEqualTo("299 - \"from the API server\"");
    List<FakeApiServer.Recorded> writes = writesSeenUpstream();
    assertThat(writes).hasSize(1);
    FakeApiServer.Recorded w = writes.get(0);
    assertThat(w.method()).isEqualTo("PATCH");
    assertThat(w.uri()).isEqualTo(SC + "gold?dryRun=All&fieldManager=kubectl-label");
    assertThat(w.headers().get("Content-Type")).isEqualTo(MERGE);
    // the proxy's identity: no impersonation, its own credentials
    assertThat(w.headers().names()).noneMatch(n -> n.toLowerCase().startsWith("impersonate-"));
    assertThat(w.headers().get("Authorization")).isEqualTo("Bearer " + ProxyHarness.PROXY_TOKEN);
    assertThat(bodies.get("PATCH " + SC + "gold?dryRun=All&fieldManager=kubectl-label"))
        .isEqualTo(LABEL);
  }

  @Test
  void everyPatchTypePutAndDeleteAreExecutedTheSameWay() {
    for (String type :
        List.of(
            "application/json-patch+json",
            "application/strategic-merge-patch+json",
            "application/apply-patch+yaml")) {
      Response r = call(alice, HttpMethod.PATCH, SC + "gold", headers("Content-Type", type), "[]");
      assertThat(r.status()).as(type + " " + r.body()).isEqualTo(200);
    }
    Response put =
        call(alice, HttpMethod.PUT, SC + "gold", headers("Content-Type", "application/json"), "{}");
    Response delete = call(alice, HttpMethod.DELETE, SC + "gold", null, null);

    assertThat(put.status()).isEqualTo(200);
    assertThat(delete.status()).isEqualTo(200);
    assertThat(writesSeenUpstream())
        .hasSize(5)
        .allSatisfy(
            w ->
                assertThat(w.headers().names())
                    .noneMatch(n -> n.toLowerCase().startsWith("impersonate-")));
    assertThat(writesSeenUpstream().get(0).headers().get("Content-Type"))
        .isEqualTo("application/json-patch+json");
  }

  @Test
  void anotherTenantsObjectWithTheGrantIsTheSame404AsAMissingOneAndNeverWritten() {
    Response foreign = patch(alice, SC + "silver");
    Response missing = patch(alice, SC + "nope");
    Response delete = call(alice, HttpMethod.DELETE, SC + "silver", null, null);

    for (Response r : List.of(foreign, missing, delete)) {
      assertThat(r.status()).as(r.body()).isEqualTo(404);
      assertThat(new JsonObject(r.body()).getString("reason")).isEqualTo("NotFound");
    }
    assertThat(foreign.body().replace("silver", "X"))
        .isEqualTo(missing.body().replace("nope", "X"));
    assertThat(new JsonObject(missing.body()).getString("message"))
        .isEqualTo("storageclasses.storage.k8s.io \"nope\" not found");
    assertThat(writesSeenUpstream()).isEmpty();
  }

  @Test
  void withoutTheGrantTheWriteGoesToTheApiServerAsTheCaller() {
    Response r = patch(carol, SC + "gold");

    assertThat(r.status()).isEqualTo(200); // the fake answers; the real API server would 403
    assertThat(writesSeenUpstream())
        .singleElement()
        .satisfies(w -> assertThat(w.headers().get("Impersonate-User")).isEqualTo("carol"));
    // no upstream read was needed to decide: carol holds no Update grant at all
    assertThat(h.api.requests).hasSize(1);
  }

  @Test
  void subresourcesCollectionsAndNonCapsuleUsersGoToTheApiServerAsTheCaller() {
    call(alice, HttpMethod.PATCH, SC + "gold/status", headers("Content-Type", MERGE), LABEL);
    call(alice, HttpMethod.DELETE, "/apis/storage.k8s.io/v1/storageclasses", null, null);
    call(admin, HttpMethod.PATCH, SC + "silver", headers("Content-Type", MERGE), LABEL);

    assertThat(writesSeenUpstream())
        .hasSize(3)
        .allSatisfy(w -> assertThat(w.headers().get("Impersonate-User")).isNotNull());
  }

  @Test
  void whenTheApiServerRefusesTheProxyTheCallerGetsA403InItsOwnNameNeverTheProxysAccount() {
    writeStatus.set(403);

    Response r = patch(alice, SC + "gold");

    assertThat(r.status()).isEqualTo(403);
    JsonObject status = new JsonObject(r.body());
    assertThat(status.getString("reason")).isEqualTo("Forbidden");
    assertThat(status.getString("message"))
        .startsWith(
            "storageclasses.storage.k8s.io \"gold\" is forbidden: User \"alice\" cannot patch"
                + " resource \"storageclasses\" in API group \"storage.k8s.io\" at the cluster"
                + " scope")
        .doesNotContain("serviceaccount");
  }
}
