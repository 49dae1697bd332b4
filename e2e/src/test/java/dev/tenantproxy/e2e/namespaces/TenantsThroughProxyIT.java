package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.BOUND;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.capsuleUser;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.get;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.names;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.tenant;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tenants served by the proxy's serving core (the second served kind): a Capsule user sees the
 * tenants it owns, with kubectl 1.33 and 1.27, and an open watch follows ownership changes.
 */
@ExtendWith(ControlPlaneExtension.class)
class TenantsThroughProxyIT {
  private static final String TENANTS = "/apis/capsule.clastix.io/v1beta2/tenants";

  private record Fixture(KubeUser alice, String user, String solar, String lunar, String other) {}

  /** alice owns solar and lunar; bob owns the other one. Waits until the proxy serves hers. */
  private static Fixture fixture(ControlPlane cp, ProxyInFront proxy) {
    String user = unique("alice");
    KubeUser alice = capsuleUser(cp, user);
    String solar = unique("solar");
    String lunar = unique("lunar");
    String other = unique("wind");
    tenant(cp, solar, Owner.user(user), solar + "-dev");
    tenant(cp, lunar, Owner.user(user));
    tenant(cp, other, Owner.user(unique("bob")), other + "-dev");
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              var answer = get(null, proxy, alice, TENANTS, null);
              assertThat(answer.status()).as(answer.body()).isEqualTo(200);
              assertThat(names(answer.body())).contains(solar, lunar);
            });
    return new Fixture(alice, user, solar, lunar, other);
  }

  private static Kubectl.Result ok(Kubectl.Result r) {
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return r;
  }

  private static void setOwners(ControlPlane cp, String tenant, Owner... owners) {
    List<Object> specOwners = new ArrayList<>();
    for (Owner o : owners) {
      specOwners.add(o.toMap());
    }
    cp.adminClient()
        .genericKubernetesResources(Capsule.TENANTS)
        .withName(tenant)
        .edit(
            t -> {
              GenericKubernetesResource copy = t;
              @SuppressWarnings("unchecked")
              Map<String, Object> spec =
                  (Map<String, Object>) copy.getAdditionalProperties().get("spec");
              spec.put("owners", specOwners);
              return copy;
            });
    cp.capsule().reconcile(tenant);
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerListsGetsAndTablesExactlyHerTenants(String version, ControlPlane cp) {
    // given
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    Kubectl kubectl = ServedNamespaces.kubectl(proxy, f.alice(), version);

    // then: the list holds exactly her tenants, as names, JSON, pages of one and by field
    assertThat(ok(kubectl.run(BOUND, "get", "tenants", "-o", "name")).stdout().strip().lines())
        .containsExactly(
            "tenant.capsule.clastix.io/" + first(f.solar(), f.lunar()),
            "tenant.capsule.clastix.io/" + second(f.solar(), f.lunar()));
    assertThat(names(ok(kubectl.run(BOUND, "get", "tenants", "-o", "json")).stdout()))
        .containsExactly(first(f.solar(), f.lunar()), second(f.solar(), f.lunar()));
    assertThat(
            ok(kubectl.run(BOUND, "get", "tenants", "--chunk-size=1", "-o", "name"))
                .stdout()
                .strip()
                .lines())
        .hasSize(2);
    assertThat(
            ok(kubectl.run(
                    BOUND,
                    "get",
                    "tenants",
                    "--field-selector",
                    "metadata.name=" + f.other(),
                    "-o",
                    "name"))
                .stdout()
                .strip())
        .isEmpty();

    // and the Table has the CRD's printer columns
    Kubectl.Result table = ok(kubectl.run(BOUND, "get", "tenants"));
    List<String> lines = table.stdout().strip().lines().toList();
    assertThat(lines.get(0).split("\\s{2,}"))
        .containsExactly("NAME", "STATE", "NAMESPACE COUNT", "NODE SELECTOR", "AGE");
    assertThat(lines).hasSize(3);
    assertThat(table.stdout()).contains(f.solar()).doesNotContain(f.other());

    // and a get of hers works; another tenant's is the same 404 as a missing one
    assertThat(ok(kubectl.run(BOUND, "get", "tenant", f.solar(), "-o", "name")).stdout().strip())
        .isEqualTo("tenant.capsule.clastix.io/" + f.solar());
    Kubectl.Result others = kubectl.run(BOUND, "get", "tenant", f.other());
    Kubectl.Result missing = kubectl.run(BOUND, "get", "tenant", "no-such-tenant");
    assertThat(others.exitCode()).isEqualTo(1);
    assertThat(others.stderr().replace(f.other(), "X"))
        .isEqualTo(missing.stderr().replace("no-such-tenant", "X"))
        .contains("NotFound");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerSeesTenantAddedWhenMadeOwnerAndDeletedWhenRemovedWhileWatching(
      String version, ControlPlane cp) throws Exception {
    // given alice watching her tenants
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    String bob = unique("bob");
    String shared = unique("shared");
    tenant(cp, shared, Owner.user(bob));
    try (Kubectl.Running w =
        Kubectl.version(version, proxy.kubeconfig(f.alice()))
            .start("get", "tenants", "-w", "--output-watch-events")) {
      await()
          .atMost(BOUND)
          .until(() -> events(w).containsAll(List.of("ADDED " + f.solar(), "ADDED " + f.lunar())));

      // when the admin makes her an owner of another tenant
      setOwners(cp, shared, Owner.user(bob), Owner.user(f.user()));
      // then it appears
      await().atMost(BOUND).until(() -> events(w).contains("ADDED " + shared));

      // when the admin removes her again
      setOwners(cp, shared, Owner.user(bob));
      // then it disappears, in the same kubectl process
      await().atMost(BOUND).until(() -> events(w).contains("DELETED " + shared));
      assertThat(w.isAlive()).isTrue();
      assertThat(events(w)).doesNotContain("ADDED " + f.other());
      assertThat(w.stderr()).isEmpty();
    }
  }

  /** The lines of {@code kubectl get tenants -w --output-watch-events} as {@code EVENT NAME}. */
  private static List<String> events(Kubectl.Running watch) {
    List<String> events = new ArrayList<>();
    for (String l : watch.stdout().lines().toList()) {
      String[] cols = l.trim().split("\\s+");
      if (cols.length >= 2 && !cols[0].equals("EVENT")) {
        events.add(cols[0] + " " + cols[1]);
      }
    }
    return events;
  }

  private static String first(String a, String b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  private static String second(String a, String b) {
    return a.compareTo(b) < 0 ? b : a;
  }
}
