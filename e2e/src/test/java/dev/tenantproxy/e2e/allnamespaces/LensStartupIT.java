package dev.tenantproxy.e2e.allnamespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The start-up requests of Lens / Freelens, replayed as a tenant owner through the proxy (and
 * straight to the API server for comparison), and what then works: the {@code isAdmin} and {@code
 * isGlobalWatchEnabled} SelfSubjectAccessReviews, the namespace list, one SelfSubjectRulesReview
 * per listed namespace evaluated with Lens's own rule ("some namespace's rules allow {@code list}
 * of the group and resource"), then the cluster-scope list and watch Lens opens for a namespaced
 * kind when every namespace is selected. The decision is in the serve package's DESIGN note.
 */
@ExtendWith(ControlPlaneExtension.class)
class LensStartupIT {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final String SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
  private static final String SSRR = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";

  /** Kinds Lens knows from discovery: group, resource, cluster-scope list path. */
  private record Kind(String group, String resource, String path) {}

  private static final List<Kind> KINDS =
      List.of(
          new Kind("", "pods", "/api/v1/pods"),
          new Kind("", "configmaps", "/api/v1/configmaps"),
          new Kind("apps", "deployments", "/apis/apps/v1/deployments"),
          new Kind("", "namespaces", "/api/v1/namespaces"),
          new Kind("", "nodes", "/api/v1/nodes"),
          new Kind("", "persistentvolumes", "/api/v1/persistentvolumes"),
          new Kind("storage.k8s.io", "storageclasses", "/apis/storage.k8s.io/v1/storageclasses"),
          new Kind(
              "rbac.authorization.k8s.io",
              "clusterroles",
              "/apis/rbac.authorization.k8s.io/v1/clusterroles"));

  private static ControlPlane cp;
  private static ProxyInFront proxy;
  private static KubeUser alice;
  private static String dev;
  private static String prod;
  private static String windDev;
  private static String node;

  @BeforeAll
  static void fixture(ControlPlane controlPlane) throws IOException {
    cp = controlPlane;
    proxy = ProxyInFront.startInTempDir(cp, "lens-it", true);
    String user = unique("alice");
    alice = cp.users().certificate(user, Capsule.CAPSULE_USERS_GROUP);
    String solar = unique("solar");
    String wind = unique("wind");
    dev = solar + "-dev";
    prod = solar + "-prod";
    windDev = wind + "-dev";
    String pool = unique("pool");
    cp.capsule().createTenant(solar, Owner.user(user));
    cp.capsule().createTenant(wind, Owner.user(unique("bob")));
    cp.capsule().createNamespace(solar, dev);
    cp.capsule().createNamespace(solar, prod);
    cp.capsule().createNamespace(wind, windDev);
    // the owner's tenant has a node pool: nodes are served to it; storage classes and persistent
    // volumes are not (no grant)
    cp.capsule().setNodeSelector(solar, Map.of("pool", pool));
    node = unique("node");
    cp.adminClient()
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(node)
                .withLabels(Map.of("pool", pool))
                .endMetadata()
                .build())
        .create();
    for (String ns : List.of(dev, prod, windDev)) {
      configMap(ns, "cm-" + ns);
    }
    await()
        .atMost(BOUND)
        .ignoreExceptions()
        .until(
            () ->
                HttpClient.newHttpClient()
                        .send(
                            HttpRequest.newBuilder(URI.create(proxy.opsUrl() + "/readyz")).build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200);
    // the index has the tenant's node selector
    await().atMost(BOUND).until(() -> get(via(), "/api/v1/nodes").status() == 200);
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (cp != null && node != null) {
      cp.adminClient().nodes().withName(node).delete();
    }
  }

  @Test
  void lensAccessReviewsAtConnectAgreeWithWhatWorksThroughTheProxy() {
    // given: Lens's two reviews at connect, exactly as it sends them (no group: the core group)
    JsonObject isAdmin =
        new JsonObject().put("namespace", "kube-system").put("resource", "*").put("verb", "create");
    JsonObject isGlobalWatchEnabled = new JsonObject().put("verb", "watch").put("resource", "*");

    // then: not an admin, either way
    assertThat(allowed(via(), isAdmin)).isFalse();
    assertThat(allowed(direct(), isAdmin)).isFalse();
    // the API server refuses the owner a cluster-scope watch; through the proxy it works, so yes
    assertThat(allowed(direct(), isGlobalWatchEnabled)).isFalse();
    JsonObject answer = review(via(), SSAR, spec("resourceAttributes", isGlobalWatchEnabled));
    assertThat(answer.getJsonObject("status").getBoolean("allowed")).as("%s", answer).isTrue();
    assertThat(answer.getJsonObject("status").getString("reason"))
        .contains("other cluster-scoped kinds are answered by the API server");
    // and kubectl agrees at cluster scope, both versions (without -A it asks in its namespace)
    for (String version : List.of("1.33", "1.27")) {
      assertThat(
              Kubectl.version(version, proxy.kubeconfig(alice))
                  .run(BOUND, "auth", "can-i", "watch", "*", "-A")
                  .stdout()
                  .strip())
          .as("kubectl %s auth can-i watch '*' -A", version)
          .isEqualTo("yes");
    }
  }

  @Test
  void theKindsLensShowsFromItsRulesReviewsAreExactlyTheKindsWhoseClusterScopeListWorks() {
    // given: Lens lists namespaces, then asks one rules review per namespace listed
    Answer namespaces = get(via(), "/api/v1/namespaces");
    assertThat(namespaces.status()).isEqualTo(200);
    Set<String> listed = new TreeSet<>();
    new JsonObject(namespaces.body())
        .getJsonArray("items")
        .forEach(o -> listed.add(((JsonObject) o).getJsonObject("metadata").getString("name")));
    assertThat(listed).containsExactlyInAnyOrder(dev, prod);
    List<JsonArray> rules = new ArrayList<>();
    for (String ns : listed) {
      JsonObject ssrr = review(via(), SSRR, spec("namespace", ns));
      assertThat(ssrr.getJsonObject("status").getBoolean("incomplete", false))
          .as("%s", ssrr)
          .isFalse();
      rules.add(ssrr.getJsonObject("status").getJsonArray("resourceRules"));
    }

    // when: Lens's rule decides which kinds it shows, and each kind's cluster-scope list is made
    Set<String> shown = new TreeSet<>();
    Set<String> working = new TreeSet<>();
    for (Kind kind : KINDS) {
      if (rules.stream().anyMatch(r -> lensCanList(r, kind))) {
        shown.add(kind.resource());
      }
      int status = get(via(), kind.path()).status();
      assertThat(status).as("%s", kind).isIn(200, 403);
      if (status == 200) {
        working.add(kind.resource());
      }
    }

    // then: the same kinds, namespaced kinds of its RoleBindings and the served cluster kinds
    assertThat(shown).isEqualTo(working);
    assertThat(shown)
        .containsExactlyInAnyOrder("pods", "configmaps", "deployments", "namespaces", "nodes");
  }

  @Test
  void withGlobalWatchOnLensListsAndWatchesANamespacedKindAtClusterScopeAndSeesOnlyItsTenant()
      throws Exception {
    // given: every namespace selected, Lens lists configmaps once at cluster scope
    Answer list = get(via(), "/api/v1/configmaps");
    assertThat(list.status()).isEqualTo(200);
    JsonObject body = new JsonObject(list.body());
    Set<String> names = new TreeSet<>();
    body.getJsonArray("items")
        .forEach(o -> names.add(((JsonObject) o).getJsonObject("metadata").getString("name")));
    assertThat(names).contains("cm-" + dev, "cm-" + prod).doesNotContain("cm-" + windDev);
    // kubectl -A lists the same objects
    Kubectl.Result all =
        Kubectl.version("1.33", proxy.kubeconfig(alice))
            .run(BOUND, "get", "configmaps", "-A", "-o", "name");
    assertThat(all.exitCode()).as("%s", all).isZero();
    assertThat(
            all.stdout()
                .lines()
                .map(l -> l.substring(l.indexOf('/') + 1))
                .filter(n -> n.startsWith("cm-"))
                .sorted()
                .toList())
        .containsExactly("cm-" + dev, "cm-" + prod);
    String rv = body.getJsonObject("metadata").getString("resourceVersion");

    // when: it watches from there at cluster scope (isGlobalWatchEnabled), and objects are added
    Queue<String> lines = new ConcurrentLinkedQueue<>();
    HttpRequest watch =
        HttpRequest.newBuilder(
                URI.create(
                    proxy.url()
                        + "/api/v1/configmaps?watch=1&resourceVersion="
                        + rv
                        + "&timeoutSeconds=600"))
            .GET()
            .build();
    CompletableFuture<HttpResponse<Stream<String>>> response =
        client(via()).sendAsync(watch, HttpResponse.BodyHandlers.ofLines());
    HttpResponse<Stream<String>> open = response.get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(open.statusCode()).isEqualTo(200);
    Thread reader = new Thread(() -> open.body().forEach(lines::add), "lens-it-watch-reader");
    reader.setDaemon(true);
    reader.start();
    try {
      configMap(windDev, "late-" + windDev);
      configMap(prod, "late-" + prod);

      // then: the owner's new object arrives; the other tenant's never does
      await()
          .atMost(BOUND)
          .until(() -> lines.stream().anyMatch(l -> l.contains("\"late-" + prod + "\"")));
      assertThat(lines).noneMatch(l -> l.contains(windDev));
      assertThat(
              lines.stream()
                  .filter(l -> l.contains("\"late-" + prod + "\""))
                  .map(l -> new JsonObject(l).getString("type")))
          .containsExactly("ADDED");
    } finally {
      open.body().close();
    }
  }

  // ---- Lens's rule --------------------------------------------------------------------------

  /**
   * Lens / Freelens ({@code create-request-namespace-list-permissions}): a rule without apiGroups
   * or resources counts as {@code *}; the verbs must hold {@code *} or {@code list}.
   */
  private static boolean lensCanList(JsonArray rules, Kind kind) {
    for (Object o : rules) {
      JsonObject rule = (JsonObject) o;
      JsonArray groups = rule.getJsonArray("apiGroups", new JsonArray().add("*"));
      JsonArray resources = rule.getJsonArray("resources", new JsonArray().add("*"));
      JsonArray verbs = rule.getJsonArray("verbs", new JsonArray());
      if ((groups.contains("*") || groups.contains(kind.group()))
          && (resources.contains("*") || resources.contains(kind.resource()))
          && (verbs.contains("*") || verbs.contains("list"))) {
        return true;
      }
    }
    return false;
  }

  // ---- helpers ------------------------------------------------------------------------------

  private record Target(String url, SSLContext tls) {}

  private static Target via() {
    return new Target(proxy.url(), JdkTls.forUser(alice, proxy.caPem()));
  }

  private static Target direct() {
    return new Target(cp.apiServerUrl(), JdkTls.forUser(alice, cp.caPem()));
  }

  private static JsonObject spec(String key, Object value) {
    return new JsonObject().put(key, value);
  }

  private static boolean allowed(Target target, JsonObject resourceAttributes) {
    JsonObject answer = review(target, SSAR, spec("resourceAttributes", resourceAttributes));
    return answer.getJsonObject("status").getBoolean("allowed", false);
  }

  private static JsonObject review(Target target, String path, JsonObject spec) {
    String kind = path.equals(SSAR) ? "SelfSubjectAccessReview" : "SelfSubjectRulesReview";
    JsonObject body =
        new JsonObject()
            .put("apiVersion", "authorization.k8s.io/v1")
            .put("kind", kind)
            .put("spec", spec);
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(target.url() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
            .build();
    HttpResponse<String> r = send(target, req);
    assertThat(r.statusCode()).as("%s %s: %s", path, body, r.body()).isEqualTo(201);
    return new JsonObject(r.body());
  }

  private record Answer(int status, String body) {}

  private static Answer get(Target target, String path) {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(target.url() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Accept", "application/json")
            .GET()
            .build();
    HttpResponse<String> r = send(target, req);
    return new Answer(r.statusCode(), r.body());
  }

  private static HttpClient client(Target target) {
    return HttpClient.newBuilder()
        .sslContext(target.tls())
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  private static HttpResponse<String> send(Target target, HttpRequest req) {
    try {
      return client(target).send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void configMap(String namespace, String name) {
    cp.adminClient()
        .configMaps()
        .inNamespace(namespace)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .addToData("k", "v")
                .build())
        .create();
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
  }
}
