package dev.tenantproxy.e2e.rbacsync;

import static dev.tenantproxy.e2e.rbacsync.DirectMode.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.process.BackgroundJvm;
import dev.tenantproxy.proxy.cli.Main;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two {@code tenant-proxy rbac-sync} processes (separate JVMs, the real command line) against one
 * API server, as a ServiceAccount with exactly the documented RBAC: exactly one holds the Lease and
 * writes, the managed objects do not flap, and when the leader is killed (SIGKILL: no lease
 * release) the other takes over within the lease time.
 */
@ExtendWith(ControlPlaneExtension.class)
class TwoRbacSyncProcessesIT {
  private static final Duration LEASE = Duration.ofSeconds(4);
  private static final Duration RETRY = Duration.ofMillis(500);
  private static final Duration BOUND = Duration.ofSeconds(90);

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stopProcesses() {
    processes.forEach(p -> BackgroundJvm.stop(p.toHandle(), Duration.ofSeconds(10)));
  }

  private Process rbacSync(Path kubeconfig, String lease, String identity, Path log)
      throws IOException {
    Process p =
        BackgroundJvm.start(
            Main.class,
            List.of(
                "rbac-sync",
                "--kubeconfig=" + kubeconfig,
                "--leader-election-namespace=" + DirectMode.LEASE_NAMESPACE,
                "--leader-election-lease-name=" + lease,
                "--leader-election-identity=" + identity,
                "--leader-election-lease-duration=" + LEASE.toMillis() + "ms",
                "--leader-election-renew-deadline=3s",
                "--leader-election-retry-period=" + RETRY.toMillis() + "ms"),
            log);
    processes.add(p);
    return p;
  }

  private static String holder(ControlPlane cp, String lease) {
    Lease l =
        cp.adminClient().leases().inNamespace(DirectMode.LEASE_NAMESPACE).withName(lease).get();
    return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
  }

  private static ClusterRole role(ControlPlane cp, String tenant) {
    return cp.adminClient().rbac().clusterRoles().withName("tenant-proxy-direct:" + tenant).get();
  }

  private static boolean roleHas(ControlPlane cp, String tenant, String namespace) {
    ClusterRole r = role(cp, tenant);
    return r != null
        && r.getRules().stream()
            .anyMatch(
                rule ->
                    rule.getResources().contains("namespaces")
                        && rule.getResourceNames().contains(namespace));
  }

  @Test
  void oneWriterNoFlappingAndTheOtherTakesOverWithinTheLeaseTimeWhenTheLeaderIsKilled(
      ControlPlane cp) throws Exception {
    // given two replicas
    Path kubeconfig = DirectMode.leastPrivilegedRbacSync(cp).kubeconfig();
    String lease = unique("rbac-sync");
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "rbac-sync-");
    Map<String, Path> logs =
        Map.of("replica-a", dir.resolve("a.log"), "replica-b", dir.resolve("b.log"));
    Map<String, Process> replicas =
        Map.of(
            "replica-a", rbacSync(kubeconfig, lease, "replica-a", logs.get("replica-a")),
            "replica-b", rbacSync(kubeconfig, lease, "replica-b", logs.get("replica-b")));
    String solar = unique("solar");
    cp.capsule().createTenant(solar, Owner.user(unique("alice")));
    cp.capsule().createNamespace(solar, solar + "-dev");
    await().atMost(BOUND).until(() -> roleHas(cp, solar, solar + "-dev"));
    String leader = holder(cp, lease);
    assertThat(leader).isIn("replica-a", "replica-b");
    String follower = leader.equals("replica-a") ? "replica-b" : "replica-a";
    // the follower is up too (its informers synced; it logs who the leader is)
    await()
        .atMost(BOUND)
        .until(() -> Files.readString(logs.get(follower)).contains("leader is " + leader));

    // then: one writer, nothing flaps (the role's resourceVersion and the holder stay put)
    String rv = role(cp, solar).getMetadata().getResourceVersion();
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                leader.equals(holder(cp, lease))
                    && rv.equals(role(cp, solar).getMetadata().getResourceVersion()));
    assertThat(Files.readString(logs.get(follower))).doesNotContain(follower + " is the leader");

    // when the leader is killed without releasing the lease
    long killed = System.nanoTime();
    replicas.get(leader).destroyForcibly().waitFor();
    await()
        .atMost(BOUND)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> follower.equals(holder(cp, lease)));
    Duration takeover = Duration.ofNanos(System.nanoTime() - killed);

    // then the follower writes: a new namespace reaches the role
    cp.capsule().createNamespace(solar, solar + "-prod");
    await().atMost(BOUND).until(() -> roleHas(cp, solar, solar + "-prod"));
    System.out.printf(
        "rbac-sync: takeover after leader kill %d ms (lease %d ms, retry %d ms)%n",
        takeover.toMillis(), LEASE.toMillis(), RETRY.toMillis());
    // the lease must expire first (up to LEASE after the last renewal); then one retry period
    assertThat(takeover).isLessThan(LEASE.plus(RETRY).plus(RETRY).plus(Duration.ofSeconds(1)));
  }
}
