package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.awaitServed;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.capsuleUser;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.kubectl;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.tenant;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.unique;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * THE SEED: a tenant owner runs {@code kubectl delete namespace} through tenant-proxy. kubectl's
 * wait (GET, then a list + watch of namespaces by name at cluster scope) is served from the index,
 * so kubectl returns once the controller-manager has really removed the namespace, with no error.
 * The same owner straight to the API server hangs until its timeout ({@code OwnerWithoutProxyIT}).
 *
 * <p>Each test first waits until the proxy shows the owner the namespace (its index follows the API
 * server a moment later): kubectl's wait reads through the proxy, and a namespace the index does
 * not have yet would look deleted at once.
 */
@ExtendWith(ControlPlaneExtension.class)
class DeleteNamespaceThroughProxyIT {
  private static final Duration KUBECTL_BOUND = Duration.ofSeconds(150);

  private static void assertDeletedCleanly(
      ControlPlane cp, Kubectl.Result result, String namespace) {
    assertThat(result.timedOut()).as("%s", result).isFalse();
    assertThat(result.exitCode()).as("%s", result).isZero();
    assertThat(result.stdout().strip())
        .as("%s", result)
        .isEqualTo("namespace \"" + namespace + "\" deleted");
    assertThat(result.stderr().lines())
        .as("%s", result)
        .noneMatch(l -> l.toLowerCase(java.util.Locale.ROOT).contains("forbidden"))
        .noneMatch(l -> l.contains("cannot list"));
    // kubectl returned only once the namespace was really gone (finalized by the
    // controller-manager)
    assertThat(cp.adminClient().namespaces().withName(namespace).get()).as("%s", result).isNull();
    System.out.printf(
        "L5 seed through proxy: %s exit %d in %d ms%n",
        result.command().get(0), result.exitCode(), result.elapsed().toMillis());
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerDeletesHerNamespaceAndKubectlReturnsOnceItIsGone(String version, ControlPlane cp) {
    // given
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    String user = unique("alice");
    KubeUser alice = capsuleUser(cp, user);
    String solar = unique("solar");
    tenant(cp, solar, Owner.user(user), solar + "-dev", solar + "-prod");
    awaitServed(proxy, alice, "", solar + "-dev", solar + "-prod");

    // when
    Kubectl.Result result =
        kubectl(proxy, alice, version).run(KUBECTL_BOUND, "delete", "namespace", solar + "-dev");

    // then
    assertDeletedCleanly(cp, result, solar + "-dev");
    assertThat(cp.adminClient().namespaces().withName(solar + "-prod").get()).isNotNull();
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void groupMemberDeletesHisTenantsNamespace(String version, ControlPlane cp) {
    // given
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    String group = unique("wind-devs");
    KubeUser bob = capsuleUser(cp, unique("bob"), group);
    String wind = unique("wind");
    tenant(cp, wind, Owner.group(group), wind + "-dev");
    awaitServed(proxy, bob, "", wind + "-dev");

    // when
    Kubectl.Result result =
        kubectl(proxy, bob, version).run(KUBECTL_BOUND, "delete", "namespace", wind + "-dev");

    // then
    assertDeletedCleanly(cp, result, wind + "-dev");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void serviceAccountOwnerDeletesItsTenantsNamespace(String version, ControlPlane cp) {
    // given a tenant owned by a ServiceAccount living in one of its namespaces
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    String t = unique("robots");
    String ops = t + "-ops";
    cp.capsule().createTenant(t, Owner.serviceAccount(ops, "robot"));
    cp.capsule().createNamespace(t, ops);
    cp.capsule().createNamespace(t, t + "-dev");
    KubeUser robot = cp.users().serviceAccountToken(ops, "robot");
    awaitServed(proxy, robot, "", ops, t + "-dev");

    // when
    Kubectl.Result result =
        kubectl(proxy, robot, version).run(KUBECTL_BOUND, "delete", "namespace", t + "-dev");

    // then
    assertDeletedCleanly(cp, result, t + "-dev");
  }
}
