package dev.tenantproxy.e2e.rbacsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.load.Fleet;
import dev.tenantproxy.proxy.rbacsync.RbacSync;
import dev.tenantproxy.proxy.rbacsync.RbacSyncProcess;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * rbac-sync on the 2,000-tenant fleet of benchmarks.md: time to converge from nothing, API writes
 * for it and per ownership change, the number and total size of the managed objects. Off by
 * default: {@code -Dbench=rbac-sync} ({@code -Dbench.tenants=2000}). Writes {@code
 * target/benchmarks/rbac-sync.md}.
 */
@ExtendWith(ControlPlaneExtension.class)
class RbacSyncBenchIT {
  private static final Duration BOUND = Duration.ofMinutes(10);

  @Test
  void fleetObjectsAndWritesPerOwnershipChange(ControlPlane cp) throws Exception {
    assumeTrue(
        Arrays.asList(System.getProperty("bench", "").split(",")).contains("rbac-sync"),
        "run with -Dbench=rbac-sync");
    int tenants = Integer.getInteger("bench.tenants", 2000);
    KubernetesClient admin = cp.adminClient();
    Fleet fleet = Fleet.create(admin, "rbs", tenants);
    DirectMode.ensureLeaseNamespace(cp);
    List<String> out = new ArrayList<>();
    out.add("# rbac-sync on the fleet (" + tenants + " tenants)");
    out.add("");
    out.add("fleet created in " + fleet.seconds() + " s");

    try (RbacSyncProcess process =
        RbacSyncProcess.start(
            cp.adminKubeconfig(), null, DirectMode.options(DirectMode.unique("bench"), "bench"))) {
      RbacSync sync = process.sync();
      long t0 = System.nanoTime();
      await().atMost(BOUND).until(() -> sync.writes() >= 2L * tenants);
      long convergeMs = (System.nanoTime() - t0) / 1_000_000;
      long initialWrites = quiet(sync);
      out.add(
          "converged from nothing in " + convergeMs + " ms with " + initialWrites + " API writes");

      List<ClusterRole> roles =
          admin
              .rbac()
              .clusterRoles()
              .withLabel("app.kubernetes.io/managed-by", "tenant-proxy-rbac-sync")
              .list()
              .getItems();
      var bindings =
          admin
              .rbac()
              .clusterRoleBindings()
              .withLabel("app.kubernetes.io/managed-by", "tenant-proxy-rbac-sync")
              .list()
              .getItems();
      long roleBytes = bytes(admin, roles);
      long bindingBytes = bytes(admin, bindings);
      out.add(
          String.format(
              "managed objects: %d ClusterRoles (%d bytes JSON, %d per object), %d"
                  + " ClusterRoleBindings (%d bytes, %d per object); total %d bytes",
              roles.size(),
              roleBytes,
              roleBytes / Math.max(1, roles.size()),
              bindings.size(),
              bindingBytes,
              bindingBytes / Math.max(1, bindings.size()),
              roleBytes + bindingBytes));
      assertThat(roles).hasSizeGreaterThanOrEqualTo(tenants);

      // idle: a full resync with nothing changed writes nothing
      long before = sync.writes();
      await()
          .during(Duration.ofSeconds(5))
          .atMost(Duration.ofSeconds(30))
          .until(() -> sync.writes() == before);
      out.add("idle 5 s: " + (sync.writes() - before) + " writes");

      // a namespace moves from tenant 0 to tenant 1
      String moved = fleet.namespaces().get(0).get(4);
      out.add(
          change(
              sync,
              "namespace moved to another tenant",
              () -> cp.capsule().moveNamespace(moved, "rbs-t1"),
              () -> roleHas(admin, "rbs-t1", moved) && !roleHas(admin, "rbs-t0", moved)));
      // a namespace added to tenant 2
      String added = "rbs-t2-extra";
      out.add(
          change(
              sync,
              "namespace added",
              () -> cp.capsule().createNamespace("rbs-t2", added),
              () -> roleHas(admin, "rbs-t2", added)));
      // an owner removed from tenant 3 (its group stays)
      out.add(
          change(
              sync,
              "owner removed",
              () -> {
                GenericKubernetesResource t = cp.capsule().tenant("rbs-t3");
                t.setAdditionalProperty(
                    "spec", Map.of("owners", List.of(Owner.group("rbs-group-0").toMap())));
                admin.genericKubernetesResources(Capsule.TENANTS).resource(t).update();
                cp.capsule().reconcile("rbs-t3");
              },
              () ->
                  admin
                          .rbac()
                          .clusterRoleBindings()
                          .withName("tenant-proxy-direct:rbs-t3")
                          .get()
                          .getSubjects()
                          .size()
                      == 1));
    }
    Path file = Path.of("target", "benchmarks", "rbac-sync.md");
    Files.createDirectories(file.getParent());
    Files.write(file, out, StandardCharsets.UTF_8);
    out.forEach(System.out::println);
  }

  private static String change(
      RbacSync sync, String what, Runnable action, BooleanSupplier applied) {
    long before = sync.writes();
    long t0 = System.nanoTime();
    action.run();
    await().atMost(BOUND).pollInterval(Duration.ofMillis(20)).until(applied::getAsBoolean);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    quiet(sync);
    return what
        + ": applied "
        + ms
        + " ms after the change began, "
        + (sync.writes() - before)
        + " API writes";
  }

  /** Waits until the write count holds still for 3 s; returns it. */
  private static long quiet(RbacSync sync) {
    long[] last = {-1};
    await()
        .atMost(BOUND)
        .pollInterval(Duration.ofSeconds(3))
        .until(
            () -> {
              long now = sync.writes();
              boolean still = now == last[0];
              last[0] = now;
              return still;
            });
    return last[0];
  }

  private static boolean roleHas(KubernetesClient admin, String tenant, String ns) {
    ClusterRole r = admin.rbac().clusterRoles().withName("tenant-proxy-direct:" + tenant).get();
    return r != null
        && r.getRules().stream().anyMatch(rule -> rule.getResourceNames().contains(ns));
  }

  private static long bytes(KubernetesClient admin, List<? extends HasMetadata> objects) {
    long total = 0;
    for (HasMetadata o : objects) {
      total += admin.getKubernetesSerialization().asJson(o).getBytes(StandardCharsets.UTF_8).length;
    }
    return total;
  }
}
