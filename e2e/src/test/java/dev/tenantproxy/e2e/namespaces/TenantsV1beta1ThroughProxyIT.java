package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.BOUND;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.capsuleUser;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.get;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.names;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.tenant;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tenants in {@code capsule.clastix.io/v1beta1} through the proxy: the API server's v1beta1
 * objects, restricted to the caller's own tenants (owners from the index), with kubectl 1.33 and
 * 1.27.
 */
@ExtendWith(ControlPlaneExtension.class)
class TenantsV1beta1ThroughProxyIT {
  private static final String RESOURCE = "tenants.v1beta1.capsule.clastix.io";
  private static final String V1BETA1 = "/apis/capsule.clastix.io/v1beta1/tenants";

  private record Fixture(KubeUser alice, String solar, String lunar, String other) {}

  /** alice owns solar and lunar; bob owns the other one. Waits until the index knows hers. */
  private static Fixture fixture(ControlPlane cp, ProxyInFront proxy) {
    KubeUser alice = capsuleUser(cp, unique("alice"));
    String solar = unique("solar");
    String lunar = unique("lunar");
    String other = unique("wind");
    tenant(cp, solar, Owner.user(alice.name()), solar + "-dev");
    tenant(cp, lunar, Owner.user(alice.name()));
    tenant(cp, other, Owner.user(unique("bob")), other + "-dev");
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              var answer = get(null, proxy, alice, V1BETA1, null);
              assertThat(answer.status()).as(answer.body()).isEqualTo(200);
              assertThat(names(answer.body())).contains(solar, lunar);
            });
    return new Fixture(alice, solar, lunar, other);
  }

  private static Kubectl.Result ok(Kubectl.Result r) {
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return r;
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerListsAndGetsExactlyHerTenantsAsTheApiServersV1beta1Objects(
      String version, ControlPlane cp) {
    // given
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    Kubectl kubectl = ServedNamespaces.kubectl(proxy, f.alice(), version);
    Kubectl admin = Kubectl.version(version, cp.adminKubeconfig());
    List<String> hers =
        f.solar().compareTo(f.lunar()) < 0
            ? List.of(f.solar(), f.lunar())
            : List.of(f.lunar(), f.solar());

    // then the list holds exactly her two tenants, as names and as v1beta1 JSON
    assertThat(ok(kubectl.run(BOUND, "get", RESOURCE, "-o", "name")).stdout().strip().lines())
        .containsExactly(
            "tenant.capsule.clastix.io/" + hers.get(0), "tenant.capsule.clastix.io/" + hers.get(1));
    JsonObject list =
        new JsonObject(ok(kubectl.run(BOUND, "get", RESOURCE, "-o", "json")).stdout());
    JsonArray items = list.getJsonArray("items");
    assertThat(items.stream().map(JsonObject.class::cast).map(o -> o.getString("apiVersion")))
        .containsOnly("capsule.clastix.io/v1beta1");
    assertThat(names(list.encode())).containsExactlyElementsOf(hers);
    // and paging by kubectl gives the same two (the proxy serves the list whole)
    assertThat(
            ok(kubectl.run(BOUND, "get", RESOURCE, "--chunk-size=1", "-o", "name"))
                .stdout()
                .strip()
                .lines())
        .hasSize(2);

    // and her table is the admin's direct table of those two tenants
    await()
        .atMost(BOUND)
        .untilAsserted(
            () ->
                assertThat(ok(kubectl.run(BOUND, "get", RESOURCE)).stdout())
                    .isEqualTo(
                        ok(admin.run(BOUND, "get", RESOURCE, hers.get(0), hers.get(1))).stdout()));

    // and a get of hers is the v1beta1 object; another's is the same NotFound as a missing one
    JsonObject solar =
        new JsonObject(ok(kubectl.run(BOUND, "get", RESOURCE, f.solar(), "-o", "json")).stdout());
    assertThat(solar.getString("apiVersion")).isEqualTo("capsule.clastix.io/v1beta1");
    Kubectl.Result others = kubectl.run(BOUND, "get", RESOURCE, f.other());
    Kubectl.Result missing = kubectl.run(BOUND, "get", RESOURCE, "no-such-tenant");
    assertThat(others.exitCode()).isEqualTo(1);
    assertThat(others.stderr().replace(f.other(), "X"))
        .isEqualTo(missing.stderr().replace("no-such-tenant", "X"))
        .contains("NotFound");
  }

  @Test
  void aCapsuleUserOwningNoTenantGetsAnEmptyListAndANonCapsuleUserTheApiServersAnswer(
      ControlPlane cp) {
    // given tenants of others, a Capsule user owning none and a user outside Capsule
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    KubeUser nobody = capsuleUser(cp, unique("carol"));
    KubeUser outsider = cp.users().certificate(unique("dave"));

    // then the Capsule user gets an empty list
    var empty = get(null, proxy, nobody, V1BETA1, null);
    assertThat(empty.status()).as(empty.body()).isEqualTo(200);
    assertThat(names(empty.body())).isEmpty();

    // and the outsider gets the API server's own 403, as it would directly
    var refused = get(null, proxy, outsider, V1BETA1, null);
    assertThat(refused.status()).as(refused.body()).isEqualTo(403);
    assertThat(refused.body()).contains(outsider.name()).doesNotContain(f.solar());
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownersWatchRelaysTheEventsOfHerTenantsOnly(String version, ControlPlane cp)
      throws Exception {
    // given alice watching her v1beta1 tenants
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    try (Kubectl.Running w =
        Kubectl.version(version, proxy.kubeconfig(f.alice()))
            .start("get", RESOURCE, "-w", "--output-watch-events")) {
      await()
          .atMost(BOUND)
          .until(() -> events(w).containsAll(List.of("ADDED " + f.solar(), "ADDED " + f.lunar())));

      // when the admin labels the other tenant, then hers
      label(cp, f.other());
      label(cp, f.solar());

      // then only hers changes in her watch
      await().atMost(BOUND).until(() -> events(w).contains("MODIFIED " + f.solar()));
      assertThat(events(w)).noneMatch(e -> e.endsWith(" " + f.other()));
      assertThat(w.isAlive()).isTrue();
      assertThat(w.stderr()).isEmpty();
    }
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownersWatchGetsAddedWhenSheBecomesOwnerAndDeletedWhenRemovedNeverAnotherTenantsEvents(
      String version, ControlPlane cp) throws Exception {
    // given alice watching her v1beta1 tenants, and a tenant she never owns
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    String never = unique("rain");
    tenant(cp, never, Owner.user(unique("carol")));
    Object bob = Owner.user(unique("bob")).toMap();
    try (Kubectl.Running w =
        Kubectl.version(version, proxy.kubeconfig(f.alice()))
            .start("get", RESOURCE, "-w", "--output-watch-events")) {
      await()
          .atMost(BOUND)
          .until(() -> events(w).containsAll(List.of("ADDED " + f.solar(), "ADDED " + f.lunar())));

      // when the admin adds her as an owner of the other tenant (the controller writes
      // status.owners), and changes the tenant she never owns
      long added = System.nanoTime();
      cp.capsule().setSpec(f.other(), "owners", List.of(bob, Owner.user(f.alice().name()).toMap()));
      cp.capsule().reconcile(f.other());
      label(cp, never);

      // then the other tenant is ADDED to her watch
      await().atMost(BOUND).until(() -> events(w).contains("ADDED " + f.other()));
      long addedMs = (System.nanoTime() - added) / 1_000_000;

      // when the admin removes her again
      long removed = System.nanoTime();
      cp.capsule().setSpec(f.other(), "owners", List.of(bob));
      cp.capsule().reconcile(f.other());

      // then it is DELETED from her watch, in the same kubectl process
      await().atMost(BOUND).until(() -> events(w).contains("DELETED " + f.other()));
      long removedMs = (System.nanoTime() - removed) / 1_000_000;
      System.out.printf(
          "v1beta1 tenants watch, kubectl %s: ADDED after %d ms, DELETED after %d ms%n",
          version, addedMs, removedMs);

      // and the tenant she never owned never appeared (its change came before the DELETED)
      assertThat(events(w)).noneMatch(e -> e.endsWith(" " + never));
      // and the other tenant's events are ADDED, its changes while hers (the spec edit before the
      // controller drops her from status.owners), then DELETED
      List<String> others = events(w).stream().filter(e -> e.endsWith(" " + f.other())).toList();
      assertThat(others.get(0)).isEqualTo("ADDED " + f.other());
      assertThat(others.get(others.size() - 1)).isEqualTo("DELETED " + f.other());
      assertThat(others.subList(1, others.size() - 1)).allMatch(e -> e.startsWith("MODIFIED "));
      assertThat(w.isAlive()).isTrue();
      assertThat(w.stderr()).isEmpty();
    }
  }

  private static void label(ControlPlane cp, String tenant) {
    cp.adminClient()
        .genericKubernetesResources(dev.tenantproxy.e2e.controlplane.Capsule.TENANTS)
        .withName(tenant)
        .edit(
            t -> {
              java.util.Map<String, String> labels = new java.util.HashMap<>();
              if (t.getMetadata().getLabels() != null) {
                labels.putAll(t.getMetadata().getLabels());
              }
              labels.put("touched", "yes");
              t.getMetadata().setLabels(labels);
              return t;
            });
  }

  /** The lines of {@code kubectl get ... -w --output-watch-events} as {@code EVENT NAME}. */
  private static List<String> events(Kubectl.Running watch) {
    List<String> events = new java.util.ArrayList<>();
    for (String l : watch.stdout().lines().toList()) {
      String[] cols = l.trim().split("\\s+");
      if (cols.length >= 2 && !cols[0].equals("EVENT")) {
        events.add(cols[0] + " " + cols[1]);
      }
    }
    return events;
  }
}
