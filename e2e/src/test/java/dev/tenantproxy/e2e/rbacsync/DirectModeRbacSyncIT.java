package dev.tenantproxy.e2e.rbacsync;

import static dev.tenantproxy.e2e.rbacsync.DirectMode.assertDeletedCleanly;
import static dev.tenantproxy.e2e.rbacsync.DirectMode.canListByName;
import static dev.tenantproxy.e2e.rbacsync.DirectMode.capsuleUser;
import static dev.tenantproxy.e2e.rbacsync.DirectMode.refusedAfter;
import static dev.tenantproxy.e2e.rbacsync.DirectMode.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.proxy.rbacsync.RbacSyncProcess;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Direct mode: with rbac-sync running (in this JVM, the same {@link RbacSyncProcess} the {@code
 * rbac-sync} command runs, as a ServiceAccount with exactly the RBAC README lists), owners talk
 * with real kubectl STRAIGHT to the API server (no proxy) and the seed ends cleanly; what they do
 * not own stays forbidden; a namespace moved away and an owner removed are refused within 1 s.
 * Compare {@code OwnerWithoutProxyIT} (no rbac-sync: the seed hangs until its timeout).
 */
@ExtendWith(ControlPlaneExtension.class)
class DirectModeRbacSyncIT {
  private static final Duration KUBECTL_BOUND = Duration.ofSeconds(150);
  private static final Duration SYNC_BOUND = Duration.ofSeconds(60);

  private static RbacSyncProcess sync;

  @BeforeAll
  static void startRbacSync(ControlPlane cp) {
    // rbac-sync runs as a ServiceAccount with exactly the RBAC README documents
    KubeUser identity = DirectMode.leastPrivilegedRbacSync(cp);
    sync =
        RbacSyncProcess.start(
            identity.kubeconfig(), null, DirectMode.options(unique("rbac-sync"), "in-process"));
    await().atMost(SYNC_BOUND).until(() -> sync.sync().isLeader());
  }

  @AfterAll
  static void stopRbacSync() {
    // stop before other test classes of this JVM run: the baseline must still see the failure
    if (sync != null) {
      sync.close();
    }
  }

  private static Kubectl kubectl(KubeUser user, String version) {
    return Kubectl.version(version, user.kubeconfig());
  }

  private static void awaitAllowed(ControlPlane cp, KubeUser user, String namespace) {
    try (KubernetesClient c = cp.users().client(user)) {
      await().atMost(SYNC_BOUND).until(() -> canListByName(c, namespace));
    }
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerUserDeletesHerNamespaceStraightAtTheApiServerAndKubectlReturnsCleanly(
      String version, ControlPlane cp) {
    // given
    String user = unique("alice");
    KubeUser alice = capsuleUser(cp, user);
    String solar = unique("solar");
    cp.capsule().createTenant(solar, Owner.user(user));
    cp.capsule().createNamespace(solar, solar + "-dev");
    cp.capsule().createNamespace(solar, solar + "-prod");
    awaitAllowed(cp, alice, solar + "-dev");

    // when
    Kubectl.Result result =
        kubectl(alice, version).run(KUBECTL_BOUND, "delete", "namespace", solar + "-dev");

    // then
    assertDeletedCleanly(cp, result, solar + "-dev");
    assertThat(cp.adminClient().namespaces().withName(solar + "-prod").get()).isNotNull();
    // the unfiltered list still needs the proxy
    Kubectl.Result list = kubectl(alice, version).run(KUBECTL_BOUND, "get", "namespaces");
    assertThat(list.exitCode()).as("%s", list).isEqualTo(1);
    assertThat(list.stderr()).as("%s", list).contains("Forbidden");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void groupMemberDeletesHisTenantsNamespaceStraightAtTheApiServer(
      String version, ControlPlane cp) {
    // given
    String group = unique("wind-devs");
    KubeUser bob = capsuleUser(cp, unique("bob"), group);
    String wind = unique("wind");
    cp.capsule().createTenant(wind, Owner.group(group));
    cp.capsule().createNamespace(wind, wind + "-dev");
    awaitAllowed(cp, bob, wind + "-dev");

    // when
    Kubectl.Result result =
        kubectl(bob, version).run(KUBECTL_BOUND, "delete", "namespace", wind + "-dev");

    // then
    assertDeletedCleanly(cp, result, wind + "-dev");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void serviceAccountOwnerDeletesItsTenantsNamespaceStraightAtTheApiServer(
      String version, ControlPlane cp) {
    // given a tenant owned by a ServiceAccount living in one of its namespaces
    String t = unique("robots");
    String ops = t + "-ops";
    cp.capsule().createTenant(t, Owner.serviceAccount(ops, "robot"));
    cp.capsule().createNamespace(t, ops);
    cp.capsule().createNamespace(t, t + "-dev");
    KubeUser robot = cp.users().serviceAccountToken(ops, "robot");
    awaitAllowed(cp, robot, t + "-dev");

    // when
    Kubectl.Result result =
        kubectl(robot, version).run(KUBECTL_BOUND, "delete", "namespace", t + "-dev");

    // then
    assertDeletedCleanly(cp, result, t + "-dev");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void anotherTenantsNamespaceStaysForbidden(String version, ControlPlane cp) {
    // given
    String user = unique("alice");
    KubeUser alice = capsuleUser(cp, user);
    String solar = unique("solar");
    String wind = unique("wind");
    cp.capsule().createTenant(solar, Owner.user(user));
    cp.capsule().createNamespace(solar, solar + "-dev");
    cp.capsule().createTenant(wind, Owner.user(unique("bob")));
    cp.capsule().createNamespace(wind, wind + "-dev");
    awaitAllowed(cp, alice, solar + "-dev");

    // when
    Kubectl.Result get =
        kubectl(alice, version).run(KUBECTL_BOUND, "get", "namespace", wind + "-dev");
    Kubectl.Result delete =
        kubectl(alice, version)
            .run(KUBECTL_BOUND, "delete", "namespace", wind + "-dev", "--wait=false");

    // then
    assertThat(get.exitCode()).as("%s", get).isEqualTo(1);
    assertThat(get.stderr()).as("%s", get).contains("Forbidden");
    assertThat(delete.exitCode()).as("%s", delete).isEqualTo(1);
    assertThat(cp.adminClient().namespaces().withName(wind + "-dev").get()).isNotNull();
  }

  @Test
  void namespaceMovedToAnotherTenantIsRefusedWithinOneSecond(ControlPlane cp) {
    // given
    String user = unique("alice");
    KubeUser alice = capsuleUser(cp, user);
    String solar = unique("solar");
    String wind = unique("wind");
    String bystander = unique("bystander");
    cp.capsule().createTenant(solar, Owner.user(user));
    cp.capsule().createNamespace(solar, solar + "-shared");
    cp.capsule().createTenant(wind, Owner.user(unique("bob")));
    cp.capsule().createTenant(bystander, Owner.user(unique("carol")));
    cp.capsule().createNamespace(bystander, bystander + "-dev");
    awaitAllowed(cp, alice, solar + "-shared");
    // the bystander's role converges in its own time (tenant first, then its namespace): its
    // version is taken once it holds the namespace, or a late write of the set-up counts as one
    // of the move's (seen once in a full run on a loaded machine)
    await().atMost(SYNC_BOUND).until(() -> roleNames(cp, bystander).contains(bystander + "-dev"));
    String bystanderRv = roleRv(cp, bystander);
    long writesBefore = sync.sync().writes();

    try (KubernetesClient c = cp.users().client(alice)) {
      // when (the clock starts before the move's first API call)
      long start = System.nanoTime();
      cp.capsule().moveNamespace(solar + "-shared", wind);
      Duration refused = refusedAfter(c, solar + "-shared", start);

      // then
      System.out.printf(
          "rbac-sync: moved namespace refused after %d ms; %d API writes%n",
          refused.toMillis(), sync.sync().writes() - writesBefore);
      assertThat(refused).isLessThan(Duration.ofSeconds(1));
    }
    // only the two tenants involved were written: the bystander's role is untouched
    await().atMost(SYNC_BOUND).until(() -> roleNames(cp, wind).contains(solar + "-shared"));
    assertThat(roleRv(cp, bystander)).isEqualTo(bystanderRv);
  }

  @Test
  void removedOwnerLosesAccessWithinOneSecond(ControlPlane cp) {
    // given
    String aliceName = unique("alice");
    String bobName = unique("bob");
    KubeUser bob = capsuleUser(cp, bobName);
    String solar = unique("solar");
    cp.capsule().createTenant(solar, Owner.user(aliceName), Owner.user(bobName));
    cp.capsule().createNamespace(solar, solar + "-dev");
    awaitAllowed(cp, bob, solar + "-dev");

    try (KubernetesClient c = cp.users().client(bob)) {
      // when
      long start = System.nanoTime();
      GenericKubernetesResource t = cp.capsule().tenant(solar);
      t.setAdditionalProperty("spec", Map.of("owners", List.of(Owner.user(aliceName).toMap())));
      cp.adminClient()
          .genericKubernetesResources(dev.tenantproxy.e2e.controlplane.Capsule.TENANTS)
          .resource(t)
          .update();
      cp.capsule().reconcile(solar);
      Duration refused = refusedAfter(c, solar + "-dev", start);

      // then
      System.out.printf("rbac-sync: removed owner refused after %d ms%n", refused.toMillis());
      assertThat(refused).isLessThan(Duration.ofSeconds(1));
    }
  }

  @Test
  void handEditAndRemovedLabelAreRevertedAndDeletedTenantsObjectsAreCollected(ControlPlane cp) {
    // given
    String solar = unique("solar");
    cp.capsule().createTenant(solar, Owner.user(unique("alice")));
    cp.capsule().createNamespace(solar, solar + "-dev");
    await().atMost(SYNC_BOUND).until(() -> roleNames(cp, solar).contains(solar + "-dev"));

    // when someone widens the role by hand
    ClusterRole edited =
        new ClusterRoleBuilder(role(cp, solar))
            .editFirstRule()
            .addToResourceNames("kube-system")
            .endRule()
            .build();
    cp.adminClient().rbac().clusterRoles().resource(edited).update();

    // then rbac-sync puts it back
    await().atMost(SYNC_BOUND).until(() -> roleNames(cp, solar).equals(List.of(solar + "-dev")));

    // when someone removes the managed-by label (the object leaves the informers' view)
    cp.adminClient()
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder(role(cp, solar))
                .editMetadata()
                .withLabels(Map.of())
                .endMetadata()
                .build())
        .update();

    // then rbac-sync takes it back
    await()
        .atMost(SYNC_BOUND)
        .until(
            () ->
                "tenant-proxy-rbac-sync"
                    .equals(
                        role(cp, solar)
                            .getMetadata()
                            .getLabels()
                            .get("app.kubernetes.io/managed-by")));

    // when the tenant is deleted, its role and binding go (garbage collector / rbac-sync)
    cp.capsule().deleteTenant(solar);
    await()
        .atMost(SYNC_BOUND)
        .until(
            () ->
                role(cp, solar) == null
                    && cp.adminClient()
                            .rbac()
                            .clusterRoleBindings()
                            .withName("tenant-proxy-direct:" + solar)
                            .get()
                        == null);
  }

  private static ClusterRole role(ControlPlane cp, String tenant) {
    return cp.adminClient().rbac().clusterRoles().withName("tenant-proxy-direct:" + tenant).get();
  }

  private static String roleRv(ControlPlane cp, String tenant) {
    await().atMost(SYNC_BOUND).until(() -> role(cp, tenant) != null);
    return role(cp, tenant).getMetadata().getResourceVersion();
  }

  private static List<String> roleNames(ControlPlane cp, String tenant) {
    ClusterRole r = role(cp, tenant);
    if (r == null) {
      return List.of();
    }
    return r.getRules().stream()
        .filter(rule -> rule.getResources().contains("namespaces"))
        .flatMap(rule -> rule.getResourceNames().stream())
        .toList();
  }
}
