package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.BOUND;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.capsuleUser;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.get;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.names;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Nodes served by the proxy's serving core (the third served kind): an owner sees the nodes whose
 * labels match the {@code spec.nodeSelector} of a tenant she owns, in the API server's own Table,
 * with kubectl 1.33 and 1.27; an owner whose tenants have no nodeSelector gets the API server's
 * Forbidden; an open watch follows node labels and the tenant's nodeSelector. The control plane has
 * no kubelet: the admin creates Node objects through the API.
 */
@ExtendWith(ControlPlaneExtension.class)
class NodesThroughProxyIT {

  /**
   * alice owns a tenant selecting {@code pool=<pool>}: nodes {@code in1} (a worker, Ready) and
   * {@code in2} (cordoned, NotReady) match it; {@code other} matches bob's tenant, {@code loose} no
   * tenant. carol owns a tenant without nodeSelector.
   */
  private record Fixture(
      KubeUser alice,
      KubeUser carol,
      String tenant,
      String pool,
      String in1,
      String in2,
      String other,
      String loose) {}

  private static Fixture fixture(ControlPlane cp, ProxyInFront proxy) {
    String pool = unique("pool");
    String otherPool = unique("pool");
    String aliceName = unique("alice");
    String carolName = unique("carol");
    KubeUser alice = capsuleUser(cp, aliceName);
    KubeUser carol = capsuleUser(cp, carolName);
    String tenant = unique("solar");
    tenant(cp, tenant, Owner.user(aliceName), Map.of("pool", pool));
    tenant(cp, unique("wind"), Owner.user(unique("bob")), Map.of("pool", otherPool));
    tenant(cp, unique("lunar"), Owner.user(carolName), null);
    String in1 = unique("node-a");
    String in2 = unique("node-b");
    String other = unique("node-c");
    String loose = unique("node-d");
    node(cp, in1, Map.of("pool", pool, "node-role.kubernetes.io/worker", ""), false, true);
    node(cp, in2, Map.of("pool", pool), true, false);
    node(cp, other, Map.of("pool", otherPool), false, true);
    node(cp, loose, Map.of(), false, true);
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              var answer = get(null, proxy, alice, "/api/v1/nodes", null);
              assertThat(answer.status()).as(answer.body()).isEqualTo(200);
              assertThat(names(answer.body())).containsExactlyInAnyOrder(in1, in2);
            });
    return new Fixture(alice, carol, tenant, pool, in1, in2, other, loose);
  }

  private static void tenant(
      ControlPlane cp, String name, Owner owner, Map<String, String> nodeSelector) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("owners", List.of(owner.toMap()));
    if (nodeSelector != null) {
      spec.put("nodeSelector", nodeSelector);
    }
    cp.capsule()
        .createTenant(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("capsule.clastix.io/v1beta2")
                .withKind("Tenant")
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", spec))
                .build());
  }

  /** A Node object as a kubelet would register it (status written through the subresource). */
  private static void node(
      ControlPlane cp, String name, Map<String, String> labels, boolean cordoned, boolean ready) {
    Node created =
        cp.adminClient()
            .nodes()
            .resource(
                new NodeBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withLabels(labels)
                    .endMetadata()
                    .withNewSpec()
                    .withUnschedulable(cordoned)
                    .endSpec()
                    .build())
            .create();
    NodeCondition condition =
        new NodeConditionBuilder()
            .withType("Ready")
            .withStatus(ready ? "True" : "False")
            .withReason(ready ? "KubeletReady" : "KubeletNotReady")
            .withLastHeartbeatTime(Instant.now().toString())
            .withLastTransitionTime(Instant.now().toString())
            .build();
    created.setStatus(
        new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
            .withConditions(condition)
            .addNewAddress()
            .withType("InternalIP")
            .withAddress("10.0.0." + (Math.abs(name.hashCode()) % 250 + 1))
            .endAddress()
            .withNewNodeInfo()
            .withKubeletVersion("v1.35.4")
            .withOsImage("Debian GNU/Linux 12 (bookworm)")
            .withKernelVersion("6.1.0-test")
            .withContainerRuntimeVersion("containerd://1.7.0")
            .withArchitecture("amd64")
            .withOperatingSystem("linux")
            .withBootID("")
            .withMachineID("")
            .withSystemUUID("")
            .withKubeProxyVersion("")
            .endNodeInfo()
            .build());
    cp.adminClient().nodes().resource(created).updateStatus();
  }

  private static Kubectl.Result ok(Kubectl.Result r) {
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return r;
  }

  /** A table's lines, cells split on runs of 2+ spaces, the AGE cell (column {@code age}) "*". */
  private static List<List<String>> table(String stdout) {
    List<String> lines = stdout.strip().lines().toList();
    int age = List.of(lines.get(0).trim().split("\\s{2,}")).indexOf("AGE");
    List<List<String>> out = new ArrayList<>();
    for (String l : lines) {
      List<String> cells = new ArrayList<>(List.of(l.trim().split("\\s{2,}")));
      if (out.size() > 0 && age >= 0 && age < cells.size()) {
        cells.set(age, "*");
      }
      out.add(cells);
    }
    return out;
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerGetsExactlyTheNodesHerTenantSelectsInTheApiServersTable(
      String version, ControlPlane cp) {
    // given
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    Kubectl kubectl = ServedNamespaces.kubectl(proxy, f.alice(), version);
    Kubectl admin = Kubectl.version(version, cp.adminKubeconfig());

    // then: her table is the admin's direct table of those nodes, plain and wide (the node
    // lifecycle controller may still be updating the nodes: compare until both agree)
    for (String wide : List.of("", "wide")) {
      await()
          .atMost(BOUND)
          .untilAsserted(
              () -> {
                List<String> args = new ArrayList<>(List.of("get", "nodes"));
                if (!wide.isEmpty()) {
                  args.addAll(List.of("-o", "wide"));
                }
                List<List<String>> mine =
                    table(ok(kubectl.run(BOUND, args.toArray(String[]::new))).stdout());
                args.add(2, f.in1());
                args.add(3, f.in2());
                List<List<String>> direct =
                    table(ok(admin.run(BOUND, args.toArray(String[]::new))).stdout());
                assertThat(mine).isEqualTo(direct);
              });
    }
    List<List<String>> rows = table(ok(kubectl.run(BOUND, "get", "nodes")).stdout());
    assertThat(rows.get(0)).containsExactly("NAME", "STATUS", "ROLES", "AGE", "VERSION");
    assertThat(rows).hasSize(3);
    assertThat(rows.get(rows.get(1).get(0).equals(f.in1()) ? 1 : 2))
        .containsExactly(f.in1(), "Ready", "worker", "*", "v1.35.4");

    // and the Table's column definitions (descriptions included) are the API server's: the admin
    // is no Capsule user, so the proxy passes the admin's request through unchanged
    String tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io";
    var served = get(null, proxy, f.alice(), "/api/v1/nodes/" + f.in1(), tableAccept);
    var direct = get(null, proxy, cp.admin(), "/api/v1/nodes/" + f.in1(), tableAccept);
    assertThat(served.status()).as(served.body()).isEqualTo(200);
    assertThat(direct.status()).as(direct.body()).isEqualTo(200);
    assertThat(new JsonObject(served.body()).getJsonArray("columnDefinitions"))
        .isEqualTo(new JsonObject(direct.body()).getJsonArray("columnDefinitions"));

    // and field selectors are the API server's
    assertThat(
            ok(kubectl.run(
                    BOUND,
                    "get",
                    "nodes",
                    "--field-selector",
                    "spec.unschedulable=true",
                    "-o",
                    "name"))
                .stdout()
                .strip())
        .isEqualTo("node/" + f.in2());

    // and a get of hers works; another tenant's node and an unselected one are NotFound like a
    // missing one
    assertThat(ok(kubectl.run(BOUND, "get", "node", f.in1(), "-o", "name")).stdout().strip())
        .isEqualTo("node/" + f.in1());
    ClusterKindChecks.hiddenLikeMissing(kubectl, "node", List.of(f.other(), f.loose()));

    // and an owner whose tenant has no nodeSelector gets exactly the API server's answer
    ClusterKindChecks.ungrantedGetsTheApiServersAnswer(proxy, f.carol(), version, "nodes");

    // and access reviews agree with what is served: alice may list nodes, carol gets the API
    // server's answer
    ClusterKindChecks.accessReviewsAgree(kubectl, proxy, f.carol(), version, "nodes");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void watchShowsNodeAddedWhenLabelledToMatchAndDeletedWhenNodeSelectorChangesAway(
      String version, ControlPlane cp) throws Exception {
    // given alice watching her nodes
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    try (Kubectl.Running w =
        Kubectl.version(version, proxy.kubeconfig(f.alice()))
            .start("get", "nodes", "-w", "--output-watch-events")) {
      await()
          .atMost(BOUND)
          .until(() -> events(w).containsAll(List.of("ADDED " + f.in1(), "ADDED " + f.in2())));

      // when the admin labels a node to match her tenant's nodeSelector
      cp.adminClient()
          .nodes()
          .withName(f.loose())
          .edit(
              n -> {
                n.getMetadata().getLabels().put("pool", f.pool());
                return n;
              });
      // then it appears
      await().atMost(BOUND).until(() -> events(w).contains("ADDED " + f.loose()));

      // when the admin changes the tenant's nodeSelector away from them
      cp.capsule().setNodeSelector(f.tenant(), Map.of("pool", unique("elsewhere")));
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
      assertThat(events(w)).noneMatch(e -> e.endsWith(" " + f.other()));
      assertThat(w.stderr()).isEmpty();
    }
  }

  /** The lines of {@code kubectl get nodes -w --output-watch-events} as {@code EVENT NAME}. */
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

  @Test
  void protobufTablesAndOldResourceVersionsNeverYieldAnotherTenantsNode(ControlPlane cp) {
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    Fixture f = fixture(cp, proxy);
    ClusterKindChecks.leakAttempts(
        proxy,
        f.alice(),
        "/api/v1/nodes",
        List.of(f.in1(), f.in2()),
        List.of(f.other(), f.loose()),
        () -> {
          for (String n : List.of(f.other(), f.loose(), f.in1())) {
            cp.adminClient().nodes().withName(n).edit(ClusterKindChecks::touched);
          }
        });
  }
}
