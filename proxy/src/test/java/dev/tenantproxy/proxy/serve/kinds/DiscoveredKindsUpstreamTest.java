package dev.tenantproxy.proxy.serve.kinds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.render.TableColumns;
import dev.tenantproxy.proxy.ops.Readiness;
import dev.tenantproxy.proxy.serve.ServedKind;
import dev.tenantproxy.proxy.serve.allnamespaces.AllNamespaces;
import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.testsupport.TestVertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DiscoveredKinds} against a fake API server: a CRD that appears after the first lookup is
 * found (refresh on a miss), its printer columns read from its CRD, a built-in group's kind gets
 * the default Table, namespaced resources and kinds that cannot be listed are not served.
 */
class DiscoveredKindsUpstreamTest {
  @TempDir Path dir;
  private ProxyHarness harness;
  private DiscoveredKinds discovery;

  /** The resources of each group/version the fake API server discovers. */
  private final Map<String, JsonArray> groups = new ConcurrentHashMap<>();

  private final Map<String, JsonObject> crds = new ConcurrentHashMap<>();

  @BeforeEach
  void start() {
    harness = ProxyHarness.start(dir, c -> c, Readiness.always(), List.of());
    harness.api.handler = this::answer;
    AllNamespaces.Options o = AllNamespaces.Options.defaults();
    discovery =
        new DiscoveredKinds(
            harness.upstream,
            AllNamespaces.filter(
                    () -> null,
                    (c, n) -> () -> {},
                    harness.upstream,
                    new AllNamespaces.Options(
                        o.concurrency(),
                        o.maxHeldBytes(),
                        Duration.ofMinutes(5),
                        Duration.ZERO,
                        o.minWatchTimeout(),
                        o.slowConsumer(),
                        o.maxEventBytes()))
                .discovery());
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  private void answer(HttpServerRequest req) {
    req.response().putHeader("Content-Type", "application/json");
    String p = req.path();
    if (p.startsWith("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/")) {
      JsonObject crd = crds.get(p.substring(p.lastIndexOf('/') + 1));
      if (crd == null) {
        req.response().setStatusCode(404).end("{\"kind\":\"Status\",\"code\":404}");
      } else {
        req.response().end(crd.encode());
      }
      return;
    }
    String gv = p.startsWith("/apis/") ? p.substring(6) : p.substring(5);
    JsonArray resources = groups.get(gv);
    if (resources == null) {
      req.response().setStatusCode(404).end("{\"kind\":\"Status\",\"code\":404}");
      return;
    }
    req.response()
        .end(
            new JsonObject()
                .put("kind", "APIResourceList")
                .put("groupVersion", gv)
                .put("resources", resources)
                .encode());
  }

  private static JsonObject resource(
      String name, String kind, boolean namespaced, String... verbs) {
    return new JsonObject()
        .put("name", name)
        .put("kind", kind)
        .put("namespaced", namespaced)
        .put("verbs", new JsonArray(List.of((Object[]) verbs)));
  }

  private Optional<ServedKind> find(String group, String version, String resource)
      throws Exception {
    return TestVertx.onContext(harness.vertx, () -> discovery.find(group, version, resource))
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @Test
  void aCrdCreatedAfterTheFirstLookupIsFoundWithItsPrinterColumns() throws Exception {
    groups.put("example.com/v1", new JsonArray());
    assertThat(find("example.com", "v1", "widgets")).isEmpty();

    groups.put(
        "example.com/v1",
        new JsonArray()
            .add(resource("widgets", "Widget", false, "get", "list", "watch"))
            .add(resource("widgets/status", "Widget", false, "get")));
    crds.put(
        "widgets.example.com",
        new JsonObject(
            """
            {"spec":{"versions":[{"name":"v1","additionalPrinterColumns":[
              {"name":"Size","type":"integer","jsonPath":".spec.size"}]}]}}
            """));
    ServedKind k = find("example.com", "v1", "widgets").orElseThrow();
    assertThat(k.kind().kind()).isEqualTo("Widget");
    assertThat(k.kind().namespaced()).isFalse();
    assertThat(k.columns().columns())
        .extracting(TableColumns.Column::name)
        .containsExactly("Name", "Size");
    assertThat(k.qualifiedResource()).isEqualTo("widgets.example.com");
  }

  @Test
  void aBuiltInKindGetsTheApiServersDefaultTable() throws Exception {
    groups.put(
        "rbac.authorization.k8s.io/v1",
        new JsonArray()
            .add(resource("clusterroles", "ClusterRole", false, "get", "list", "watch"))
            .add(resource("roles", "Role", true, "get", "list", "watch")));
    ServedKind k = find("rbac.authorization.k8s.io", "v1", "clusterroles").orElseThrow();
    assertThat(k.columns().columns())
        .extracting(TableColumns.Column::name)
        .containsExactly("Name", "Created At");
  }

  @Test
  void namespacedUnknownAndUnlistableResourcesAreNotServed() throws Exception {
    groups.put(
        "v1",
        new JsonArray()
            .add(resource("pods", "Pod", true, "get", "list", "watch"))
            .add(resource("componentstatuses", "ComponentStatus", false, "get", "list")));
    assertThat(find("", "v1", "pods")).isEmpty();
    assertThat(find("", "v1", "componentstatuses")).isEmpty();
    assertThat(find("", "v1", "nosuch")).isEmpty();
    assertThat(find("nosuch.example.com", "v1", "things")).isEmpty();
  }

  @Test
  void namesThatAreNotApiNamesNeverReachTheApiServer() throws Exception {
    groups.put("v1", new JsonArray().add(resource("secrets", "Secret", true, "get", "list")));
    int before = harness.api.requests.size();
    assertThat(find("../api/v1/namespaces/kube-system/secrets?x=", "", "widgets")).isEmpty();
    assertThat(find("example.com", "../../api/v1", "widgets")).isEmpty();
    assertThat(find("example.com", "v1", "widgets/../../x")).isEmpty();
    assertThat(find("Example.com", "v1", "widgets")).isEmpty();
    assertThat(harness.api.requests.subList(before, harness.api.requests.size())).isEmpty();
  }
}
