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

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Persistent volumes served by the proxy's serving core: an owner holding a {@code
 * PersistentVolumes} {@code List} grant sees the volumes labelled {@code
 * capsule.clastix.io/tenant=<her tenant>}, in the API server's own Table (plain and wide), with
 * kubectl 1.33 and 1.27 and a fabric8 client; an owner without the grant gets the API server's
 * Forbidden even though her tenant has volumes; an open watch follows the volume's label and the
 * owner's grant.
 */
@ExtendWith(ControlPlaneExtension.class)
class PersistentVolumesThroughProxyIT {

  /**
   * alice owns {@code tenant} and holds a PersistentVolumes List grant: {@code in1} (claimed,
   * Block, a class) and {@code in2} are labelled with it; {@code other} with bob's tenant, {@code
   * loose} with none. carol owns {@code carolTenant}, whose volume {@code carols} exists, without a
   * grant.
   */
  private record Fixture(
      KubeUser alice,
      KubeUser carol,
      String aliceName,
      String tenant,
      String in1,
      String in2,
      String other,
      String loose,
      String carols) {
    List<String> hers() {
      return List.of(in1, in2);
    }
  }

  private static Fixture fixture(ControlPlane cp, ProxyInFront proxy) {
    String aliceName = unique("alice");
    String carolName = unique("carol");
    KubeUser alice = capsuleUser(cp, aliceName);
    KubeUser carol = capsuleUser(cp, carolName);
    String tenant = unique("solar");
    String bobs = unique("wind");
    String carolTenant = unique("lunar");
    tenant(cp, tenant, grantedOwner(aliceName, "PersistentVolumes"));
    tenant(cp, bobs, grantedOwner(unique("bob"), "PersistentVolumes"));
    tenant(cp, carolTenant, grantedOwner(carolName, "StorageClasses"));
    String in1 = unique("pv-a");
    String in2 = unique("pv-b");
    String other = unique("pv-c");
    String loose = unique("pv-d");
    String carols = unique("pv-e");
    volume(cp, in1, tenant, true);
    volume(cp, in2, tenant, false);
    volume(cp, other, bobs, false);
    volume(cp, loose, null, false);
    volume(cp, carols, carolTenant, false);
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              var answer = get(null, proxy, alice, "/api/v1/persistentvolumes", null);
              assertThat(answer.status()).as(answer.body()).isEqualTo(200);
              assertThat(names(answer.body())).containsExactly(in1, in2);
            });
    return new Fixture(alice, carol, aliceName, tenant, in1, in2, other, loose, carols);
  }

  private static void volume(ControlPlane cp, String name, String tenant, boolean claimed) {
    Map<String, String> labels = new HashMap<>();
    if (tenant != null) {
      labels.put(Capsule.TENANT_LABEL, tenant);
    }
    PersistentVolumeBuilder pv =
        new PersistentVolumeBuilder()
            .withNewMetadata()
            .withName(name)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withCapacity(Map.of("storage", new Quantity(claimed ? "1536Mi" : "1Gi")))
            .withAccessModes(
                claimed ? List.of("ReadWriteOnce", "ReadOnlyMany") : List.of("ReadWriteMany"))
            .withNewHostPath()
            .withPath("/tmp/" + name)
            .endHostPath()
            .endSpec();
    if (claimed) {
      pv.editSpec()
          .withStorageClassName("no-such-class")
          .withVolumeMode("Block")
          .withPersistentVolumeReclaimPolicy("Delete")
          .withNewClaimRef()
          .withNamespace("nowhere")
          .withName("claim-" + name)
          .endClaimRef()
          .endSpec();
    }
    cp.adminClient().persistentVolumes().resource(pv.build()).create();
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerWithAListGrantGetsExactlyHerTenantsVolumesInTheApiServersTable(
      String version, ControlPlane cp) {
    // given
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    Kubectl kubectl = ServedNamespaces.kubectl(proxy, f.alice(), version);
    Kubectl admin = Kubectl.version(version, cp.adminKubeconfig());

    // then: her table is the admin's direct table of those volumes, plain and wide (the
    // persistent volume controller may still be moving them to a phase: compare until both agree)
    for (String wide : List.of("", "wide")) {
      await()
          .atMost(BOUND)
          .untilAsserted(
              () -> {
                List<String> args = new ArrayList<>(List.of("get", "pv"));
                if (!wide.isEmpty()) {
                  args.addAll(List.of("-o", "wide"));
                }
                List<List<String>> mine =
                    table(ok(kubectl.run(BOUND, args.toArray(String[]::new))).stdout());
                args.add(2, f.in1());
                args.add(3, f.in2());
                List<List<String>> direct =
                    table(ok(admin.run(BOUND, args.toArray(String[]::new))).stdout());
                assertThat(mine).isEqualTo(direct).hasSize(3);
              });
    }
    List<List<String>> rows = table(ok(kubectl.run(BOUND, "get", "pv")).stdout());
    assertThat(rows.get(0))
        .containsExactly(
            "NAME",
            "CAPACITY",
            "ACCESS MODES",
            "RECLAIM POLICY",
            "STATUS",
            "CLAIM",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "REASON",
            "AGE");
    assertThat(rows.get(1)).startsWith(f.in1(), "1536Mi", "RWO,ROX", "Delete");
    assertThat(rows.get(1)).contains("nowhere/claim-" + f.in1(), "no-such-class");

    // and the Table's column definitions (descriptions included) are the API server's
    String one = "/api/v1/persistentvolumes/" + f.in1();
    assertThat(columnDefinitions(proxy, f.alice(), one))
        .isEqualTo(columnDefinitions(proxy, cp.admin(), one));

    // and field selectors are the API server's: metadata.name narrows, never widens
    assertThat(
            ok(kubectl.run(
                    BOUND,
                    "get",
                    "pv",
                    "--field-selector",
                    "metadata.name=" + f.in2(),
                    "-o",
                    "name"))
                .stdout()
                .strip())
        .isEqualTo("persistentvolume/" + f.in2());
    Kubectl.Result widened =
        ok(kubectl.run(BOUND, "get", "pv", "--field-selector", "metadata.name=" + f.other()));
    assertThat(widened.stdout()).isEmpty();
    Kubectl.Result unknown = kubectl.run(BOUND, "get", "pv", "--field-selector", "status.phase=x");
    Kubectl.Result unknownDirect =
        admin.run(BOUND, "get", "pv", "--field-selector", "status.phase=x");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.stderr()).isEqualTo(unknownDirect.stderr()).contains("not a known field");

    // and label selectors never widen her view
    assertThat(
            ok(kubectl.run(
                    BOUND,
                    "get",
                    "pv",
                    "-l",
                    Capsule.TENANT_LABEL + "!=" + f.tenant(),
                    "-o",
                    "name"))
                .stdout())
        .isEmpty();

    // and pages reveal no count: one volume per page, no remainingItemCount, only hers across pages
    assertPagedExactly(proxy, f.alice(), "/api/v1/persistentvolumes", f.hers());

    // and another tenant's volume and an unlabelled one are NotFound like a missing one
    ClusterKindChecks.hiddenLikeMissing(kubectl, "pv", List.of(f.other(), f.loose(), f.carols()));

    // and an owner without the grant gets exactly the API server's answer, though her tenant has
    // a volume
    ClusterKindChecks.ungrantedGetsTheApiServersAnswer(proxy, f.carol(), version, "pv");

    // and access reviews agree with what is served
    ClusterKindChecks.accessReviewsAgree(kubectl, proxy, f.carol(), version, "persistentvolumes");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void watchFollowsTheVolumesTenantLabelAndTheOwnersGrant(String version, ControlPlane cp) {
    // given alice watching her volumes
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    try (Kubectl.Running w =
        Kubectl.version(version, proxy.kubeconfig(f.alice()))
            .start("get", "pv", "-w", "--output-watch-events")) {
      await()
          .atMost(BOUND)
          .until(() -> events(w).containsAll(List.of("ADDED " + f.in1(), "ADDED " + f.in2())));

      // when the admin labels a volume with her tenant
      cp.adminClient()
          .persistentVolumes()
          .withName(f.loose())
          .edit(
              pv -> {
                pv.getMetadata().getLabels().put(Capsule.TENANT_LABEL, f.tenant());
                return pv;
              });
      // then it appears
      await().atMost(BOUND).until(() -> events(w).contains("ADDED " + f.loose()));

      // when the admin withdraws her PersistentVolumes grant
      cp.capsule().setSpec(f.tenant(), "owners", List.of(grantedOwner(f.aliceName())));
      // then they all disappear, in the same kubectl process
      await()
          .atMost(BOUND)
          .until(
              () ->
                  events(w)
                      .containsAll(
                          List.of(
                              "DELETED " + f.in1(), "DELETED " + f.in2(), "DELETED " + f.loose())));
      assertThat(w.isAlive()).isTrue();
      assertThat(events(w))
          .noneMatch(e -> e.endsWith(" " + f.other()) || e.endsWith(" " + f.carols()));
      assertThat(w.stderr()).isEmpty();
    }
    // and her next list gets the API server's answer
    Kubectl.Result after =
        ServedNamespaces.kubectl(proxy, f.alice(), version).run(BOUND, "get", "pv");
    assertThat(after.exitCode()).as(after.toString()).isEqualTo(1);
    assertThat(after.stderr()).contains("Forbidden");
  }

  @Test
  void aFabric8ClientListsAndGetsExactlyHerVolumes(ControlPlane cp) {
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    try (KubernetesClient client = cp.newClient(proxy.kubeconfig(f.alice()))) {
      assertThat(
              client.persistentVolumes().list().getItems().stream()
                  .map(HasMetadata::getMetadata)
                  .map(m -> m.getName()))
          .containsExactlyElementsOf(f.hers());
      assertThat(client.persistentVolumes().withName(f.in2()).get().getSpec().getAccessModes())
          .containsExactly("ReadWriteMany");
      assertThat(client.persistentVolumes().withName(f.other()).get()).isNull();
    }
    try (KubernetesClient client = cp.newClient(proxy.kubeconfig(f.carol()))) {
      try {
        client.persistentVolumes().list();
        throw new AssertionError("carol's list was answered");
      } catch (KubernetesClientException e) {
        assertThat(e.getCode()).isEqualTo(403);
        assertThat(e.getMessage()).doesNotContain(f.carols());
      }
    }
  }

  @Test
  void protobufTablesAndOldResourceVersionsNeverYieldAnotherTenantsVolume(ControlPlane cp) {
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    ClusterKindChecks.leakAttempts(
        proxy,
        f.alice(),
        "/api/v1/persistentvolumes",
        f.hers(),
        List.of(f.other(), f.loose(), f.carols()),
        () -> {
          for (String n : List.of(f.other(), f.loose(), f.carols(), f.in1())) {
            cp.adminClient().persistentVolumes().withName(n).edit(ClusterKindChecks::touched);
          }
        });
  }
}
