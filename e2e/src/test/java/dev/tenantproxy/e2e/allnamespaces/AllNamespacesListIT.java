package dev.tenantproxy.e2e.allnamespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.Crds;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code kubectl get <kind> -A} by a tenant owner through the proxy: exactly the objects of the
 * owner's namespaces (core kinds, apps, a CRD), merged from per-namespace lists made as the owner;
 * nothing of another tenant through selectors, continue tokens or Table objects; a namespace where
 * the owner's RBAC refuses the kind is left out with a Warning; a non-Capsule user passes through.
 */
@ExtendWith(ControlPlaneExtension.class)
class AllNamespacesListIT {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final ResourceDefinitionContext WIDGETS =
      new ResourceDefinitionContext.Builder()
          .withGroup("example.dev")
          .withVersion("v1")
          .withPlural("widgets")
          .withKind("Widget")
          .withNamespaced(true)
          .build();

  private static ProxyInFront proxy;
  private static KubeUser alice;
  private static String dev;
  private static String prod;
  private static String locked;
  private static String windDev;

  @BeforeAll
  static void fixture(ControlPlane cp) throws IOException {
    proxy = ProxyInFront.startUntilExit(cp, "allns-it");
    String user = unique("alice");
    alice = cp.users().certificate(user, Capsule.CAPSULE_USERS_GROUP);
    String solar = unique("solar");
    String wind = unique("wind");
    dev = solar + "-dev";
    prod = solar + "-prod";
    locked = solar + "-locked";
    windDev = wind + "-dev";
    cp.capsule().createTenant(solar, Owner.user(user));
    cp.capsule().createTenant(wind, Owner.user(unique("bob")));
    for (String ns : List.of(dev, prod, locked)) {
      cp.capsule().createNamespace(solar, ns);
    }
    cp.capsule().createNamespace(wind, windDev);
    var admin = cp.adminClient();
    // a CRD kind, readable by the owner through a ClusterRole bound in each of its namespaces
    admin
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .resource(
            new CustomResourceDefinitionBuilder()
                .withNewMetadata()
                .withName("widgets.example.dev")
                .endMetadata()
                .withNewSpec()
                .withGroup("example.dev")
                .withNewNames()
                .withPlural("widgets")
                .withSingular("widget")
                .withKind("Widget")
                .withListKind("WidgetList")
                .endNames()
                .withScope("Namespaced")
                .addNewVersion()
                .withName("v1")
                .withServed(true)
                .withStorage(true)
                .withNewSchema()
                .withNewOpenAPIV3Schema()
                .withType("object")
                .withXKubernetesPreserveUnknownFields(true)
                .endOpenAPIV3Schema()
                .endSchema()
                .endVersion()
                .endSpec()
                .build())
        .serverSideApply();
    Crds.awaitEstablished(admin, "widgets.example.dev", java.time.Duration.ofSeconds(60));
    admin
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName("allns-it-widgets")
                .endMetadata()
                .withRules(
                    new PolicyRuleBuilder()
                        .withApiGroups("example.dev")
                        .withResources("widgets")
                        .withVerbs("get", "list", "watch")
                        .build())
                .build())
        .serverSideApply();
    for (String ns : List.of(dev, prod, locked, windDev)) {
      admin
          .configMaps()
          .inNamespace(ns)
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("cm-" + ns)
                  .addToLabels("app", ns.equals(prod) ? "shop" : "other")
                  .endMetadata()
                  .addToData("k", "v")
                  .build())
          .create();
      admin
          .rbac()
          .roleBindings()
          .inNamespace(ns)
          .resource(
              new RoleBindingBuilder()
                  .withNewMetadata()
                  .withName("widgets-" + user)
                  .endMetadata()
                  .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "allns-it-widgets")
                  .addNewSubject()
                  .withKind("User")
                  .withApiGroup("rbac.authorization.k8s.io")
                  .withName(user)
                  .endSubject()
                  .build())
          .create();
      admin
          .genericKubernetesResources(WIDGETS)
          .inNamespace(ns)
          .resource(
              new GenericKubernetesResourceBuilder()
                  .withApiVersion("example.dev/v1")
                  .withKind("Widget")
                  .withNewMetadata()
                  .withName("widget-" + ns)
                  .endMetadata()
                  .build())
          .create();
    }
    for (String ns : List.of(dev, windDev)) {
      admin
          .apps()
          .deployments()
          .inNamespace(ns)
          .resource(
              new DeploymentBuilder()
                  .withNewMetadata()
                  .withName("web-" + ns)
                  .endMetadata()
                  .withNewSpec()
                  .withReplicas(1)
                  .withNewSelector()
                  .addToMatchLabels("app", "web")
                  .endSelector()
                  .withNewTemplate()
                  .withNewMetadata()
                  .addToLabels("app", "web")
                  .endMetadata()
                  .withNewSpec()
                  .addNewContainer()
                  .withName("web")
                  .withImage("nginx:1.27")
                  .endContainer()
                  .endSpec()
                  .endTemplate()
                  .endSpec()
                  .build())
          .create();
      admin
          .services()
          .inNamespace(ns)
          .resource(
              new ServiceBuilder()
                  .withNewMetadata()
                  .withName("svc-" + ns)
                  .endMetadata()
                  .withNewSpec()
                  .addNewPort()
                  .withPort(80)
                  .endPort()
                  .endSpec()
                  .build())
          .create();
    }
    // the owner's RBAC refuses everything in `locked` (its admin RoleBindings removed)
    admin
        .rbac()
        .roleBindings()
        .inNamespace(locked)
        .list()
        .getItems()
        .forEach(rb -> admin.rbac().roleBindings().inNamespace(locked).resource(rb).delete());
    // the proxy's own readiness is on its ops port (on the serving port /readyz is the API
    // server's)
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
    await()
        .atMost(BOUND)
        .untilAsserted(
            () ->
                assertThat(namespaces(get("/api/v1/configmaps", null).body())).contains(dev, prod));
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerListsConfigMapsOfHerNamespacesOnlyAsJson(String version) {
    // when
    Kubectl.Result r = ok(kubectl(version).run(BOUND, "get", "configmaps", "-A", "-o", "json"));

    // then: her objects (no Capsule label on them), never wind's, nothing from `locked`
    JsonArray items = new JsonObject(r.stdout()).getJsonArray("items");
    Set<String> names = new HashSet<>();
    Set<String> seenNamespaces = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      JsonObject meta = items.getJsonObject(i).getJsonObject("metadata");
      names.add(meta.getString("name"));
      seenNamespaces.add(meta.getString("namespace"));
    }
    assertThat(names).contains("cm-" + dev, "cm-" + prod).doesNotContain("cm-" + windDev);
    assertThat(seenNamespaces).containsExactlyInAnyOrder(dev, prod);
    assertThat(r.stderr()).contains("Warning").contains(locked);
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerGetsDeploymentsWideTableWithOneHeader(String version) {
    // when
    Kubectl.Result r = ok(kubectl(version).run(BOUND, "get", "deploy", "-A", "-o", "wide"));

    // then
    List<String> lines = r.stdout().strip().lines().toList();
    assertThat(lines.get(0))
        .matches(
            "NAMESPACE\\s+NAME\\s+READY\\s+UP-TO-DATE\\s+AVAILABLE\\s+AGE\\s+CONTAINERS\\s+IMAGES\\s+SELECTOR");
    assertThat(lines.subList(1, lines.size()))
        .singleElement()
        .satisfies(l -> assertThat(l.split("\\s+")).startsWith(dev, "web-" + dev))
        .satisfies(l -> assertThat(l).contains("nginx:1.27", "app=web"));
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerGetsServicesPodsAndACustomKindAcrossHerNamespaces(String version) {
    Kubectl kubectl = kubectl(version);
    assertThat(column(ok(kubectl.run(BOUND, "get", "services", "-A")), 1))
        .containsExactly("svc-" + dev);
    assertThat(column(ok(kubectl.run(BOUND, "get", "widgets", "-A")), 1))
        .containsExactly("widget-" + dev, "widget-" + prod);
    Kubectl.Result pods = ok(kubectl.run(BOUND, "get", "pods", "-A"));
    assertThat(pods.stdout() + pods.stderr()).contains("No resources found");
    // paging through kubectl (--chunk-size=1): the same objects, continue tokens followed
    assertThat(column(ok(kubectl.run(BOUND, "get", "widgets", "-A", "--chunk-size=1")), 1))
        .containsExactly("widget-" + dev, "widget-" + prod);
    // a label selector is applied by the API server in each namespace
    assertThat(
            ok(kubectl.run(BOUND, "get", "configmaps", "-A", "-l", "app=shop", "-o", "name"))
                .stdout()
                .strip())
        .isEqualTo("configmap/cm-" + prod);
  }

  @Test
  void continueTokensAreOpaqueToOtherTenantsAndForgedOnesStayInsideTheView() {
    // when: one widget per page
    List<String> names = new ArrayList<>();
    List<String> tokens = new ArrayList<>();
    String next = "";
    do {
      Answer page =
          get(
              "/apis/example.dev/v1/widgets?limit=1" + (next.isEmpty() ? "" : "&continue=" + next),
              null);
      assertThat(page.status()).as(page.body()).isEqualTo(200);
      JsonObject list = new JsonObject(page.body());
      list.getJsonArray("items")
          .forEach(o -> names.add(((JsonObject) o).getJsonObject("metadata").getString("name")));
      next = list.getJsonObject("metadata").getString("continue", "");
      if (!next.isEmpty()) {
        tokens.add(next);
      }
    } while (!next.isEmpty() && names.size() < 10);

    // then
    assertThat(names).containsExactly("widget-" + dev, "widget-" + prod);
    for (String t : tokens) {
      String decoded = new String(Base64.getUrlDecoder().decode(t), StandardCharsets.UTF_8);
      assertThat(decoded).doesNotContain(windDev);
    }
    // a forged token naming another tenant's namespace resumes inside the caller's view
    String forged =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                new JsonObject()
                    .put("v", 1)
                    .put("rv", "1")
                    .put("ns", windDev)
                    .put("up", "")
                    .encode()
                    .getBytes(StandardCharsets.UTF_8));
    Answer forgedPage = get("/apis/example.dev/v1/widgets?continue=" + forged, null);
    assertThat(forgedPage.body()).doesNotContain(windDev);
    assertThat(get("/apis/example.dev/v1/widgets?continue=bm90LWEtdG9rZW4", null).status())
        .isEqualTo(400);
  }

  @Test
  void tableWithWholeObjectsAndProtobufNeverCarryAnotherTenantsObjects() {
    // Table with includeObject=Object
    Answer table =
        get(
            "/api/v1/configmaps?includeObject=Object",
            "application/json;as=Table;v=v1;g=meta.k8s.io");
    assertThat(table.status()).isEqualTo(200);
    JsonObject t = new JsonObject(table.body());
    assertThat(t.getString("kind")).isEqualTo("Table");
    assertThat(t.getJsonArray("columnDefinitions")).isNotEmpty();
    Set<String> rowNamespaces = new HashSet<>();
    t.getJsonArray("rows")
        .forEach(
            r ->
                rowNamespaces.add(
                    ((JsonObject) r)
                        .getJsonObject("object")
                        .getJsonObject("metadata")
                        .getString("namespace")));
    assertThat(rowNamespaces).containsExactlyInAnyOrder(dev, prod);
    assertThat(table.body()).doesNotContain(windDev);
    // PartialObjectMetadataList
    Answer partial =
        get(
            "/api/v1/configmaps",
            "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io");
    assertThat(new JsonObject(partial.body()).getString("kind"))
        .isEqualTo("PartialObjectMetadataList");
    assertThat(namespaces(partial.body())).containsExactlyInAnyOrder(dev, prod);
    // protobuf only: the proxy cannot merge it, so 406, never another tenant's bytes
    Answer proto = get("/api/v1/configmaps", "application/vnd.kubernetes.protobuf");
    assertThat(proto.status()).isEqualTo(406);
    assertThat(proto.body()).doesNotContain(windDev);
    // the Warning header names the refused namespace of the caller's own, nothing else
    assertThat(get("/api/v1/configmaps", null).warnings())
        .singleElement()
        .satisfies(
            w -> assertThat(w).startsWith("299 - ").contains(locked).doesNotContain(windDev));
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void nonCapsuleUserPassesThroughWithTheSameForbiddenAsDirect(String version, ControlPlane cp) {
    // given
    KubeUser carol = cp.users().certificate(unique("carol"));

    // when
    Kubectl.Result via =
        Kubectl.version(version, proxy.kubeconfig(carol)).run(BOUND, "get", "configmaps", "-A");
    Kubectl.Result direct =
        Kubectl.version(version, carol.kubeconfig()).run(BOUND, "get", "configmaps", "-A");

    // then
    assertThat(via.exitCode()).isNotZero();
    assertThat(via.stderr().strip()).isEqualTo(direct.stderr().strip());
    assertThat(via.stderr()).contains("forbidden").contains("at the cluster scope");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void accessReviewsAtClusterScopeAgreeWithWhatIsServed(String version) {
    Kubectl kubectl = kubectl(version);
    for (String[] q :
        List.of(
            new String[] {"list", "pods"},
            new String[] {"watch", "deployments.apps"},
            new String[] {"list", "widgets.example.dev"},
            new String[] {"list", "configmaps"})) {
      assertThat(kubectl.run(BOUND, "auth", "can-i", q[0], q[1], "-A").stdout().strip())
          .as("%s %s -A", q[0], q[1])
          .isEqualTo("yes");
    }
    // what is not served keeps the API server's answer
    assertThat(kubectl.run(BOUND, "auth", "can-i", "list", "nodes").stdout().strip())
        .isEqualTo("no");
    assertThat(kubectl.run(BOUND, "auth", "can-i", "delete", "pods", "-A").stdout().strip())
        .isEqualTo("no");
    assertThat(kubectl.run(BOUND, "auth", "can-i", "list", "pods", "-n", windDev).stdout().strip())
        .isEqualTo("no");
    // and straight to the API server the same owner is refused at cluster scope, as before
    assertThat(
            Kubectl.version(version, alice.kubeconfig())
                .run(BOUND, "auth", "can-i", "list", "pods", "-A")
                .stdout()
                .strip())
        .isEqualTo("no");
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static Kubectl kubectl(String version) {
    return Kubectl.version(version, proxy.kubeconfig(alice));
  }

  private static Kubectl.Result ok(Kubectl.Result r) {
    assertThat(r.timedOut()).as("%s", r).isFalse();
    assertThat(r.exitCode()).as("%s", r).isZero();
    return r;
  }

  /** The {@code index}th column of a kubectl table's rows (header skipped). */
  private static List<String> column(Kubectl.Result r, int index) {
    List<String> lines = r.stdout().strip().lines().toList();
    return lines.subList(1, lines.size()).stream()
        .map(l -> l.split("\\s+")[index])
        .sorted()
        .toList();
  }

  private static Set<String> namespaces(String list) {
    Set<String> out = new HashSet<>();
    new JsonObject(list)
        .getJsonArray("items")
        .forEach(o -> out.add(((JsonObject) o).getJsonObject("metadata").getString("namespace")));
    return out;
  }

  record Answer(int status, String body, List<String> warnings) {}

  private static Answer get(String uri, String accept) {
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(proxy.url() + uri)).timeout(Duration.ofSeconds(30)).GET();
    if (accept != null) {
      req.header("Accept", accept);
    }
    try {
      HttpResponse<String> r =
          HttpClient.newBuilder()
              .sslContext(JdkTls.forUser(alice, proxy.caPem()))
              .connectTimeout(Duration.ofSeconds(10))
              .build()
              .send(req.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body(), r.headers().allValues("Warning"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
  }
}
