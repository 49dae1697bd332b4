package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.columnDefinitions;
import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.events;
import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.grantedOwner;
import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.ok;
import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.table;
import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.tenant;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.BOUND;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.capsuleUser;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.get;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.names;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ingress, priority and runtime classes served by the proxy's serving core, each under its own
 * tenant policy ({@code spec.ingressOptions.allowedClasses}, {@code spec.priorityClasses}, {@code
 * spec.runtimeClasses}) and its own List grant: the API server's own Table with kubectl 1.33 and
 * 1.27, column definitions straight vs served, 404 parity, the API server's 403 for an owner
 * without the grant, access reviews agreeing, a fabric8 list, and an open watch following the
 * tenant's allowed list. (Storage classes: {@code StorageClassesThroughProxyIT}.)
 */
@ExtendWith(ControlPlaneExtension.class)
class ClassesThroughProxyIT {

  /** One class kind: its API, its tenant policy field, its grant, and a valid object body. */
  enum ClassKindUnderTest {
    INGRESS("networking.k8s.io", "IngressClass", "ingressclasses", "IngressClasses", null),
    PRIORITY(
        "scheduling.k8s.io",
        "PriorityClass",
        "priorityclasses",
        "PriorityClasses",
        "priorityClasses"),
    RUNTIME("node.k8s.io", "RuntimeClass", "runtimeclasses", "RuntimeClasses", "runtimeClasses");

    final String group;
    final String kind;
    final String plural;
    final String grant;
    final String specField;

    ClassKindUnderTest(String group, String kind, String plural, String grant, String specField) {
      this.group = group;
      this.kind = kind;
      this.plural = plural;
      this.grant = grant;
      this.specField = specField;
    }

    String path() {
      return "/apis/" + group + "/v1/" + plural;
    }

    ResourceDefinitionContext context() {
      return new ResourceDefinitionContext.Builder()
          .withGroup(group)
          .withVersion("v1")
          .withKind(kind)
          .withPlural(plural)
          .withNamespaced(false)
          .build();
    }

    /** The tenant spec field and value allowing {@code policy}. */
    Object[] specField(Map<String, Object> policy) {
      return this == INGRESS
          ? new Object[] {"ingressOptions", Map.of("allowedClasses", policy)}
          : new Object[] {specField, policy};
    }

    void setPolicy(ControlPlane cp, String tenant, Map<String, Object> policy) {
      Object[] f = specField(policy);
      cp.capsule().setSpec(tenant, (String) f[0], f[1]);
    }

    GenericKubernetesResource object(String name, Map<String, String> labels) {
      Map<String, Object> fields =
          switch (this) {
            case INGRESS -> Map.of("spec", Map.of("controller", "example.com/" + name));
            case PRIORITY ->
                Map.of("value", Math.abs(name.hashCode() % 100000), "description", name);
            case RUNTIME -> Map.of("handler", "h" + Math.abs(name.hashCode() % 1000));
          };
      return new GenericKubernetesResourceBuilder()
          .withApiVersion(group + "/v1")
          .withKind(kind)
          .withNewMetadata()
          .withName(name)
          .withLabels(labels)
          .endMetadata()
          .withAdditionalProperties(fields)
          .build();
    }
  }

  static Stream<Arguments> kindsAndKubectls() {
    List<Arguments> out = new ArrayList<>();
    for (ClassKindUnderTest k : ClassKindUnderTest.values()) {
      for (String v : List.of("1.33", "1.27")) {
        out.add(Arguments.of(k, v));
      }
    }
    return out.stream();
  }

  /**
   * alice owns {@code tenant}, allowing {@code named} and {@code regexed} (and {@code labelled}, by
   * labels) of the kind, and holds its List grant; {@code other} is bob's, {@code loose} no one's.
   * carol's tenant allows {@code named} too, without a grant.
   */
  private record Fixture(
      KubeUser alice,
      KubeUser carol,
      String tenant,
      String named,
      String regexed,
      String labelled,
      String other,
      String loose) {
    List<String> hers() {
      return Stream.of(named, regexed, labelled).sorted().toList();
    }
  }

  private static Fixture fixture(ControlPlane cp, ProxyInFront proxy, ClassKindUnderTest k) {
    String aliceName = unique("alice");
    String carolName = unique("carol");
    KubeUser alice = capsuleUser(cp, aliceName);
    KubeUser carol = capsuleUser(cp, carolName);
    String tier = unique("tier");
    String prefix = unique("re");
    String named = unique("named");
    String regexed = prefix + "-x";
    String labelled = unique("labelled");
    String other = unique("other");
    String loose = unique("loose");
    String tenant = unique("solar");
    tenant(
        cp,
        tenant,
        grantedOwner(aliceName, k.grant),
        k.specField(
            Map.of(
                "allowed",
                List.of(named),
                "allowedRegex",
                "^" + prefix + "-",
                "matchLabels",
                Map.of("tier", tier))));
    tenant(
        cp,
        unique("wind"),
        grantedOwner(unique("bob"), k.grant),
        k.specField(Map.of("allowed", List.of(other))));
    tenant(
        cp,
        unique("lunar"),
        grantedOwner(carolName, "Nodes"),
        k.specField(Map.of("allowed", List.of(named))));
    for (String n : List.of(named, regexed, other, loose)) {
      cp.adminClient().resource(k.object(n, Map.of())).create();
    }
    cp.adminClient().resource(k.object(labelled, Map.of("tier", tier))).create();
    Fixture f = new Fixture(alice, carol, tenant, named, regexed, labelled, other, loose);
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              var answer = get(null, proxy, alice, k.path(), null);
              assertThat(answer.status()).as(answer.body()).isEqualTo(200);
              assertThat(names(answer.body())).containsExactlyElementsOf(f.hers());
            });
    return f;
  }

  @ParameterizedTest(name = "{0}, kubectl {1}")
  @MethodSource("kindsAndKubectls")
  void ownerWithTheKindsListGrantGetsExactlyHerTenantsClassesInTheApiServersTable(
      ClassKindUnderTest k, String version, ControlPlane cp) {
    // given
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy, k);
    Kubectl kubectl = ServedNamespaces.kubectl(proxy, f.alice(), version);
    Kubectl admin = Kubectl.version(version, cp.adminKubeconfig());

    // then: her table is the admin's direct table of those classes
    List<String> args = new ArrayList<>(List.of("get", k.plural));
    List<List<String>> mine = table(ok(kubectl.run(BOUND, args.toArray(String[]::new))).stdout());
    args.addAll(f.hers());
    List<List<String>> direct = table(ok(admin.run(BOUND, args.toArray(String[]::new))).stdout());
    assertThat(mine).isEqualTo(direct).hasSize(4);

    // and the Table's column definitions (descriptions included) are the API server's
    String one = k.path() + "/" + f.named();
    assertThat(columnDefinitions(proxy, f.alice(), one))
        .isEqualTo(columnDefinitions(proxy, cp.admin(), one));

    // and metadata.name narrows, never widens
    assertThat(
            ok(kubectl.run(
                    BOUND,
                    "get",
                    k.plural,
                    "--field-selector",
                    "metadata.name=" + f.other(),
                    "-o",
                    "name"))
                .stdout())
        .isEmpty();

    // and another tenant's class and an unallowed one are NotFound like a missing one
    ClusterKindChecks.hiddenLikeMissing(kubectl, k.plural, List.of(f.other(), f.loose()));

    // and an owner without the grant gets exactly the API server's answer
    ClusterKindChecks.ungrantedGetsTheApiServersAnswer(proxy, f.carol(), version, k.plural);

    // and access reviews agree with what is served
    ClusterKindChecks.accessReviewsAgree(kubectl, proxy, f.carol(), version, k.plural);

    // and a fabric8 client lists exactly hers; carol's gets the 403
    try (KubernetesClient client = cp.newClient(proxy.kubeconfig(f.alice()))) {
      assertThat(
              client.genericKubernetesResources(k.context()).list().getItems().stream()
                  .map(HasMetadata::getMetadata)
                  .map(m -> m.getName()))
          .containsExactlyElementsOf(f.hers());
    }
    try (KubernetesClient client = cp.newClient(proxy.kubeconfig(f.carol()))) {
      try {
        client.genericKubernetesResources(k.context()).list();
        throw new AssertionError("carol's list was answered");
      } catch (KubernetesClientException e) {
        assertThat(e.getCode()).isEqualTo(403);
      }
    }
  }

  @ParameterizedTest(name = "{0}, kubectl 1.33")
  @ValueSource(strings = {"INGRESS", "PRIORITY", "RUNTIME"})
  void watchFollowsTheTenantsAllowedList(ClassKindUnderTest k, ControlPlane cp) {
    // given alice watching her classes
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy, k);
    try (Kubectl.Running w =
        Kubectl.version("1.33", proxy.kubeconfig(f.alice()))
            .start("get", k.plural, "-w", "--output-watch-events")) {
      await()
          .atMost(BOUND)
          .until(() -> events(w).containsAll(f.hers().stream().map(n -> "ADDED " + n).toList()));

      // when the admin changes the tenant's allowed list to bob's class only
      k.setPolicy(cp, f.tenant(), Map.of("allowed", List.of(f.other())));

      // then hers disappear and that one appears, in the same kubectl process
      List<String> expected = new ArrayList<>();
      for (String n : f.hers()) {
        expected.add("DELETED " + n);
      }
      expected.add("ADDED " + f.other());
      await().atMost(BOUND).until(() -> events(w).containsAll(expected));
      assertThat(events(w)).noneMatch(e -> e.endsWith(" " + f.loose()));
      assertThat(w.isAlive()).isTrue();
      assertThat(w.stderr()).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ClassKindUnderTest.class)
  void protobufTablesAndOldResourceVersionsNeverYieldAnotherTenantsClass(
      ClassKindUnderTest k, ControlPlane cp) {
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy, k);
    ClusterKindChecks.leakAttempts(
        proxy,
        f.alice(),
        k.path(),
        f.hers(),
        List.of(f.other(), f.loose()),
        () -> {
          for (String n : List.of(f.other(), f.loose(), f.named())) {
            cp.adminClient()
                .genericKubernetesResources(k.context())
                .withName(n)
                .edit(ClusterKindChecks::touched);
          }
        });
  }
}
