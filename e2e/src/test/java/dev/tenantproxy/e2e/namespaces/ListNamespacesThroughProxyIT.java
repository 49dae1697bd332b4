package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.awaitServed;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.capsuleUser;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.kubectl;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.names;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.tenant;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.unique;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code kubectl get namespaces} through the proxy shows exactly the caller's namespaces. */
@ExtendWith(ControlPlaneExtension.class)
class ListNamespacesThroughProxyIT {
  private static final Duration BOUND = Duration.ofSeconds(60);

  /** alice owns two tenants' namespaces; someone else owns a third tenant. */
  private record Fixture(KubeUser alice, String solar, String lunar, String other) {}

  /**
   * Creates the tenants straight on the API server, then waits until the proxy's index shows them
   * to alice (the label edit comes last, so once the proxy shows it, it has every namespace).
   */
  private static Fixture fixture(ControlPlane cp, ProxyInFront proxy) {
    String user = unique("alice");
    KubeUser alice = capsuleUser(cp, user);
    String solar = unique("solar");
    String lunar = unique("lunar");
    String other = unique("wind");
    tenant(cp, solar, Owner.user(user), solar + "-dev", solar + "-prod");
    tenant(cp, lunar, Owner.user(user), lunar + "-dev");
    tenant(cp, other, Owner.user(unique("bob")), other + "-dev");
    cp.adminClient()
        .namespaces()
        .withName(solar + "-prod")
        .edit(
            n ->
                new NamespaceBuilder(n)
                    .editMetadata()
                    .addToLabels("env", "prod")
                    .endMetadata()
                    .build());
    awaitServed(proxy, alice, "", solar + "-dev", solar + "-prod", lunar + "-dev");
    awaitServed(proxy, alice, "?labelSelector=env%3Dprod", solar + "-prod");
    return new Fixture(alice, solar, lunar, other);
  }

  private static Kubectl.Result ok(Kubectl.Result r) {
    assertThat(r.timedOut()).as("%s", r).isFalse();
    assertThat(r.exitCode()).as("%s", r).isZero();
    return r;
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerGetsExactlyHerNamespacesInEveryOutputFormat(String version, ControlPlane cp) {
    // given
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    Kubectl kubectl = kubectl(proxy, f.alice(), version);
    List<String> hers = List.of(f.lunar() + "-dev", f.solar() + "-dev", f.solar() + "-prod");

    // when / then: the default Table
    Kubectl.Result table = ok(kubectl.run(BOUND, "get", "namespaces"));
    List<String> lines = table.stdout().strip().lines().toList();
    assertThat(lines.get(0)).matches("NAME\\s+STATUS\\s+AGE");
    assertThat(lines.subList(1, lines.size()))
        .extracting(l -> l.split("\\s+")[0])
        .containsExactlyElementsOf(hers);
    assertThat(lines.subList(1, lines.size())).allMatch(l -> l.split("\\s+")[1].equals("Active"));

    // -o name
    assertThat(ok(kubectl.run(BOUND, "get", "namespaces", "-o", "name")).stdout().strip().lines())
        .containsExactlyElementsOf(hers.stream().map(n -> "namespace/" + n).toList());

    // -o json
    assertThat(names(ok(kubectl.run(BOUND, "get", "namespaces", "-o", "json")).stdout()))
        .containsExactlyElementsOf(hers);

    // -l
    assertThat(
            ok(kubectl.run(BOUND, "get", "namespaces", "-l", "env=prod", "-o", "name"))
                .stdout()
                .strip())
        .isEqualTo("namespace/" + f.solar() + "-prod");

    // --field-selector
    assertThat(
            ok(kubectl.run(
                    BOUND,
                    "get",
                    "namespaces",
                    "--field-selector",
                    "metadata.name=" + f.lunar() + "-dev",
                    "-o",
                    "name"))
                .stdout()
                .strip())
        .isEqualTo("namespace/" + f.lunar() + "-dev");

    // a single namespace
    assertThat(
            ok(kubectl.run(BOUND, "get", "namespace", f.solar() + "-dev", "-o", "name"))
                .stdout()
                .strip())
        .isEqualTo("namespace/" + f.solar() + "-dev");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void adminThroughTheProxySeesEveryNamespaceAsDirect(String version, ControlPlane cp) {
    // given
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    Kubectl viaProxy =
        Kubectl.version(
            version, proxy.kubeconfig(cp.users().certificate(unique("root"), "system:masters")));

    // when
    List<String> names = names(ok(viaProxy.run(BOUND, "get", "namespaces", "-o", "json")).stdout());

    // then
    assertThat(names).contains("default", "kube-system", f.solar() + "-dev", f.other() + "-dev");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void kubectlAuthCanIAgreesWithWhatTheProxyServes(String version, ControlPlane cp) {
    // given
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    Kubectl kubectl = kubectl(proxy, f.alice(), version);

    // then
    for (String verb : List.of("list", "watch", "get")) {
      assertThat(kubectl.run(BOUND, "auth", "can-i", verb, "namespaces").stdout().strip())
          .as(verb)
          .isEqualTo("yes");
    }
    assertThat(
            kubectl
                .run(BOUND, "auth", "can-i", "get", "namespace/" + f.other() + "-dev")
                .stdout()
                .strip())
        .isEqualTo("no");
    assertThat(kubectl.run(BOUND, "auth", "can-i", "delete", "namespaces").stdout().strip())
        .isEqualTo("no");
    // and straight to the API server the same owner is refused, as before
    assertThat(
            Kubectl.version(version, f.alice().kubeconfig())
                .run(BOUND, "auth", "can-i", "list", "namespaces")
                .stdout()
                .strip())
        .isEqualTo("no");
  }
}
