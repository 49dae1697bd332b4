package dev.tenantproxy.e2e.rbacsync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.proxy.rbacsync.RbacSyncOptions;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.time.Duration;
import java.util.UUID;

/** Helpers shared by the direct-mode (rbac-sync) end-to-end tests. */
final class DirectMode {
  static final String LEASE_NAMESPACE = "tenant-proxy-e2e";

  private DirectMode() {}

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Options with a short lease (the test measures takeover) and a unique Lease name. */
  static RbacSyncOptions options(String leaseName, String identity) {
    return new RbacSyncOptions(
        true,
        LEASE_NAMESPACE,
        leaseName,
        identity,
        Duration.ofSeconds(4),
        Duration.ofSeconds(3),
        Duration.ofMillis(500),
        Duration.ofMinutes(5));
  }

  static void ensureLeaseNamespace(ControlPlane cp) {
    if (cp.adminClient().namespaces().withName(LEASE_NAMESPACE).get() == null) {
      try {
        cp.adminClient()
            .namespaces()
            .resource(
                new NamespaceBuilder()
                    .withNewMetadata()
                    .withName(LEASE_NAMESPACE)
                    .endMetadata()
                    .build())
            .create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
  }

  /**
   * A ServiceAccount holding exactly the RBAC README documents for rbac-sync (so the tests prove it
   * is enough, escalation check included); returns its identity (a token kubeconfig).
   */
  static KubeUser leastPrivilegedRbacSync(ControlPlane cp) {
    ensureLeaseNamespace(cp);
    KubernetesClient admin = cp.adminClient();
    String name = "tenant-proxy-rbac-sync";
    admin
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .addNewRule()
                .withApiGroups("")
                .withResources("namespaces")
                .withVerbs("get", "list", "watch")
                .endRule()
                .addNewRule()
                .withApiGroups("capsule.clastix.io")
                .withResources(
                    "tenants", "capsuleconfigurations", "proxysettings", "globalproxysettings")
                .withVerbs("get", "list", "watch")
                .endRule()
                .addNewRule()
                .withApiGroups("rbac.authorization.k8s.io")
                .withResources("clusterroles", "clusterrolebindings")
                .withVerbs("get", "list", "watch", "create", "update", "delete")
                .endRule()
                .build())
        .createOr(NonDeletingOperation::update);
    admin
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", name)
                .addNewSubject()
                .withKind("ServiceAccount")
                .withNamespace(LEASE_NAMESPACE)
                .withName(name)
                .endSubject()
                .build())
        .createOr(NonDeletingOperation::update);
    admin
        .rbac()
        .roles()
        .inNamespace(LEASE_NAMESPACE)
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withNamespace(LEASE_NAMESPACE)
                .withName(name)
                .endMetadata()
                .addNewRule()
                .withApiGroups("coordination.k8s.io")
                .withResources("leases")
                .withVerbs("get", "create", "update", "patch")
                .endRule()
                .build())
        .createOr(NonDeletingOperation::update);
    admin
        .rbac()
        .roleBindings()
        .inNamespace(LEASE_NAMESPACE)
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withNamespace(LEASE_NAMESPACE)
                .withName(name)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", name)
                .addNewSubject()
                .withKind("ServiceAccount")
                .withNamespace(LEASE_NAMESPACE)
                .withName(name)
                .endSubject()
                .build())
        .createOr(NonDeletingOperation::update);
    return cp.users().serviceAccountToken(LEASE_NAMESPACE, name);
  }

  static KubeUser capsuleUser(ControlPlane cp, String name, String... groups) {
    String[] all = new String[groups.length + 1];
    all[0] = Capsule.CAPSULE_USERS_GROUP;
    System.arraycopy(groups, 0, all, 1, groups.length);
    return cp.users().certificate(name, all);
  }

  /**
   * Whether {@code client}'s user may list namespaces at cluster scope with {@code
   * fieldSelector=metadata.name=NAME} straight at the API server: what kubectl's deletion wait
   * sends, and what only rbac-sync's ClusterRole grants (Capsule's namespace RoleBindings already
   * allow a plain GET of the namespace, so a GET would not tell rbac-sync's grant apart).
   */
  static boolean canListByName(KubernetesClient client, String name) {
    try {
      client.namespaces().withField("metadata.name", name).list();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 403) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Polls the API server (every 20 ms) until {@code client}'s user is refused {@code name}; returns
   * how long that took from {@code startNanos}, or fails after 30 s.
   */
  static Duration refusedAfter(KubernetesClient client, String name, long startNanos) {
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> !canListByName(client, name));
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** The seed straight to the API server ended cleanly: exit 0, the deleted line, no error line. */
  static void assertDeletedCleanly(ControlPlane cp, Kubectl.Result result, String namespace) {
    assertThat(result.timedOut()).as("%s", result).isFalse();
    assertThat(result.exitCode()).as("%s", result).isZero();
    assertThat(result.stdout().strip())
        .as("%s", result)
        .isEqualTo("namespace \"" + namespace + "\" deleted");
    assertThat(result.stderr().strip()).as("%s", result).isEmpty();
    assertThat(cp.adminClient().namespaces().withName(namespace).get()).as("%s", result).isNull();
    System.out.printf(
        "direct-mode seed: %s exit %d in %d ms%n",
        result.command().get(0), result.exitCode(), result.elapsed().toMillis());
  }
}
