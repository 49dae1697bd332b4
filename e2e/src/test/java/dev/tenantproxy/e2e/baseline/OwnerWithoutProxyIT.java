package dev.tenantproxy.e2e.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The user's problem, reproduced with real parts and no proxy: a Capsule tenant owner ({@code
 * alice}, client certificate, group {@value Capsule#CAPSULE_USERS_GROUP}, exactly the RBAC Capsule
 * gives owners) talks with real kubectl straight to the API server. This is the baseline the proxy
 * must fix; keep it.
 */
@ExtendWith(ControlPlaneExtension.class)
class OwnerWithoutProxyIT {

  private static final Duration KUBECTL_BOUND = Duration.ofSeconds(60);

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerCannotListNamespacesAtClusterScope(String version, ControlPlane cp) {
    // given
    String tenant = unique("solar");
    KubeUser alice = cp.users().certificate("alice", Capsule.CAPSULE_USERS_GROUP);
    cp.capsule().createTenant(tenant, Owner.user("alice"));
    cp.capsule().createNamespace(tenant, tenant + "-dev");
    Kubectl kubectl = Kubectl.version(version, alice.kubeconfig());

    // when
    Kubectl.Result result = kubectl.run(KUBECTL_BOUND, "get", "namespaces");

    // then
    assertThat(result.timedOut()).as("%s", result).isFalse();
    assertThat(result.exitCode()).as("%s", result).isEqualTo(1);
    assertThat(result.stdout()).as("%s", result).isEmpty();
    assertThat(result.stderr().strip())
        .as("%s", result)
        .isEqualTo(
            "Error from server (Forbidden): namespaces is forbidden: User \"alice\" cannot list"
                + " resource \"namespaces\" in API group \"\" at the cluster scope");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerDeletesHisNamespaceButKubectlCannotWatchItGoAndTimesOut(
      String version, ControlPlane cp) {
    // given
    String tenant = unique("solar");
    String namespace = tenant + "-dev";
    KubeUser alice = cp.users().certificate("alice", Capsule.CAPSULE_USERS_GROUP);
    cp.capsule().createTenant(tenant, Owner.user("alice"));
    cp.capsule().createNamespace(tenant, namespace);
    Kubectl kubectl = Kubectl.version(version, alice.kubeconfig());

    // when
    Kubectl.Result result =
        kubectl.run(KUBECTL_BOUND, "delete", "namespace", namespace, "--timeout=15s");

    // then the namespace really goes away (kube-controller-manager finalizes it) ...
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> cp.adminClient().namespaces().withName(namespace).get() == null);
    // ... kubectl says so, but its wait needs a cluster-scope list/watch of namespaces, is refused,
    // retries until --timeout and exits 1
    assertThat(result.timedOut()).as("%s", result).isFalse();
    assertThat(result.exitCode()).as("%s", result).isEqualTo(1);
    assertThat(result.elapsed()).as("%s", result).isGreaterThanOrEqualTo(Duration.ofSeconds(15));
    assertThat(result.stdout().strip()).isEqualTo("namespace \"" + namespace + "\" deleted");
    // kubectl >= 1.30 logs structured (quotes escaped inside err="..."), 1.27 logs plain text
    String quote = version.equals("1.27") ? "\"" : "\\\"";
    assertThat(result.stderr())
        .as("%s", result)
        .contains(
            "failed to list *unstructured.Unstructured: namespaces "
                + quote
                + namespace
                + quote
                + " is forbidden: User "
                + quote
                + "alice"
                + quote
                + " cannot list resource "
                + quote
                + "namespaces"
                + quote
                + " in API group "
                + quote
                + quote
                + " at the cluster scope");
    // (as a line of its own, not necessarily the last one: the informer's goroutines may still log
    // a failed list while kubectl prints it and exits)
    assertThat(result.stderr().strip().lines())
        .as("%s", result)
        .contains("error: timed out waiting for the condition on namespaces/" + namespace);
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
