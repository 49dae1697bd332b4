package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.awaitServed;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.capsuleUser;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.tenant;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.clients.K9s;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * k9s v0.50.16, the real terminal UI in a pseudo-terminal, opened on its namespace view by a tenant
 * owner. Before it lists, k9s asks a SelfSubjectAccessReview {@code list namespaces} with namespace
 * and name set to its current namespace ({@code default}); a denial makes it give up on the view
 * and show its contexts instead.
 */
@ExtendWith(ControlPlaneExtension.class)
class K9sNamespacesIT {
  private static final Duration BOUND = Duration.ofSeconds(90);

  private record Fixture(KubeUser alice, String solar, String wind) {}

  private static Fixture fixture(ControlPlane cp, ProxyInFront proxy) {
    String user = unique("alice");
    KubeUser alice = capsuleUser(cp, user);
    String solar = unique("solar");
    String wind = unique("wind");
    tenant(cp, solar, Owner.user(user), solar + "-dev", solar + "-prod");
    tenant(cp, wind, Owner.user(unique("bob")), wind + "-dev");
    awaitServed(proxy, alice, "", solar + "-dev", solar + "-prod");
    return new Fixture(alice, solar, wind);
  }

  @Test
  void anOwnerOpeningK9sOnNamespacesThroughTheProxySeesExactlyHerNamespaces(ControlPlane cp) {
    // given
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);

    // when
    try (K9s k9s = K9s.start(proxy.kubeconfig(f.alice()), "ns")) {
      await()
          .atMost(BOUND)
          .until(
              () ->
                  !k9s.isAlive()
                      || k9s.log().contains("Command exec failed")
                      || k9s.screen().contains(f.solar() + "-dev")
                          && k9s.screen().contains(f.solar() + "-prod"));

      // then
      String screen = k9s.screen();
      assertThat(screen)
          .as("k9s log:\n%s", k9s.log())
          .contains(f.solar() + "-dev", f.solar() + "-prod")
          .doesNotContain(f.wind());
      // its access check was answered by the proxy; it did not fall back to the contexts view
      assertThat(k9s.log())
          .contains("tenant-proxy serves the namespaces")
          .doesNotContain("Command exec failed");
    }
  }

  @Test
  void straightToTheApiServerTheSameOwnerGetsNoNamespaceViewInK9s(ControlPlane cp) {
    // given: the control case, showing what the test above would see without the proxy
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);

    // when
    try (K9s k9s = K9s.start(f.alice().kubeconfig(), "ns")) {
      await()
          .atMost(BOUND)
          .until(() -> !k9s.isAlive() || k9s.log().contains("Command exec failed"));

      // then
      assertThat(k9s.log()).contains("access denied").contains("v1/namespaces");
      assertThat(k9s.screen()).doesNotContain(f.solar() + "-dev");
    }
  }
}
