package dev.tenantproxy.e2e.proxy;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.e2e.load.ClosedLoop;
import dev.tenantproxy.e2e.load.ProxyProcess;
import dev.tenantproxy.e2e.load.ProxyVitals;
import dev.tenantproxy.e2e.load.VertxClosedLoop;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import dev.tenantproxy.e2e.sandbox.ProxyInFront.Upstream;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark L2 (docs benchmarks.md): pass-through overhead. A tenant owner GETs one ConfigMap in an
 * own namespace with 64 requests in flight (HTTP/2, the owner's client certificate), through
 * tenant-proxy and straight to the API server, in alternating rounds of the same run. Prints a
 * table and writes it to {@code target/benchmarks/L2-passthrough.md}. Off by default: run with
 * {@code -Dbench=L2} (and e.g. {@code -Dbench.seconds=20 -Dbench.rounds=3 -Dbench.concurrency=64}).
 * By default the proxy runs in the test JVM ({@link ProxyInFront}, its audit lines on the test's
 * stdout); {@code -Dbench.proxy=process} runs it as users run it instead, a separate JVM ({@link
 * ProxyProcess}, its output to a file), so the load generator and the proxy do not share a JVM.
 *
 * <p>The load generator ({@code -Dbench.client}): {@code vertx} (default) is {@link
 * VertxClosedLoop}, Vert.x 5 on BoringSSL; {@code jdk} is {@link ClosedLoop} on the JDK's {@code
 * java.net.http} and TLS, the generator of the figures before the fourth pass of lean.md. Either
 * way, proxy and direct get the same shape: one client with the owner's certificate, one HTTP/2
 * connection carrying all {@code bench.concurrency} streams, every body read and every status
 * checked. {@code -Dbench.warmup} (seconds per target, default 10) runs both targets before the
 * measured rounds, so the rounds measure compiled code rather than the JIT.
 *
 * <p>{@code -Dbench.proxy.upstream} ({@code impersonation}, the default, or {@code request-header})
 * is how the proxy makes the owner's requests upstream ({@link Upstream}); the report names it in
 * its first line, and its file name ends in {@code -request-header} for the latter, so that an A/B
 * of two runs reads side by side.
 */
@ExtendWith(ControlPlaneExtension.class)
class PassThroughBenchIT {
  private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 64);
  private static final boolean PROCESS = "process".equals(System.getProperty("bench.proxy"));
  private static final int WARMUP = Integer.getInteger("bench.warmup", 10);
  private static final String CLIENT = System.getProperty("bench.client", "vertx");
  private static final Upstream UPSTREAM =
      Upstream.labelled(System.getProperty("bench.proxy.upstream", "impersonation"));

  @TempDir Path dir;

  private record Round(String target, double rps, double p50ms, double p99ms, long errors) {}

  @Test
  void passThroughOverheadVersusDirect(ControlPlane cp) throws Exception {
    assumeTrue("L2".equals(System.getProperty("bench")), "run with -Dbench=L2");
    if (!CLIENT.equals("jdk") && !CLIENT.equals("vertx")) {
      throw new IllegalArgumentException("-Dbench.client must be jdk or vertx, not " + CLIENT);
    }
    int seconds = Integer.getInteger("bench.seconds", 20);
    int rounds = Integer.getInteger("bench.rounds", 3);
    String id = Long.toHexString(System.nanoTime());
    KubeUser owner = cp.users().certificate("bench-" + id, Capsule.CAPSULE_USERS_GROUP);
    cp.capsule().createTenant("bench-" + id, Owner.user(owner.name()));
    String ns = "bench-" + id + "-dev";
    cp.capsule().createNamespace("bench-" + id, ns);
    cp.adminClient()
        .configMaps()
        .inNamespace(ns)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("target")
                .endMetadata()
                .addToData("k", "v")
                .build())
        .create();
    String path = "/api/v1/namespaces/" + ns + "/configmaps/target";
    String[] cert = {owner.certificatePem().orElseThrow(), owner.privateKeyPem().orElseThrow()};
    List<Round> results = new ArrayList<>();
    List<String> cpu = new ArrayList<>();
    List<ProxyVitals.CpuRound> proxyCpu = new ArrayList<>();
    String cpuHeader = "";
    String memory = "";
    ProxyInFront inJvm = null;
    ProxyProcess process = null;
    String proxyUrl;
    String proxyCa;
    if (PROCESS) {
      process =
          ProxyProcess.start(
              cp, dir.resolve("proxy"), Pki.newCa("tenant-proxy-bench-ca"), UPSTREAM);
      process.awaitReady(Duration.ofMinutes(2));
      proxyUrl = process.url();
      proxyCa = process.pki().caPem();
    } else {
      inJvm = ProxyInFront.start(cp, dir, true, UPSTREAM, c -> c);
      proxyUrl = inJvm.url();
      proxyCa = inJvm.caPem();
    }
    try (Load direct = load(cert, cp.caPem(), cp.apiServerUrl() + path);
        Load viaProxy = load(cert, proxyCa, proxyUrl + path)) {
      direct.run(WARMUP); // warm-up: the JIT compiles both paths before the measured rounds
      viaProxy.run(WARMUP);
      Map<String, List<Long>> pids = ProxyVitals.processes(cp, process);
      cpuHeader = ProxyVitals.cpuHeader(pids);
      for (int i = 0; i < rounds; i++) {
        Map<String, Long> before = ProxyVitals.cpuTicks(pids);
        ClosedLoop.Result d = direct.run(seconds);
        cpu.add(cpuPerRequest("direct", i + 1, before, ProxyVitals.cpuTicks(pids), d.count()));
        results.add(summarize("direct", d));
        before = ProxyVitals.cpuTicks(pids);
        ClosedLoop.Result p = viaProxy.run(seconds);
        Map<String, Long> after = ProxyVitals.cpuTicks(pids);
        cpu.add(cpuPerRequest("proxy", i + 1, before, after, p.count()));
        proxyCpu.add(new ProxyVitals.CpuRound(before, after, p.count()));
        results.add(summarize("proxy", p));
      }
      if (process != null) {
        memory =
            "\nProxy JVM options `"
                + ProxyVitals.jvmOptions(process)
                + "`; its memory right after the rounds:\n\n"
                + ProxyVitals.Memory.header()
                + ProxyVitals.memory(process).row("after the L2 rounds");
      }
    } finally {
      if (inJvm != null) {
        inJvm.close();
      }
      if (process != null) {
        process.close();
      }
    }
    String table = table(results, seconds, rounds) + cpuTable(cpuHeader, cpu, proxyCpu) + memory;
    System.out.println(table);
    Path out = Path.of("target", "benchmarks");
    Files.createDirectories(out);
    Files.writeString(
        out.resolve(
            "L2-passthrough-c"
                + CONCURRENCY
                + (PROCESS ? "-process" : "")
                + (UPSTREAM == Upstream.IMPERSONATION ? "" : "-" + UPSTREAM.label())
                + ".md"),
        table);
  }

  /** One target's closed loop: {@link #CONCURRENCY} loops GETting one URL with one client. */
  private interface Load extends AutoCloseable {
    ClosedLoop.Result run(int seconds);

    @Override
    void close();
  }

  private static Load load(String[] cert, String caPem, String url) throws IOException {
    if (CLIENT.equals("vertx")) {
      VertxClosedLoop loop =
          new VertxClosedLoop(List.of(new VertxClosedLoop.Caller(cert[0], cert[1], caPem)));
      // the first answer of each loop must be the ConfigMap itself
      VertxClosedLoop.Request request =
          new VertxClosedLoop.Request(url, "application/json", "\"name\":\"target\"");
      return new Load() {
        @Override
        public ClosedLoop.Result run(int seconds) {
          return loop.run(request, CONCURRENCY, Duration.ofSeconds(seconds));
        }

        @Override
        public void close() {
          loop.close();
        }
      };
    }
    HttpClient client = client(cert, caPem);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/json").build();
    return new Load() {
      @Override
      public ClosedLoop.Result run(int seconds) {
        return ClosedLoop.run(client, request, CONCURRENCY, Duration.ofSeconds(seconds));
      }

      @Override
      public void close() {}
    };
  }

  private static Round summarize(String target, ClosedLoop.Result r) {
    return new Round(target, r.rps(), r.p50ms(), r.p99ms(), r.errors());
  }

  private static String table(List<Round> rounds, int seconds, int n) {
    StringBuilder sb = new StringBuilder();
    sb.append("# L2 pass-through: GET one ConfigMap, ")
        .append(CONCURRENCY)
        .append(" in flight over one HTTP/2 connection, load generator ")
        .append(
            CLIENT.equals("vertx")
                ? "Vert.x 5 on BoringSSL (-Dbench.client=vertx)"
                : "JDK java.net.http with JDK TLS (-Dbench.client=jdk)")
        .append(", proxy ")
        .append(PROCESS ? "in a separate JVM (as users run it)" : "in the test JVM (ProxyInFront)")
        .append(", upstream as the caller by ")
        .append(
            UPSTREAM == Upstream.IMPERSONATION
                ? "impersonation (-Dbench.proxy.upstream=impersonation)"
                : "request headers (-Dbench.proxy.upstream=request-header)")
        .append("\n\n");
    sb.append("Run ")
        .append(Instant.now())
        .append(", ")
        .append(n)
        .append(" alternating rounds of ")
        .append(seconds)
        .append(" s after a warm-up of ")
        .append(WARMUP)
        .append(" s per target, machine: ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, ")
        .append(System.getProperty("java.vm.name"))
        .append(' ')
        .append(System.getProperty("java.version"))
        .append(", load average at the end ")
        .append(loadAverage())
        .append(".\n\n");
    sb.append("| round | target | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|\n");
    int i = 0;
    for (Round r : rounds) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %d | %s | %.0f | %.2f | %.2f | %d |%n",
              i++ / 2 + 1,
              r.target(),
              r.rps(),
              r.p50ms(),
              r.p99ms(),
              r.errors()));
    }
    double directRps = median(rounds, "direct", Round::rps);
    double proxyRps = median(rounds, "proxy", Round::rps);
    double directP50 = median(rounds, "direct", Round::p50ms);
    double proxyP50 = median(rounds, "proxy", Round::p50ms);
    sb.append(
        String.format(
            Locale.ROOT,
            "%nMedians: direct %.0f req/s p50 %.2f ms; proxy %.0f req/s p50 %.2f ms.%n"
                + "Proxy throughput = %.0f%% of direct (target >= 90%%); p50 added = %.2f ms (target <= 1 ms).%n",
            directRps,
            directP50,
            proxyRps,
            proxyP50,
            100 * proxyRps / directRps,
            proxyP50 - directP50));
    return sb.toString();
  }

  private static double median(
      List<Round> rounds, String target, java.util.function.ToDoubleFunction<Round> f) {
    double[] v =
        rounds.stream().filter(r -> r.target().equals(target)).mapToDouble(f).sorted().toArray();
    return v.length == 0 ? Double.NaN : v[v.length / 2];
  }

  // ---- CPU per request by process (/proc/<pid>/stat utime + stime) ----------------------------

  /** One markdown row: CPU microseconds per request of each column of {@code before}, and a sum. */
  private static String cpuPerRequest(
      String target, int round, Map<String, Long> before, Map<String, Long> after, int requests) {
    StringBuilder row = new StringBuilder("| " + round + " | " + target + " | " + requests + " |");
    double total = 0;
    for (String c : before.keySet()) {
      double us = ProxyVitals.cpuMicros(c, before, after, requests);
      if (Double.isNaN(us)) {
        row.append(" - |");
      } else {
        if (!c.startsWith("proxy ")) { // the proxy's thread classes are parts of "proxy"
          total += us;
        }
        row.append(String.format(Locale.ROOT, " %.0f |", us));
      }
    }
    return row.append(String.format(Locale.ROOT, " %.0f |", total)).toString();
  }

  private static String cpuTable(
      String header, List<String> rows, List<ProxyVitals.CpuRound> proxyRounds) {
    String[] lines = header.split("\n");
    StringBuilder sb =
        new StringBuilder(
            "\nCPU per request, microseconds (utime + stime from /proc, 10 ms ticks; the proxy's"
                + " also by thread class from /proc/<pid>/task; \"proxy\" is \"-\" when the proxy"
                + " runs in the test JVM; the sum counts each process once):\n\n"
                + lines[0]
                + " sum µs |\n"
                + lines[1]
                + "---|\n");
    rows.forEach(r -> sb.append(r).append('\n'));
    String medians = ProxyVitals.proxyCpuMedians(proxyRounds);
    if (!medians.isEmpty()) {
      sb.append("\nProxy CPU per request through the proxy, median of rounds: ")
          .append(medians)
          .append(".\n");
    }
    return sb.toString();
  }

  private static String loadAverage() {
    try {
      String[] l = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return l[0] + " " + l[1] + " " + l[2];
    } catch (IOException e) {
      return "?";
    }
  }

  private static HttpClient client(String[] certAndKey, String caPem) throws IOException {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_2)
        .sslContext(JdkTls.sslContext(certAndKey[0], certAndKey[1], caPem))
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }
}
