package dev.tenantproxy.e2e.allnamespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import dev.tenantproxy.proxy.serve.allnamespaces.AllNamespaces;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark L8: an owner of 5 and of 50 namespaces (2 pods each) runs {@code get pods -A} through
 * the proxy (one merged list, JSON and Table, as kubectl asks: {@code limit=500}) versus the same
 * user listing each namespace straight on the API server in a loop (what she must do without the
 * proxy). One request at a time, like one kubectl. Also: upstream requests per merged list and
 * upstream watches held by one {@code -A -w}. Off by default: {@code -Dbench=L8} (and {@code
 * -Dbench.seconds=10}); writes {@code target/benchmarks/L8-allnamespaces.md}.
 */
@ExtendWith(ControlPlaneExtension.class)
class AllNamespacesBenchIT {
  private static final String TABLE =
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

  @TempDir Path dir;

  private record Row(
      int namespaces,
      String format,
      double proxyOps,
      double directOps,
      double proxyP50,
      double directP50,
      double proxyP99,
      double directP99,
      double upstreamPerList) {}

  @Test
  void getPodsAllNamespacesVersusLoopingDirect(ControlPlane cp) throws Exception {
    assumeTrue("L8".equals(System.getProperty("bench")), "run with -Dbench=L8");
    int seconds = Integer.getInteger("bench.seconds", 10);
    ProxyInFront proxy = ProxyInFront.start(cp, dir, true);
    List<Row> rows = new ArrayList<>();
    List<String> watchLines = new ArrayList<>();
    try {
      for (int n : new int[] {5, 50}) {
        String id = Long.toHexString(System.nanoTime());
        KubeUser owner = cp.users().certificate("l8-" + id, Capsule.CAPSULE_USERS_GROUP);
        String tenant = "l8-" + id;
        cp.capsule().createTenant(tenant, Owner.user(owner.name()));
        List<String> namespaces = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          String ns = String.format("%s-%02d", tenant, i);
          cp.capsule().createNamespace(tenant, ns);
          namespaces.add(ns);
        }
        for (String ns : namespaces) {
          await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () ->
                      cp.adminClient().serviceAccounts().inNamespace(ns).withName("default").get()
                          != null);
          for (int p = 0; p < 2; p++) {
            cp.adminClient()
                .pods()
                .inNamespace(ns)
                .resource(
                    new PodBuilder()
                        .withNewMetadata()
                        .withName("pod-" + p)
                        .endMetadata()
                        .withNewSpec()
                        .withAutomountServiceAccountToken(false)
                        .addNewContainer()
                        .withName("c")
                        .withImage("nginx:1.27")
                        .endContainer()
                        .endSpec()
                        .build())
                .create();
          }
        }
        HttpClient viaProxy = client(owner, proxy.caPem());
        HttpClient direct = client(owner, cp.caPem());
        String all = proxy.url() + "/api/v1/pods?limit=500";
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> items(get(viaProxy, all, "application/json")) == 2 * n);
        for (String format : List.of("application/json", TABLE)) {
          // warm-up
          loop(Duration.ofSeconds(2), () -> get(viaProxy, all, format));
          loop(Duration.ofSeconds(2), () -> eachNamespace(direct, cp, namespaces, format));
          long upBefore = AllNamespaces.upstreamRequests();
          long[] p = loop(Duration.ofSeconds(seconds), () -> get(viaProxy, all, format));
          double perList = (AllNamespaces.upstreamRequests() - upBefore) / (double) p.length;
          long[] d =
              loop(
                  Duration.ofSeconds(seconds), () -> eachNamespace(direct, cp, namespaces, format));
          rows.add(
              new Row(
                  n,
                  format.startsWith("application/json;as=Table") ? "Table" : "JSON",
                  p.length / (double) seconds,
                  d.length / (double) seconds,
                  pct(p, 0.5),
                  pct(d, 0.5),
                  pct(p, 0.99),
                  pct(d, 0.99),
                  perList));
        }
        // one -A -w: upstream watches held
        int before = AllNamespaces.openUpstreamWatches();
        CompletableFuture<HttpResponse<Void>> watch =
            viaProxy.sendAsync(
                HttpRequest.newBuilder(URI.create(proxy.url() + "/api/v1/pods?watch=true")).build(),
                HttpResponse.BodyHandlers.discarding());
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> AllNamespaces.openUpstreamWatches() - before == n);
        watchLines.add("| " + n + " | " + (AllNamespaces.openUpstreamWatches() - before) + " |");
        watch.cancel(true);
      }
    } finally {
      proxy.close();
    }
    String table = table(rows, watchLines, seconds);
    System.out.println(table);
    Path out = Path.of("target", "benchmarks");
    Files.createDirectories(out);
    Files.writeString(out.resolve("L8-allnamespaces.md"), table);
    assertThat(rows).allMatch(r -> r.proxyOps() > 0 && r.directOps() > 0);
  }

  private static String table(List<Row> rows, List<String> watches, int seconds) {
    StringBuilder sb = new StringBuilder();
    sb.append("# L8 all-namespaces list: `get pods -A` through the proxy vs looping direct\n\n");
    sb.append("Run ")
        .append(Instant.now())
        .append(", ")
        .append(seconds)
        .append(" s per cell, 1 request at a time, 2 pods per namespace, limit=500.\n\n");
    sb.append(
        "| namespaces | format | proxy ops/s | direct-loop ops/s | ratio | p50 proxy / direct ms | p99 proxy / direct ms | upstream requests per proxy list |\n");
    sb.append("|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      sb.append(
          String.format(
              "| %d | %s | %.1f | %.1f | %.2f× | %.1f / %.1f | %.1f / %.1f | %.1f |%n",
              r.namespaces(),
              r.format(),
              r.proxyOps(),
              r.directOps(),
              r.proxyOps() / r.directOps(),
              r.proxyP50(),
              r.directP50(),
              r.proxyP99(),
              r.directP99(),
              r.upstreamPerList()));
    }
    sb.append("\n| namespaces | upstream watches held by one `-A -w` |\n|---|---|\n");
    watches.forEach(w -> sb.append(w).append('\n'));
    return sb.toString();
  }

  private interface Op {
    void run() throws Exception;
  }

  /** Runs {@code op} back to back for {@code d}; returns the sorted latencies in nanoseconds. */
  private static long[] loop(Duration d, Op op) throws Exception {
    List<Long> samples = new ArrayList<>();
    long end = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < end) {
      long t = System.nanoTime();
      op.run();
      samples.add(System.nanoTime() - t);
    }
    long[] out = samples.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(out);
    return out;
  }

  private static double pct(long[] sorted, double q) {
    return sorted.length == 0
        ? 0
        : sorted[(int) Math.min(sorted.length - 1, q * sorted.length)] / 1e6;
  }

  private static void eachNamespace(
      HttpClient c, ControlPlane cp, List<String> namespaces, String format) throws Exception {
    for (String ns : namespaces) {
      get(c, cp.apiServerUrl() + "/api/v1/namespaces/" + ns + "/pods?limit=500", format);
    }
  }

  private static String get(HttpClient c, String url, String accept) throws Exception {
    HttpResponse<String> r =
        c.send(
            HttpRequest.newBuilder(URI.create(url)).header("Accept", accept).build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(url + " -> " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  private static int items(String list) {
    return Objects.requireNonNullElse(
            new JsonObject(list).getJsonArray("items"), new io.vertx.core.json.JsonArray())
        .size();
  }

  private static HttpClient client(KubeUser user, String caPem) {
    return HttpClient.newBuilder()
        .sslContext(JdkTls.forUser(user, caPem))
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }
}
