package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.events;
import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.ok;
import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.ownerWithGrants;
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
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Owner-granted writes of cluster-scoped kinds with real kubectl: an owner holding {@code Update}
 * labels and annotates what she sees and {@code Delete} deletes it (executed by the proxy, the
 * object changes, her open watch sees it); without the grant she gets the API server's own 403, as
 * with the same command run directly; another tenant's object is the same NotFound as a missing
 * one; {@code --dry-run=server} changes nothing.
 */
@ExtendWith(ControlPlaneExtension.class)
class ClusterWritesThroughProxyIT {
  private static final String PATCH = "{\"metadata\":{\"labels\":{\"patched\":\"yes\"}}}";

  private static void storageClass(ControlPlane cp, String name, Map<String, String> labels) {
    ClusterKindFixtures.storageClass(cp, name, labels);
  }

  private static StorageClass storageClass(ControlPlane cp, String name) {
    return cp.adminClient().storage().v1().storageClasses().withName(name).get();
  }

  private static void awaitList(
      ProxyInFront proxy, KubeUser user, String uri, List<String> expected) {
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              var answer = get(null, proxy, user, uri, null);
              assertThat(answer.status()).as(answer.body()).isEqualTo(200);
              assertThat(names(answer.body())).containsExactlyInAnyOrderElementsOf(expected);
            });
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void anOwnerWithUpdateLabelsHerStorageClassesAndHerWatchSeesEveryChange(
      String version, ControlPlane cp) {
    // given alice (StorageClasses List+Update) allowed mine and the classes labelled tier=<tier>,
    // bob's tenant allowing theirs, carol (List only) allowed mine too
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    String aliceName = unique("alice");
    String carolName = unique("carol");
    KubeUser alice = capsuleUser(cp, aliceName);
    KubeUser carol = capsuleUser(cp, carolName);
    String mine = unique("mine");
    String labelled = unique("labelled");
    String theirs = unique("theirs");
    String tier = unique("tier");
    tenant(
        cp,
        unique("solar"),
        ownerWithGrants(aliceName, Map.of("StorageClasses", List.of("List", "Update"))),
        "storageClasses",
        Map.of("allowed", List.of(mine), "matchLabels", Map.of("tier", tier)));
    tenant(
        cp,
        unique("wind"),
        ownerWithGrants(unique("bob"), Map.of("StorageClasses", List.of("List", "Update"))),
        "storageClasses",
        Map.of("allowed", List.of(theirs)));
    tenant(
        cp,
        unique("lunar"),
        ownerWithGrants(carolName, Map.of("StorageClasses", List.of("List"))),
        "storageClasses",
        Map.of("allowed", List.of(mine)));
    storageClass(cp, mine, Map.of());
    storageClass(cp, labelled, Map.of("tier", tier));
    storageClass(cp, theirs, Map.of());
    awaitList(proxy, alice, "/apis/storage.k8s.io/v1/storageclasses", List.of(mine, labelled));
    awaitList(proxy, carol, "/apis/storage.k8s.io/v1/storageclasses", List.of(mine));
    Kubectl kubectl = ServedNamespaces.kubectl(proxy, alice, version);

    // then her access reviews agree with the writes the proxy executes: patch of her class yes;
    // delete (no grant), another's class, and carol's patch (List only) no
    assertThat(canI(kubectl, "patch", "storageclass", mine)).isEqualTo("yes");
    assertThat(canI(kubectl, "update", "storageclass", labelled)).isEqualTo("yes");
    assertThat(canI(kubectl, "delete", "storageclass", mine)).isEqualTo("no");
    assertThat(canI(kubectl, "patch", "storageclass", theirs)).isEqualTo("no");
    assertThat(canI(ServedNamespaces.kubectl(proxy, carol, version), "patch", "storageclass", mine))
        .isEqualTo("no");

    try (Kubectl.Running w =
        kubectl.start("get", "storageclasses", "-w", "--output-watch-events")) {
      await()
          .atMost(BOUND)
          .until(() -> events(w).containsAll(List.of("ADDED " + mine, "ADDED " + labelled)));

      // when she labels her class
      Kubectl.Result labelledMine =
          ok(kubectl.run(BOUND, "label", "storageclass", mine, "foo=bar"));

      // then the class changes, and her open watch sees it
      assertThat(labelledMine.stdout()).contains(mine).contains("labeled");
      assertThat(storageClass(cp, mine).getMetadata().getLabels()).containsEntry("foo", "bar");
      await().atMost(BOUND).until(() -> events(w).contains("MODIFIED " + mine));

      // and a server-side dry run answers like the API server and changes nothing
      Kubectl.Result dry =
          ok(kubectl.run(BOUND, "label", "--dry-run=server", "storageclass", mine, "dry=run"));
      assertThat(dry.stdout()).contains("server dry run");
      assertThat(storageClass(cp, mine).getMetadata().getLabels()).doesNotContainKey("dry");

      // and a write that takes a class out of her view is executed (documented: as capsule-proxy);
      // her watch sees it leave
      ok(kubectl.run(BOUND, "label", "storageclass", labelled, "tier-"));
      assertThat(storageClass(cp, labelled).getMetadata().getLabels()).doesNotContainKey("tier");
      await().atMost(BOUND).until(() -> events(w).contains("DELETED " + labelled));
      assertThat(w.stderr()).isEmpty();
    }

    // and bob's class, with her Update grant, is the same NotFound as a missing one, unchanged
    ClusterKindChecks.hiddenWriteLikeMissing(
        kubectl, "storageclasses", List.of(theirs), "patch", "storageclass", "NAME", "-p", PATCH);
    ClusterKindChecks.hiddenWriteLikeMissing(
        kubectl, "storageclasses", List.of(theirs), "label", "storageclass", "NAME", "x=y");
    assertThat(storageClass(cp, theirs).getMetadata().getLabels()).isNullOrEmpty();

    // and carol, who sees the class but holds no Update grant, gets the API server's own 403
    ClusterKindChecks.ungrantedWriteGetsTheApiServersAnswer(
        cp,
        proxy,
        carol,
        version,
        mine,
        "PATCH",
        "/apis/storage.k8s.io/v1/storageclasses/" + mine,
        "patch",
        "label",
        "storageclass",
        "NAME",
        "carol=was-here");
    assertThat(storageClass(cp, mine).getMetadata().getLabels())
        .doesNotContainKeys("carol", "patched");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void anOwnerWithNodesUpdateAnnotatesHerNodesOnly(String version, ControlPlane cp) {
    // given dave (Nodes Update) and erin (no grant) owning tenants selecting pool=<pool>,
    // another pool's node, and a node
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    String daveName = unique("dave");
    String erinName = unique("erin");
    KubeUser dave = capsuleUser(cp, daveName);
    KubeUser erin = capsuleUser(cp, erinName);
    String pool = unique("pool");
    String otherPool = unique("pool");
    String node = unique("node");
    String foreign = unique("node");
    Map<String, Object> selector = Map.of("pool", pool);
    tenant(
        cp,
        unique("solar"),
        ownerWithGrants(daveName, Map.of("Nodes", List.of("Update"))),
        "nodeSelector",
        selector);
    tenant(cp, unique("lunar"), ownerWithGrants(erinName, Map.of()), "nodeSelector", selector);
    tenant(
        cp,
        unique("wind"),
        ownerWithGrants(unique("bob"), Map.of()),
        "nodeSelector",
        Map.of("pool", otherPool));
    for (String[] n : List.of(new String[] {node, pool}, new String[] {foreign, otherPool})) {
      cp.adminClient()
          .nodes()
          .resource(
              new NodeBuilder()
                  .withNewMetadata()
                  .withName(n[0])
                  .withLabels(Map.of("pool", n[1]))
                  .endMetadata()
                  .build())
          .create();
    }
    awaitList(proxy, dave, "/api/v1/nodes", List.of(node));
    awaitList(proxy, erin, "/api/v1/nodes", List.of(node));
    Kubectl kubectl = ServedNamespaces.kubectl(proxy, dave, version);

    // when dave annotates his node, then it is annotated
    ok(kubectl.run(BOUND, "annotate", "node", node, "owner-note=dave"));
    assertThat(cp.adminClient().nodes().withName(node).get().getMetadata().getAnnotations())
        .containsEntry("owner-note", "dave");

    // and the other pool's node is the same NotFound as a missing one
    ClusterKindChecks.hiddenWriteLikeMissing(
        kubectl, "nodes", List.of(foreign), "patch", "node", "NAME", "-p", PATCH);
    ClusterKindChecks.hiddenWriteLikeMissing(
        kubectl, "nodes", List.of(foreign), "annotate", "node", "NAME", "x=y");

    // and what he holds no grant for (Delete) is the API server's own answer
    ClusterKindChecks.ungrantedWriteGetsTheApiServersAnswer(
        cp,
        proxy,
        dave,
        version,
        node,
        "DELETE",
        "/api/v1/nodes/" + node,
        "delete",
        "delete",
        "node",
        "NAME",
        "--wait=false");

    // and erin, who sees the node but holds no grant, gets the API server's own 403
    ClusterKindChecks.ungrantedWriteGetsTheApiServersAnswer(
        cp,
        proxy,
        erin,
        version,
        node,
        "PATCH",
        "/api/v1/nodes/" + node,
        "patch",
        "annotate",
        "node",
        "NAME",
        "owner-note=erin",
        "--overwrite");
    assertThat(cp.adminClient().nodes().withName(node).get().getMetadata().getAnnotations())
        .containsEntry("owner-note", "dave");
    assertThat(cp.adminClient().nodes().withName(node).get()).isNotNull();
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void anOwnerWithPersistentVolumesDeleteDeletesHerVolumeOnly(String version, ControlPlane cp) {
    // given frank (PersistentVolumes List+Delete) and gina (List only), each with a volume
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    String frankName = unique("frank");
    String ginaName = unique("gina");
    KubeUser frank = capsuleUser(cp, frankName);
    KubeUser gina = capsuleUser(cp, ginaName);
    String frankTenant = unique("solar");
    String ginaTenant = unique("wind");
    tenant(
        cp,
        frankTenant,
        ownerWithGrants(frankName, Map.of("PersistentVolumes", List.of("List", "Delete"))));
    tenant(cp, ginaTenant, ownerWithGrants(ginaName, Map.of("PersistentVolumes", List.of("List"))));
    String his = unique("pv");
    String hers = unique("pv");
    persistentVolume(cp, his, frankTenant);
    persistentVolume(cp, hers, ginaTenant);
    awaitList(proxy, frank, "/api/v1/persistentvolumes", List.of(his));
    awaitList(proxy, gina, "/api/v1/persistentvolumes", List.of(hers));
    Kubectl kubectl = ServedNamespaces.kubectl(proxy, frank, version);

    // then the access reviews agree with the writes: frank may delete his volume, not patch it,
    // not delete gina's; gina (no Delete grant) may not delete hers
    assertThat(canI(kubectl, "delete", "pv", his)).isEqualTo("yes");
    assertThat(canI(kubectl, "patch", "pv", his)).isEqualTo("no");
    assertThat(canI(kubectl, "delete", "pv", hers)).isEqualTo("no");
    assertThat(canI(ServedNamespaces.kubectl(proxy, gina, version), "delete", "pv", hers))
        .isEqualTo("no");

    // then gina's volume is the same NotFound for frank as a missing one, and stays
    ClusterKindChecks.hiddenWriteLikeMissing(
        kubectl, "persistentvolumes", List.of(hers), "delete", "pv", "NAME", "--wait=false");
    // and gina, without the Delete grant, gets the API server's own 403
    ClusterKindChecks.ungrantedWriteGetsTheApiServersAnswer(
        cp,
        proxy,
        gina,
        version,
        hers,
        "DELETE",
        "/api/v1/persistentvolumes/" + hers,
        "delete",
        "delete",
        "pv",
        "NAME",
        "--wait=false");
    // and frank's label (no Update grant) is the API server's own 403 too
    ClusterKindChecks.ungrantedWriteGetsTheApiServersAnswer(
        cp,
        proxy,
        frank,
        version,
        his,
        "PATCH",
        "/api/v1/persistentvolumes/" + his,
        "patch",
        "label",
        "pv",
        "NAME",
        "x=y");
    assertThat(volume(cp, hers).getMetadata().getDeletionTimestamp()).isNull();

    // when frank deletes his volume, then it goes
    Kubectl.Result deleted = ok(kubectl.run(BOUND, "delete", "pv", his, "--wait=false"));
    assertThat(deleted.stdout()).contains(his).contains("deleted");
    await()
        .atMost(BOUND)
        .until(
            () -> {
              PersistentVolume v = volume(cp, his);
              return v == null || v.getMetadata().getDeletionTimestamp() != null;
            });
    assertThat(volume(cp, hers).getMetadata().getDeletionTimestamp()).isNull();
  }

  /** {@code kubectl auth can-i VERB KIND/NAME}'s answer ("yes" exits 0, "no" exits 1). */
  private static String canI(Kubectl kubectl, String verb, String kind, String name) {
    Kubectl.Result r = kubectl.run(BOUND, "auth", "can-i", verb, kind + "/" + name);
    String answer = r.stdout().strip();
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(answer.equals("yes") ? 0 : 1);
    return answer;
  }

  private static PersistentVolume volume(ControlPlane cp, String name) {
    return cp.adminClient().persistentVolumes().withName(name).get();
  }

  private static void persistentVolume(ControlPlane cp, String name, String tenant) {
    cp.adminClient()
        .persistentVolumes()
        .resource(
            new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(Map.of(Capsule.TENANT_LABEL, tenant))
                .endMetadata()
                .withNewSpec()
                .withCapacity(Map.of("storage", new Quantity("1Gi")))
                .withAccessModes("ReadWriteOnce")
                .withNewHostPath()
                .withPath("/tmp/" + name)
                .endHostPath()
                .endSpec()
                .build())
        .create();
  }
}
