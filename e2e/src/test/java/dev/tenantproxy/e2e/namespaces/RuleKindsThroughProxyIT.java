package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.columnDefinitions;
import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.events;
import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.ok;
import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.table;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.BOUND;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.capsuleUser;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.get;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.names;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.Crds;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cluster-scoped kinds no descriptor names, served because a {@code clusterResources} rule of a
 * GlobalProxySettings or a ProxySetting names them: a CRD created after the proxy started (its
 * printer columns), a built-in kind (cluster roles, the API server's default Table), a {@code
 * [Get]}-only rule, live label and rule changes in an open watch, access reviews agreeing, with
 * kubectl 1.33 and 1.27 and a fabric8 client.
 */
@ExtendWith(ControlPlaneExtension.class)
class RuleKindsThroughProxyIT {

  /** A cluster-scoped CRD created now (after the shared proxy started) with printer columns. */
  private record Widgets(String group, ResourceDefinitionContext context) {
    String resource() {
      return "widgets." + group;
    }

    String path() {
      return "/apis/" + group + "/v1/widgets";
    }

    GenericKubernetesResource widget(String name, String color) {
      return new GenericKubernetesResourceBuilder()
          .withApiVersion(group + "/v1")
          .withKind("Widget")
          .withNewMetadata()
          .withName(name)
          .addToLabels("color", color)
          .endMetadata()
          .withAdditionalProperties(Map.of("spec", Map.of("size", name.length())))
          .build();
    }
  }

  private static Widgets widgets(ControlPlane cp) {
    String group = unique("w") + ".example.com";
    CustomResourceDefinition crd =
        new CustomResourceDefinitionBuilder()
            .withNewMetadata()
            .withName("widgets." + group)
            .endMetadata()
            .withNewSpec()
            .withGroup(group)
            .withScope("Cluster")
            .withNewNames()
            .withPlural("widgets")
            .withSingular("widget")
            .withKind("Widget")
            .endNames()
            .addNewVersion()
            .withName("v1")
            .withServed(true)
            .withStorage(true)
            .addNewAdditionalPrinterColumn()
            .withName("Size")
            .withType("integer")
            .withJsonPath(".spec.size")
            .endAdditionalPrinterColumn()
            .addNewAdditionalPrinterColumn()
            .withName("Color")
            .withType("string")
            .withJsonPath(".metadata.labels.color")
            .endAdditionalPrinterColumn()
            .addNewAdditionalPrinterColumn()
            .withName("Age")
            .withType("date")
            .withJsonPath(".metadata.creationTimestamp")
            .endAdditionalPrinterColumn()
            .withNewSchema()
            .withNewOpenAPIV3Schema()
            .withType("object")
            .withXKubernetesPreserveUnknownFields(true)
            .endOpenAPIV3Schema()
            .endSchema()
            .endVersion()
            .endSpec()
            .build();
    var crds = cp.adminClient().apiextensions().v1().customResourceDefinitions();
    crds.resource(crd).create();
    Crds.awaitEstablished(cp.adminClient(), "widgets." + group, BOUND);
    return new Widgets(
        group,
        new ResourceDefinitionContext.Builder()
            .withGroup(group)
            .withVersion("v1")
            .withKind("Widget")
            .withPlural("widgets")
            .withNamespaced(false)
            .build());
  }

  private static Map<String, Object> clusterResource(
      String group, String resource, List<String> operations, Map<String, String> labels) {
    return Map.of(
        "apiGroups",
        List.of(group),
        "resources",
        List.of(resource),
        "operations",
        operations,
        "selector",
        Map.of("matchLabels", labels));
  }

  private static GenericKubernetesResource globalRule(
      String name, String user, Map<String, Object> clusterResource) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(Capsule.GROUP + "/v1beta1")
        .withKind("GlobalProxySettings")
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withAdditionalProperties(
            Map.of(
                "spec",
                Map.of(
                    "rules",
                    List.of(
                        Map.of(
                            "subjects",
                            List.of(Map.of("kind", "User", "name", user)),
                            "clusterResources",
                            List.of(clusterResource))))))
        .build();
  }

  private static void awaitServed(
      ProxyInFront proxy, KubeUser user, String path, List<String> expected) {
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              var answer = get(null, proxy, user, path, null);
              assertThat(answer.status()).as(answer.body()).isEqualTo(200);
              assertThat(names(answer.body())).containsExactlyElementsOf(expected);
            });
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void aGlobalProxySettingsRuleServesACrdCreatedAfterTheProxyStarted(
      String version, ControlPlane cp) {
    // given a running proxy, then a CRD created after it, three widgets and a rule for alice
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Widgets w = widgets(cp);
    KubeUser alice = capsuleUser(cp, unique("alice"));
    KubeUser carol = capsuleUser(cp, unique("carol"));
    var admin = cp.adminClient();
    List<String> blue = List.of(unique("blue-a"), unique("blue-b")).stream().sorted().toList();
    String red = unique("red");
    for (String n : blue) {
      admin.genericKubernetesResources(w.context()).resource(w.widget(n, "blue")).create();
    }
    admin.genericKubernetesResources(w.context()).resource(w.widget(red, "red")).create();
    admin
        .genericKubernetesResources(Capsule.GLOBAL_PROXY_SETTINGS)
        .resource(
            globalRule(
                unique("g"),
                alice.name(),
                clusterResource(w.group(), "widgets", List.of("List"), Map.of("color", "blue"))))
        .create();
    awaitServed(proxy, alice, w.path(), blue);
    Kubectl kubectl = ServedNamespaces.kubectl(proxy, alice, version);
    Kubectl direct = Kubectl.version(version, cp.adminKubeconfig());

    // then her table is the admin's direct table of those widgets (the CRD's printer columns)
    List<List<String>> mine = table(ok(kubectl.run(BOUND, "get", w.resource())).stdout());
    List<String> args = new ArrayList<>(List.of("get", w.resource()));
    args.addAll(blue);
    List<List<String>> theirs = table(ok(direct.run(BOUND, args.toArray(String[]::new))).stdout());
    assertThat(mine).isEqualTo(theirs).hasSize(3);
    assertThat(mine.get(0)).containsExactly("NAME", "SIZE", "COLOR", "AGE");
    String one = w.path() + "/" + blue.get(0);
    assertThat(columnDefinitions(proxy, alice, one))
        .isEqualTo(columnDefinitions(proxy, cp.admin(), one));

    // and a get works; the red one is NotFound like a missing one
    assertThat(ok(kubectl.run(BOUND, "get", w.resource(), blue.get(1), "-o", "name")).stdout())
        .contains(blue.get(1));
    ClusterKindChecks.hiddenLikeMissing(kubectl, w.resource(), List.of(red));

    // and a caller no rule names gets the API server's answer; access reviews agree
    ClusterKindChecks.ungrantedGetsTheApiServersAnswer(proxy, carol, version, w.resource());
    ClusterKindChecks.accessReviewsAgree(kubectl, proxy, carol, version, w.resource());

    // and a fabric8 client lists exactly the blue ones
    try (KubernetesClient client = cp.newClient(proxy.kubeconfig(alice))) {
      assertThat(
              client.genericKubernetesResources(w.context()).list().getItems().stream()
                  .map(HasMetadata::getMetadata)
                  .map(m -> m.getName()))
          .containsExactlyElementsOf(blue);
    }
  }

  @Test
  void anOpenWatchFollowsLabelsAndTheRuleItself(ControlPlane cp) {
    // given alice watching the widgets her rule selects
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Widgets w = widgets(cp);
    KubeUser alice = capsuleUser(cp, unique("alice"));
    var admin = cp.adminClient();
    String blue = unique("blue");
    String red = unique("red");
    admin.genericKubernetesResources(w.context()).resource(w.widget(blue, "blue")).create();
    admin.genericKubernetesResources(w.context()).resource(w.widget(red, "red")).create();
    String green = unique("green");
    admin.genericKubernetesResources(w.context()).resource(w.widget(green, "green")).create();
    String gps = unique("g");
    admin
        .genericKubernetesResources(Capsule.GLOBAL_PROXY_SETTINGS)
        .resource(
            globalRule(
                gps,
                alice.name(),
                clusterResource(w.group(), "widgets", List.of("List"), Map.of("color", "blue"))))
        .create();
    awaitServed(proxy, alice, w.path(), List.of(blue));
    try (Kubectl.Running watch =
        Kubectl.version("1.33", proxy.kubeconfig(alice))
            .start("get", w.resource(), "-w", "--output-watch-events")) {
      await().atMost(BOUND).until(() -> events(watch).contains("ADDED " + blue));
      assertThat(events(watch)).doesNotContain("ADDED " + red, "ADDED " + green);

      // when the red widget is relabelled blue: it arrives
      long t0 = System.nanoTime();
      admin
          .genericKubernetesResources(w.context())
          .withName(red)
          .edit(
              o ->
                  new GenericKubernetesResourceBuilder(o)
                      .editMetadata()
                      .addToLabels("color", "blue")
                      .endMetadata()
                      .build());
      await().atMost(BOUND).until(() -> events(watch).contains("ADDED " + red));
      long labelMillis = (System.nanoTime() - t0) / 1_000_000;

      // when a second rule gives her the green ones: the green widget arrives
      t0 = System.nanoTime();
      admin
          .genericKubernetesResources(Capsule.GLOBAL_PROXY_SETTINGS)
          .resource(
              globalRule(
                  unique("g"),
                  alice.name(),
                  clusterResource(w.group(), "widgets", List.of("List"), Map.of("color", "green"))))
          .create();
      await().atMost(BOUND).until(() -> events(watch).contains("ADDED " + green));
      long addedMillis = (System.nanoTime() - t0) / 1_000_000;

      // when the first rule is deleted: the blue ones leave her watch, the green one stays
      t0 = System.nanoTime();
      admin.genericKubernetesResources(Capsule.GLOBAL_PROXY_SETTINGS).withName(gps).delete();
      await()
          .atMost(BOUND)
          .until(() -> events(watch).containsAll(List.of("DELETED " + blue, "DELETED " + red)));
      long ruleMillis = (System.nanoTime() - t0) / 1_000_000;
      assertThat(events(watch)).doesNotContain("DELETED " + green);
      System.out.printf(
          "RuleKindsThroughProxyIT: label change seen after %d ms, rule added after %d ms, rule"
              + " deleted after %d ms%n",
          labelMillis, addedMillis, ruleMillis);
      assertThat(watch.isAlive()).isTrue();
      assertThat(watch.stderr()).isEmpty();
    }
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void aProxySettingRuleServesClusterRolesInTheApiServersDefaultTable(
      String version, ControlPlane cp) {
    // given alice's tenant, a ProxySetting in its namespace giving her clusterroles labelled
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    String aliceName = unique("alice");
    KubeUser alice = capsuleUser(cp, aliceName);
    KubeUser carol = capsuleUser(cp, unique("carol"));
    String tenant = unique("solar");
    String ns = unique("solar-ns");
    ServedNamespaces.tenant(cp, tenant, Owner.user(aliceName), ns);
    String team = unique("team");
    List<String> hers = List.of(unique("cr-a"), unique("cr-b")).stream().sorted().toList();
    String other = unique("cr-other");
    var admin = cp.adminClient();
    for (String n : hers) {
      admin
          .rbac()
          .clusterRoles()
          .resource(
              new ClusterRoleBuilder()
                  .withNewMetadata()
                  .withName(n)
                  .addToLabels("team", team)
                  .endMetadata()
                  .build())
          .create();
    }
    admin
        .rbac()
        .clusterRoles()
        .resource(new ClusterRoleBuilder().withNewMetadata().withName(other).endMetadata().build())
        .create();
    admin
        .genericKubernetesResources(Capsule.PROXY_SETTINGS)
        .inNamespace(ns)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion(Capsule.GROUP + "/v1beta1")
                .withKind("ProxySetting")
                .withNewMetadata()
                .withName("roles")
                .withNamespace(ns)
                .endMetadata()
                .withAdditionalProperties(
                    Map.of(
                        "spec",
                        Map.of(
                            "subjects",
                            List.of(
                                Map.of(
                                    "kind",
                                    "User",
                                    "name",
                                    aliceName,
                                    "clusterResources",
                                    List.of(
                                        clusterResource(
                                            "rbac.authorization.k8s.io",
                                            "clusterroles",
                                            List.of("List"),
                                            Map.of("team", team))))))))
                .build())
        .create();
    String path = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
    awaitServed(proxy, alice, path, hers);
    Kubectl kubectl = ServedNamespaces.kubectl(proxy, alice, version);
    Kubectl direct = Kubectl.version(version, cp.adminKubeconfig());

    // then her table is the admin's (NAME, CREATED AT) restricted to her rows
    List<List<String>> mine = table(ok(kubectl.run(BOUND, "get", "clusterroles")).stdout());
    List<String> args = new ArrayList<>(List.of("get", "clusterroles"));
    args.addAll(hers);
    assertThat(mine)
        .isEqualTo(table(ok(direct.run(BOUND, args.toArray(String[]::new))).stdout()))
        .hasSize(3);
    assertThat(mine.get(0)).containsExactly("NAME", "CREATED AT");
    String one = path + "/" + hers.get(0);
    assertThat(columnDefinitions(proxy, alice, one))
        .isEqualTo(columnDefinitions(proxy, cp.admin(), one));
    ClusterKindChecks.hiddenLikeMissing(kubectl, "clusterroles", List.of(other, "admin"));
    ClusterKindChecks.ungrantedGetsTheApiServersAnswer(proxy, carol, version, "clusterroles");
    ClusterKindChecks.accessReviewsAgree(kubectl, proxy, carol, version, "clusterroles");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void aGetOnlyRuleGetsByNameAndLeavesListsAndWatchesToTheApiServer(
      String version, ControlPlane cp) {
    // given bob, whose only rule gives blue widgets with operations [Get]
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Widgets w = widgets(cp);
    KubeUser bob = capsuleUser(cp, unique("bob"));
    var admin = cp.adminClient();
    String blue = unique("blue");
    String red = unique("red");
    admin.genericKubernetesResources(w.context()).resource(w.widget(blue, "blue")).create();
    admin.genericKubernetesResources(w.context()).resource(w.widget(red, "red")).create();
    admin
        .genericKubernetesResources(Capsule.GLOBAL_PROXY_SETTINGS)
        .resource(
            globalRule(
                unique("g"),
                bob.name(),
                clusterResource(w.group(), "widgets", List.of("Get"), Map.of("color", "blue"))))
        .create();
    await()
        .atMost(BOUND)
        .untilAsserted(
            () ->
                assertThat(get(null, proxy, bob, w.path() + "/" + blue, null).status())
                    .isEqualTo(200));
    Kubectl kubectl = ServedNamespaces.kubectl(proxy, bob, version);
    Kubectl asBob = Kubectl.version(version, bob.kubeconfig());

    // then a get by name prints the admin's row; the red one is NotFound like a missing one
    assertThat(table(ok(kubectl.run(BOUND, "get", w.resource(), blue)).stdout()))
        .isEqualTo(
            table(
                ok(Kubectl.version(version, cp.adminKubeconfig())
                        .run(BOUND, "get", w.resource(), blue))
                    .stdout()));
    ClusterKindChecks.hiddenLikeMissing(kubectl, w.resource(), List.of(red));

    // and a list and a watch are the API server's own answer to bob (403)
    Kubectl.Result list = kubectl.run(BOUND, "get", w.resource());
    assertThat(list.exitCode()).isEqualTo(1);
    assertThat(list.stderr())
        .contains("Forbidden")
        .isEqualTo(asBob.run(BOUND, "get", w.resource()).stderr());
    var watch = get(null, proxy, bob, w.path() + "?watch=1", null);
    assertThat(watch.status()).isEqualTo(403);

    // and access reviews agree: get yes, list no
    assertThat(
            kubectl.run(BOUND, "auth", "can-i", "get", w.resource() + "/" + blue).stdout().strip())
        .isEqualTo("yes");
    assertThat(kubectl.run(BOUND, "auth", "can-i", "list", w.resource()).stdout().strip())
        .isEqualTo("no");
  }
}
