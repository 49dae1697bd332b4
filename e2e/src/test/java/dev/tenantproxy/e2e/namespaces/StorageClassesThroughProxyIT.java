package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.assertPagedExactly;
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
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Storage classes served by the proxy's serving core: an owner holding a {@code StorageClasses}
 * {@code List} grant sees the classes her tenant's {@code spec.storageClasses} allows (by name,
 * regex, labels, default), in the API server's own Table, with kubectl 1.33 and 1.27 and a fabric8
 * client; an owner without the grant gets the API server's Forbidden; an open watch follows class
 * labels and the tenant's allowed list.
 */
@ExtendWith(ControlPlaneExtension.class)
class StorageClassesThroughProxyIT {

  /**
   * alice owns a tenant allowing {@code named} (annotated the cluster default), {@code regexed}
   * ({@code allowedRegex}), {@code labelled} ({@code matchLabels tier=<tier>}) and {@code
   * defaulted} (its {@code default}), and holds a StorageClasses List grant; {@code other} is
   * allowed by bob's tenant, {@code loose} by none. carol's tenant allows {@code named} too, but
   * she holds no grant.
   */
  private record Fixture(
      KubeUser alice,
      KubeUser carol,
      String tenant,
      String tier,
      String named,
      String regexed,
      String labelled,
      String defaulted,
      String other,
      String loose) {
    /** Hers, sorted by name (the API server's list order). */
    List<String> hers() {
      return List.of(named, regexed, labelled, defaulted).stream().sorted().toList();
    }
  }

  private static Fixture fixture(ControlPlane cp, ProxyInFront proxy) {
    String aliceName = unique("alice");
    String carolName = unique("carol");
    KubeUser alice = capsuleUser(cp, aliceName);
    KubeUser carol = capsuleUser(cp, carolName);
    String tier = unique("tier");
    String prefix = unique("re");
    String named = unique("named");
    String regexed = prefix + "-x";
    String labelled = unique("labelled");
    String defaulted = unique("defaulted");
    String other = unique("other");
    String loose = unique("loose");
    String tenant = unique("solar");
    tenant(
        cp,
        tenant,
        grantedOwner(aliceName, "StorageClasses"),
        "storageClasses",
        Map.of(
            "allowed",
            List.of(named),
            "allowedRegex",
            "^" + prefix + "-",
            "matchLabels",
            Map.of("tier", tier),
            "default",
            defaulted));
    tenant(
        cp,
        unique("wind"),
        grantedOwner(unique("bob"), "StorageClasses"),
        "storageClasses",
        Map.of("allowed", List.of(other)));
    tenant(
        cp,
        unique("lunar"),
        grantedOwner(carolName, "Nodes"),
        "storageClasses",
        Map.of("allowed", List.of(named)));
    storageClass(cp, named, Map.of(), true, "Retain", "WaitForFirstConsumer", true);
    storageClass(cp, regexed, Map.of(), false, null, null, null);
    storageClass(cp, labelled, Map.of("tier", tier), false, "Delete", "Immediate", false);
    storageClass(cp, defaulted, Map.of(), false, null, null, null);
    storageClass(cp, other, Map.of(), false, null, null, null);
    storageClass(cp, loose, Map.of(), false, null, null, null);
    Fixture f =
        new Fixture(alice, carol, tenant, tier, named, regexed, labelled, defaulted, other, loose);
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              var answer = get(null, proxy, alice, "/apis/storage.k8s.io/v1/storageclasses", null);
              assertThat(answer.status()).as(answer.body()).isEqualTo(200);
              assertThat(names(answer.body())).containsExactlyInAnyOrderElementsOf(f.hers());
            });
    return f;
  }

  private static void storageClass(
      ControlPlane cp,
      String name,
      Map<String, String> labels,
      boolean isDefault,
      String reclaimPolicy,
      String bindingMode,
      Boolean expansion) {
    cp.adminClient()
        .storage()
        .v1()
        .storageClasses()
        .resource(
            new StorageClassBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .withAnnotations(
                    isDefault
                        ? Map.of("storageclass.kubernetes.io/is-default-class", "true")
                        : Map.of())
                .endMetadata()
                .withProvisioner("example.com/" + name)
                .withReclaimPolicy(reclaimPolicy)
                .withVolumeBindingMode(bindingMode)
                .withAllowVolumeExpansion(expansion)
                .build())
        .create();
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerWithAListGrantGetsExactlyHerTenantsClassesInTheApiServersTable(
      String version, ControlPlane cp) {
    // given
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    Kubectl kubectl = ServedNamespaces.kubectl(proxy, f.alice(), version);
    Kubectl admin = Kubectl.version(version, cp.adminKubeconfig());

    // then: her table is the admin's direct table of those classes
    List<String> args = new ArrayList<>(List.of("get", "storageclasses"));
    List<List<String>> mine = table(ok(kubectl.run(BOUND, args.toArray(String[]::new))).stdout());
    args.addAll(f.hers());
    List<List<String>> direct = table(ok(admin.run(BOUND, args.toArray(String[]::new))).stdout());
    assertThat(mine).isEqualTo(direct).hasSize(5);
    assertThat(mine.get(0))
        .containsExactly(
            "NAME",
            "PROVISIONER",
            "RECLAIMPOLICY",
            "VOLUMEBINDINGMODE",
            "ALLOWVOLUMEEXPANSION",
            "AGE");
    assertThat(mine)
        .contains(
            List.of(
                f.named() + " (default)",
                "example.com/" + f.named(),
                "Retain",
                "WaitForFirstConsumer",
                "true",
                "*"));

    // and the Table's column definitions (descriptions included) are the API server's
    String one = "/apis/storage.k8s.io/v1/storageclasses/" + f.named();
    assertThat(columnDefinitions(proxy, f.alice(), one))
        .isEqualTo(columnDefinitions(proxy, cp.admin(), one));

    // and field selectors are the API server's: metadata.name narrows, never widens
    assertThat(
            ok(kubectl.run(
                    BOUND,
                    "get",
                    "storageclasses",
                    "--field-selector",
                    "metadata.name=" + f.labelled(),
                    "-o",
                    "name"))
                .stdout()
                .strip())
        .isEqualTo("storageclass.storage.k8s.io/" + f.labelled());
    Kubectl.Result widened =
        ok(
            kubectl.run(
                BOUND, "get", "storageclasses", "--field-selector", "metadata.name=" + f.other()));
    assertThat(widened.stdout()).isEmpty();
    assertThat(widened.stderr()).doesNotContain(f.other());
    Kubectl.Result unknown =
        kubectl.run(BOUND, "get", "storageclasses", "--field-selector", "provisioner=x");
    Kubectl.Result unknownDirect =
        admin.run(BOUND, "get", "storageclasses", "--field-selector", "provisioner=x");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.stderr()).isEqualTo(unknownDirect.stderr()).contains("not a known field");

    // and pages reveal no count: one class per page, no remainingItemCount, only hers across pages
    assertPagedExactly(proxy, f.alice(), "/apis/storage.k8s.io/v1/storageclasses", f.hers());
    assertThat(
            ok(kubectl.run(BOUND, "get", "storageclasses", "--chunk-size=1", "-o", "name"))
                .stdout()
                .strip()
                .lines()
                .toList())
        .containsExactlyElementsOf(
            f.hers().stream().map(n -> "storageclass.storage.k8s.io/" + n).toList());

    // and a get of hers works; another tenant's class and an unallowed one are NotFound like a
    // missing one
    assertThat(ok(kubectl.run(BOUND, "get", "sc", f.regexed(), "-o", "name")).stdout().strip())
        .isEqualTo("storageclass.storage.k8s.io/" + f.regexed());
    ClusterKindChecks.hiddenLikeMissing(kubectl, "sc", List.of(f.other(), f.loose()));

    // and an owner without the StorageClasses grant gets exactly the API server's answer
    Kubectl.Result carol =
        ClusterKindChecks.ungrantedGetsTheApiServersAnswer(
            proxy, f.carol(), version, "storageclasses");
    assertThat(carol.stdout()).doesNotContain(f.named());

    // and access reviews agree with what is served
    ClusterKindChecks.accessReviewsAgree(kubectl, proxy, f.carol(), version, "storageclasses");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void watchFollowsClassLabelsAndTheTenantsAllowedList(String version, ControlPlane cp) {
    // given alice watching her classes
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    try (Kubectl.Running w =
        Kubectl.version(version, proxy.kubeconfig(f.alice()))
            .start("get", "storageclasses", "-w", "--output-watch-events")) {
      await()
          .atMost(BOUND)
          .until(() -> events(w).containsAll(f.hers().stream().map(n -> "ADDED " + n).toList()));

      // when the admin labels a class into her tenant's selector
      cp.adminClient()
          .storage()
          .v1()
          .storageClasses()
          .withName(f.loose())
          .edit(
              sc -> {
                sc.getMetadata().getLabels().put("tier", f.tier());
                return sc;
              });
      // then it appears
      await().atMost(BOUND).until(() -> events(w).contains("ADDED " + f.loose()));

      // when the admin changes the tenant's allowed list to bob's class only
      cp.capsule().setSpec(f.tenant(), "storageClasses", Map.of("allowed", List.of(f.other())));
      // then hers disappear and that one appears, in the same kubectl process
      List<String> expected = new ArrayList<>();
      for (String n : f.hers()) {
        expected.add("DELETED " + n);
      }
      expected.add("DELETED " + f.loose());
      expected.add("ADDED " + f.other());
      await().atMost(BOUND).until(() -> events(w).containsAll(expected));
      assertThat(w.isAlive()).isTrue();
      assertThat(w.stderr()).isEmpty();
    }
  }

  @Test
  void aFabric8ClientListsAndGetsExactlyHerClasses(ControlPlane cp) {
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    try (KubernetesClient client = cp.newClient(proxy.kubeconfig(f.alice()))) {
      var list = client.storage().v1().storageClasses().list();
      assertThat(list.getItems().stream().map(HasMetadata::getMetadata).map(m -> m.getName()))
          .containsExactlyInAnyOrderElementsOf(f.hers());
      assertThat(list.getMetadata().getRemainingItemCount()).isNull();
      assertThat(client.storage().v1().storageClasses().withName(f.named()).get().getProvisioner())
          .isEqualTo("example.com/" + f.named());
      assertThat(client.storage().v1().storageClasses().withName(f.other()).get()).isNull();
    }
    // the control: carol's client gets the API server's 403
    try (KubernetesClient client = cp.newClient(proxy.kubeconfig(f.carol()))) {
      try {
        client.storage().v1().storageClasses().list();
        throw new AssertionError("carol's list was answered");
      } catch (KubernetesClientException e) {
        assertThat(e.getCode()).isEqualTo(403);
        assertThat(e.getMessage()).doesNotContain(f.named());
      }
    }
  }

  @Test
  void protobufTablesAndOldResourceVersionsNeverYieldAnotherTenantsClass(ControlPlane cp) {
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    ClusterKindChecks.leakAttempts(
        proxy,
        f.alice(),
        "/apis/storage.k8s.io/v1/storageclasses",
        f.hers(),
        List.of(f.other(), f.loose()),
        () -> {
          for (String n : List.of(f.other(), f.loose(), f.named())) {
            cp.adminClient()
                .storage()
                .v1()
                .storageClasses()
                .withName(n)
                .edit(ClusterKindChecks::touched);
          }
        });
  }
}
