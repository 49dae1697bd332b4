package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.TABLE;
import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.grantedOwner;
import static dev.tenantproxy.e2e.namespaces.ClusterKindFixtures.tenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.e2e.load.ClosedLoop;
import dev.tenantproxy.e2e.load.ProxyProcess;
import dev.tenantproxy.e2e.load.ProxyVitals;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9's benchmark of the served cluster-scoped kinds: list throughput of 200 nodes and 50
 * storage classes by 64 owners through the proxy versus the API server asked directly in the same
 * run, and the proxy's memory per served object.
 *
 * <p>Fixture: Node objects created in the API server (no kubelet), label {@value #POOL} = {@code
 * p<i % 16>}; storage classes, label {@value #CLASS_POOL} = {@code c<i % 10>}; 64 tenants, each
 * with one owner (own client certificate, own HTTP/2 connection, as in L1) holding {@code List}
 * grants of Nodes and StorageClasses, {@code spec.nodeSelector} = one node pool (12 or 13 nodes)
 * and {@code spec.storageClasses.matchLabels} = one class pool (5 classes).
 *
 * <p>Direct, an owner's RBAC forbids listing nodes or classes (cluster scope; the test checks the
 * 403), so the baselines are an admin of its own per caller (group {@code system:masters}, own
 * certificate and connection) asking (a) the same question with the pool's label selector (the same
 * rows: the fair ratio) and (b) the whole list (issue 9's "admin's direct list").
 *
 * <p>The proxy runs as users run it (a separate JVM, {@link ProxyProcess}); its CPU per request
 * from /proc, its RSS and heap from {@link ProxyVitals}. Memory per served object: live heap after
 * a full GC (and RSS) before and after {@code -Dbench.kinds.objects} (2,000) more storage classes,
 * then as many more nodes, are synced (an extra owner sees them all).
 *
 * <p>Off by default: {@code -Dbench=kinds} (options {@code -Dbench.seconds=8 -Dbench.rounds=2
 * -Dbench.kinds.owners=64 -Dbench.kinds.objects=2000}); writes {@code
 * target/benchmarks/cluster-kinds.md}.
 */
@ExtendWith(ControlPlaneExtension.class)
class ClusterKindsBenchIT {
  private static final int OWNERS = Integer.getInteger("bench.kinds.owners", 64);
  private static final int NODES = Integer.getInteger("bench.kinds.nodes", 200);
  private static final int CLASSES = Integer.getInteger("bench.kinds.classes", 50);
  private static final int OBJECTS = Integer.getInteger("bench.kinds.objects", 2000);
  private static final int SECONDS = Integer.getInteger("bench.seconds", 8);
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 2);
  private static final int NODE_POOLS = 16;
  private static final int CLASS_POOLS = 10;
  private static final String POOL = "bench.tenant-proxy.dev/pool";
  private static final String CLASS_POOL = "bench.tenant-proxy.dev/class-pool";
  private static final String RUN = "bench.tenant-proxy.dev/run";
  private static final Duration BOUND = Duration.ofMinutes(3);

  @TempDir Path dir;

  private record Kind(String name, String path, String label, int pools) {
    String pool(int owner) {
      return (label.equals(POOL) ? "p" : "c") + (owner % pools);
    }
  }

  private record Row(
      int round, String kind, String format, String target, ClosedLoop.Result r, double cpuUs) {}

  @Test
  void servedNodesAndClassesVersusDirect(ControlPlane cp) throws Exception {
    assumeTrue(ProxyVitals.enabled("kinds"), "run with -Dbench=kinds");
    KubernetesClient admin = cp.adminClient();
    String id = Long.toHexString(System.nanoTime()).substring(6);
    List<Kind> kinds =
        List.of(
            new Kind("nodes", "/api/v1/nodes", POOL, NODE_POOLS),
            new Kind(
                "storageclasses",
                "/apis/storage.k8s.io/v1/storageclasses",
                CLASS_POOL,
                CLASS_POOLS));
    StringBuilder report = new StringBuilder("# Served cluster-scoped kinds (issue 9)\n\n");
    long t0 = System.nanoTime();
    parallel(NODES, i -> node(admin, "kb" + id + "-node-" + i, id, "p" + (i % NODE_POOLS)));
    parallel(
        CLASSES, i -> storageClass(admin, "kb" + id + "-sc-" + i, id, "c" + (i % CLASS_POOLS)));
    List<KubeUser> owners = new ArrayList<>();
    List<KubeUser> admins = new ArrayList<>();
    for (int i = 0; i < OWNERS; i++) {
      String user = "kb" + id + "-owner-" + i;
      owners.add(cp.users().certificate(user, Capsule.CAPSULE_USERS_GROUP));
      admins.add(cp.users().certificate(user + "-direct", "system:masters"));
    }
    parallel(
        OWNERS,
        i ->
            tenant(
                cp,
                "kb" + id + "-t" + i,
                grantedOwner(owners.get(i).name(), "Nodes", "StorageClasses"),
                "nodeSelector",
                Map.of(POOL, kinds.get(0).pool(i)),
                "storageClasses",
                Map.of("matchLabels", Map.of(CLASS_POOL, kinds.get(1).pool(i)))));
    report.append(
        String.format(
            Locale.ROOT,
            "Fixture: %d Node objects (no kubelet) in %d label pools, %d storage classes in %d"
                + " pools, %d tenants each with one owner holding List grants of Nodes and"
                + " StorageClasses and seeing one node pool (%d or %d nodes) and one class pool"
                + " (%d classes); created in %d s.%n%n",
            NODES,
            NODE_POOLS,
            CLASSES,
            CLASS_POOLS,
            OWNERS,
            NODES / NODE_POOLS,
            (NODES + NODE_POOLS - 1) / NODE_POOLS,
            CLASSES / CLASS_POOLS,
            (System.nanoTime() - t0) / 1_000_000_000L));

    // an owner may not list either kind straight at the API server: the baseline is an admin
    HttpClient ownerDirect = client(owners.get(0), cp.caPem());
    for (Kind k : kinds) {
      assertThat(status(ownerDirect, cp.apiServerUrl() + k.path(), "application/json"))
          .as("an owner's direct list of " + k.name())
          .isEqualTo(403);
    }

    try (ProxyProcess proxy =
        ProxyProcess.start(cp, dir.resolve("proxy"), Pki.newCa("tenant-proxy-bench-ca"))) {
      ProxyProcess.Startup startup = proxy.awaitReady(BOUND);
      List<HttpClient> viaProxy = new ArrayList<>();
      List<HttpClient> direct = new ArrayList<>();
      for (int i = 0; i < OWNERS; i++) {
        viaProxy.add(client(owners.get(i), proxy.pki().caPem()));
        direct.add(client(admins.get(i), cp.caPem()));
      }
      // every owner sees exactly the rows the admin's selector list has (the proxy synced)
      for (Kind k : kinds) {
        for (int i = 0; i < OWNERS; i++) {
          String selected = selected(cp, k, i);
          List<String> expected = ServedNamespaces.names(get(direct.get(i), selected, null));
          assertThat(expected).isNotEmpty();
          HttpClient c = viaProxy.get(i);
          await()
              .atMost(BOUND)
              .ignoreExceptions()
              .until(
                  () -> ServedNamespaces.names(get(c, proxy.url() + k.path(), null)),
                  expected::equals);
        }
      }
      ProxyVitals.Memory synced = ProxyVitals.memory(proxy);
      var pids = ProxyVitals.processes(cp, proxy);
      StringBuilder cpu = new StringBuilder(ProxyVitals.cpuHeader(pids));
      List<Row> rows = new ArrayList<>();
      for (int round = 0; round <= ROUNDS; round++) { // round 0: warm-up, not reported
        for (Kind k : kinds) {
          for (String format : List.of("JSON", "Table")) {
            String accept = format.equals("JSON") ? "application/json" : TABLE;
            List<HttpRequest> selector = new ArrayList<>();
            List<HttpRequest> whole = new ArrayList<>();
            List<HttpRequest> proxied = new ArrayList<>();
            for (int i = 0; i < OWNERS; i++) {
              selector.add(request(selected(cp, k, i), accept));
              whole.add(request(cp.apiServerUrl() + k.path(), accept));
              proxied.add(request(proxy.url() + k.path(), accept));
            }
            Duration d = Duration.ofSeconds(round == 0 ? 2 : SECONDS);
            for (String target : List.of("direct, selector", "direct, whole list", "proxy")) {
              List<HttpClient> clients = target.equals("proxy") ? viaProxy : direct;
              List<HttpRequest> requests =
                  target.equals("proxy") ? proxied : target.endsWith("selector") ? selector : whole;
              var before = ProxyVitals.cpuTicks(pids);
              ClosedLoop.Result r = ClosedLoop.run(clients, requests, d);
              var after = ProxyVitals.cpuTicks(pids);
              if (round > 0) {
                String label = k.name() + " " + format + ", " + target;
                cpu.append(ProxyVitals.cpuRow("" + round, label, before, after, r.count()));
                rows.add(
                    new Row(
                        round,
                        k.name(),
                        format,
                        target,
                        r,
                        ProxyVitals.cpuMicros("proxy", before, after, r.count())));
              }
            }
          }
        }
      }
      ProxyVitals.Memory loaded = ProxyVitals.memory(proxy);
      report.append(throughput(rows, kinds));
      report
          .append("\nCPU per request, µs (utime + stime from /proc, 10 ms ticks):\n\n")
          .append(cpu)
          .append('\n');

      // memory per served object: OBJECTS more classes, then OBJECTS more nodes, all visible to
      // one more owner (so that the test knows when the proxy has them)
      KubeUser counter =
          cp.users().certificate("kb" + id + "-counter", Capsule.CAPSULE_USERS_GROUP);
      tenant(
          cp,
          "kb" + id + "-tmem",
          grantedOwner(counter.name(), "Nodes", "StorageClasses"),
          "nodeSelector",
          Map.of(POOL, "mem"),
          "storageClasses",
          Map.of("matchLabels", Map.of(CLASS_POOL, "mem")));
      HttpClient counting = client(counter, proxy.pki().caPem());
      for (Kind k : kinds) { // the counter's view is known (empty) before the objects come
        await()
            .atMost(BOUND)
            .ignoreExceptions()
            .until(() -> status(counting, proxy.url() + k.path(), "application/json") == 200);
      }
      ProxyVitals.memory(proxy); // a first full GC settles what the load left
      ProxyVitals.Memory before = ProxyVitals.memory(proxy);
      StringBuilder mem = new StringBuilder();
      mem.append(ProxyVitals.Memory.header())
          .append(synced.row("fixture synced, before the load"))
          .append(loaded.row("right after the list rounds"))
          .append(before.row("idle, second full GC (baseline)"));
      List<String> perObject = new ArrayList<>();
      ProxyVitals.Memory last = before;
      for (Kind k : List.of(kinds.get(1), kinds.get(0))) {
        long c0 = System.nanoTime();
        parallel(
            OBJECTS,
            i -> {
              String name = "kb" + id + "-mem-" + k.name() + "-" + i;
              if (k.label().equals(POOL)) {
                node(admin, name, id, "mem");
              } else {
                storageClass(admin, name, id, "mem");
              }
            });
        long created = (System.nanoTime() - c0) / 1_000_000_000L;
        await()
            .atMost(BOUND)
            .ignoreExceptions()
            .until(
                () -> ServedNamespaces.names(get(counting, proxy.url() + k.path(), null)).size(),
                n -> n == OBJECTS);
        ProxyVitals.memory(proxy);
        ProxyVitals.Memory now = ProxyVitals.memory(proxy);
        mem.append(
            now.row("+" + OBJECTS + " " + k.name() + " synced (created in " + created + " s)"));
        perObject.add(
            String.format(
                Locale.ROOT,
                "| %s | %d | %.0f | %.0f |%n",
                k.name(),
                OBJECTS,
                (now.heapAfterGc() - last.heapAfterGc()) * 1024 * 1024 / OBJECTS,
                (now.rss() - last.rss()) * 1024 * 1024 / OBJECTS));
        last = now;
      }
      report
          .append("## Memory per served object\n\n")
          .append(
              "Live heap after a full GC (`jcmd GC.run`, twice) and RSS of the proxy, before and"
                  + " after the objects are synced (an owner whose tenant selects them all lists"
                  + " exactly that many through the proxy). Nodes here carry no status (no"
                  + " kubelet), so real nodes cost more.\n\n")
          .append(mem)
          .append("\n| kind | objects added | heap after GC, bytes per object | RSS, bytes per")
          .append(" object |\n|---|---|---|---|\n");
      perObject.forEach(report::append);
      report
          .append(
              String.format(
                  Locale.ROOT,
                  "%nProxy: a separate JVM (pid %d), ready %.2f s after its start; JVM options"
                      + " `%s`.%n%n",
                  proxy.pid(),
                  startup.readySeconds(),
                  ProxyVitals.jvmOptions(proxy)))
          .append(ProxyVitals.machine())
          .append('\n');
      assertThat(rows).allMatch(r -> r.r().count() > 0);
    } finally {
      admin.nodes().withLabel(RUN, id).delete();
      admin.storage().v1().storageClasses().withLabel(RUN, id).delete();
    }
    String text = report.toString();
    System.out.println(text);
    Path out = Path.of("target", "benchmarks");
    Files.createDirectories(out);
    Files.writeString(out.resolve("cluster-kinds.md"), text);
  }

  private static String throughput(List<Row> rows, List<Kind> kinds) {
    StringBuilder sb = new StringBuilder();
    sb.append("## List throughput, ")
        .append(OWNERS)
        .append(" concurrent callers (each its own certificate and HTTP/2 connection), ")
        .append(SECONDS)
        .append(" s per cell\n\n")
        .append("| round | kind | format | target | req/s | p50 ms | p99 ms | errors |")
        .append(" proxy CPU µs/request |\n|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %d | %s | %s | %s | %.0f | %.1f | %.1f | %d | %s |%n",
              r.round(),
              r.kind(),
              r.format(),
              r.target(),
              r.r().rps(),
              r.r().p50ms(),
              r.r().p99ms(),
              r.r().errors(),
              r.target().equals("proxy") ? String.format(Locale.ROOT, "%.0f", r.cpuUs()) : "-"));
    }
    sb.append("\n| kind | format | proxy / direct with selector | proxy / direct whole list |\n")
        .append("|---|---|---|---|\n");
    for (Kind k : kinds) {
      for (String format : List.of("JSON", "Table")) {
        double p = median(rows, k.name(), format, "proxy");
        sb.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %.2f× | %.2f× |%n",
                k.name(),
                format,
                p / median(rows, k.name(), format, "direct, selector"),
                p / median(rows, k.name(), format, "direct, whole list")));
      }
    }
    return sb.append("\n(req/s ratios, median of rounds)\n").toString();
  }

  private static double median(List<Row> rows, String kind, String format, String target) {
    double[] v =
        rows.stream()
            .filter(r -> r.kind().equals(kind) && r.format().equals(format))
            .filter(r -> r.target().equals(target))
            .mapToDouble(r -> r.r().rps())
            .sorted()
            .toArray();
    return v.length == 0
        ? Double.NaN
        : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static String selected(ControlPlane cp, Kind k, int owner) {
    return cp.apiServerUrl()
        + k.path()
        + "?labelSelector="
        + URLEncoder.encode(k.label() + "=" + k.pool(owner), StandardCharsets.UTF_8);
  }

  private static void node(KubernetesClient admin, String name, String run, String pool) {
    admin
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels(POOL, pool)
                .addToLabels(RUN, run)
                .endMetadata()
                .build())
        .create();
  }

  private static void storageClass(KubernetesClient admin, String name, String run, String pool) {
    admin
        .storage()
        .v1()
        .storageClasses()
        .resource(
            new StorageClassBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels(CLASS_POOL, pool)
                .addToLabels(RUN, run)
                .endMetadata()
                .withProvisioner("bench.tenant-proxy.dev/none")
                .build())
        .create();
  }

  private interface Step {
    void run(int i) throws Exception;
  }

  /** Runs {@code step(0..n-1)} with 16 admin requests in flight. */
  private static void parallel(int n, Step step) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        work.add(
            pool.submit(
                () -> {
                  step.run(index);
                  return null;
                }));
      }
      for (Future<?> f : work) {
        f.get(10, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static HttpRequest request(String url, String accept) {
    return HttpRequest.newBuilder(URI.create(url)).header("Accept", accept).build();
  }

  private static HttpClient client(KubeUser user, String caPem) {
    return HttpClient.newBuilder()
        .sslContext(ServedNamespaces.sslContext(user, caPem))
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  private static int status(HttpClient c, String url, String accept) throws Exception {
    return c.send(request(url, accept), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static String get(HttpClient c, String url, String accept) throws Exception {
    HttpResponse<String> r =
        c.send(
            request(url, accept == null ? "application/json" : accept),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(url + " -> " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }
}
