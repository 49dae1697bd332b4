package dev.tenantproxy.e2e.proxy;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tenantproxy.e2e.chart.ChartIdentity;
import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.e2e.load.ClosedLoop;
import dev.tenantproxy.e2e.load.CpuSplit;
import dev.tenantproxy.e2e.load.ProxyProcess;
import dev.tenantproxy.e2e.load.ProxyVitals;
import dev.tenantproxy.e2e.load.ReferenceProxy;
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
import java.util.LinkedHashMap;
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
 * of two runs reads side by side. {@code both} (with {@code -Dbench.proxy=process} only) starts two
 * proxy JVMs, one per mode, and measures direct and both proxies in the same rounds, the order
 * rotating per round, so that the modes compare within one run on a noisy machine; its report
 * ({@code L2-passthrough-c<N>-process-both.md}) ends in a summary of the medians of the rounds:
 * throughput as a share of direct, kube-apiserver CPU per request minus direct's in the same round,
 * and the proxy's own CPU per request.
 *
 * <p>{@code -Dbench.proxy.identity} is the proxy's own identity upstream: {@code chart} (default)
 * the ServiceAccount, ClusterRole and binding of charts/tenant-proxy as helm renders them ({@link
 * ChartIdentity}), with a minted token, so that the impersonation checks go through RBAC as for a
 * proxy deployed by the chart; {@code admin} the control plane's admin kubeconfig, group {@code
 * system:masters}, whose authorization checks the API server answers before RBAC (the identity of
 * every L2 figure before the eighth pass of issue 13, which flattered impersonation). The report
 * names the identity in its first line.
 *
 * <p>{@code -Dbench.l2.clusterRoleBindings=N} (default 300) first adds N ClusterRoleBindings (the
 * built-in ClusterRole {@code view} to one user each), as a production cluster carries for its
 * add-ons: RBAC answers each cluster-scope check, such as an impersonation check, by walking the
 * ClusterRoleBindings, so the cost of impersonation grows with them. The report names N.
 *
 * <p>{@code -Dbench.cpus=split} (with {@code -Dbench.proxy=process}) gives the proxy JVM(s) a CPU
 * of their own and the API server, etcd and the load generator the others, in the direct and the
 * proxied rounds alike ({@link CpuSplit}): the proxy as deployed on other nodes than the control
 * plane. The default, {@code shared}, lets all of them share every CPU. The report says which, and
 * its file name ends in {@code -split} for the former.
 *
 * <p>{@code -Dbench.l2.reference=go,netty} (either or both; with {@code
 * -Dbench.proxy.upstream=request-header}, not {@code both}) adds reference targets to every round,
 * each after the proxy ({@link ReferenceProxy}): {@code go}, a reverse proxy of Go's standard
 * library alone, and {@code netty}, an HTTP/2 frame relay on Netty alone in a JVM with {@code
 * bin/jvm.options}. Each does only what any request-header proxy must, so its CPU per request and
 * its share of direct on the same machine in the same rounds are the floor of its design. The
 * report gives each a CPU column and a summary line, and its file name ends in {@code
 * -reference-<kinds>}.
 */
@ExtendWith(ControlPlaneExtension.class)
class PassThroughBenchIT {
  private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 64);
  private static final boolean PROCESS = "process".equals(System.getProperty("bench.proxy"));
  private static final int WARMUP = Integer.getInteger("bench.warmup", 10);
  private static final String CLIENT = System.getProperty("bench.client", "vertx");
  private static final String UPSTREAM_LABEL =
      System.getProperty("bench.proxy.upstream", "impersonation");
  private static final boolean BOTH = "both".equals(UPSTREAM_LABEL);
  private static final Upstream UPSTREAM =
      BOTH ? Upstream.IMPERSONATION : Upstream.labelled(UPSTREAM_LABEL);
  private static final String IDENTITY = System.getProperty("bench.proxy.identity", "chart");
  private static final int CLUSTER_ROLE_BINDINGS =
      Integer.getInteger("bench.l2.clusterRoleBindings", 300);
  private static final boolean SPLIT = CpuSplit.requested();
  private static final List<String> REFERENCES =
      System.getProperty("bench.l2.reference", "").isBlank()
          ? List.of()
          : List.of(System.getProperty("bench.l2.reference").trim().split("\\s*,\\s*"));

  @TempDir Path dir;

  private record Round(
      int round, String target, double rps, double p50ms, double p99ms, long errors) {}

  @Test
  void passThroughOverheadVersusDirect(ControlPlane cp) throws Exception {
    assumeTrue("L2".equals(System.getProperty("bench")), "run with -Dbench=L2");
    if (!CLIENT.equals("jdk") && !CLIENT.equals("vertx")) {
      throw new IllegalArgumentException("-Dbench.client must be jdk or vertx, not " + CLIENT);
    }
    if (BOTH && !PROCESS) {
      throw new IllegalArgumentException(
          "-Dbench.proxy.upstream=both runs two proxy JVMs side by side: it needs"
              + " -Dbench.proxy=process (in the test JVM: impersonation or request-header)");
    }
    if (SPLIT && !PROCESS) {
      throw new IllegalArgumentException(
          "-Dbench.cpus=split pins the proxy JVM to a CPU of its own: it needs"
              + " -Dbench.proxy=process");
    }
    if (!IDENTITY.equals("admin") && !IDENTITY.equals("chart")) {
      throw new IllegalArgumentException(
          "-Dbench.proxy.identity must be admin or chart, not " + IDENTITY);
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
    // the proxy's own identity: the control plane's admin (system:masters), or the chart's
    // ServiceAccount, ClusterRole and binding as helm renders them (authorized by RBAC)
    Path kubeconfig = cp.adminKubeconfig();
    String identity =
        "the control plane's admin (group system:masters, -Dbench.proxy.identity=admin)";
    if (IDENTITY.equals("chart")) {
      KubeUser sa = ChartIdentity.apply(cp, "l2-" + id, -1);
      kubeconfig = sa.kubeconfig();
      identity =
          sa.name()
              + ", the chart's ServiceAccount, ClusterRole and ClusterRoleBinding"
              + " (-Dbench.proxy.identity=chart)";
    }
    for (int i = 0; i < CLUSTER_ROLE_BINDINGS; i++) {
      cp.adminClient()
          .rbac()
          .clusterRoleBindings()
          .resource(
              new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder()
                  .withNewMetadata()
                  .withName("l2-" + id + "-addon-" + i)
                  .endMetadata()
                  .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "view")
                  .addNewSubject()
                  .withKind("User")
                  .withApiGroup("rbac.authorization.k8s.io")
                  .withName("l2-addon-user-" + i)
                  .endSubject()
                  .build())
          .create();
    }
    identity +=
        "; "
            + cp.adminClient().rbac().clusterRoleBindings().list().getItems().size()
            + " ClusterRoleBindings in the cluster ("
            + CLUSTER_ROLE_BINDINGS
            + " added, -Dbench.l2.clusterRoleBindings)";
    if (!REFERENCES.isEmpty() && (BOTH || UPSTREAM != Upstream.REQUEST_HEADER)) {
      throw new IllegalArgumentException(
          "-Dbench.l2.reference: the references are request-header proxies; they need"
              + " -Dbench.proxy.upstream=request-header");
    }
    if (!List.of("go", "netty").containsAll(REFERENCES)) {
      throw new IllegalArgumentException(
          "-Dbench.l2.reference is go, netty or both (comma-separated), not " + REFERENCES);
    }
    if (BOTH) {
      new BothUpstreams(cp, cert, path, kubeconfig, identity).run(seconds, rounds);
      return;
    }
    List<Round> results = new ArrayList<>();
    List<String> cpu = new ArrayList<>();
    List<ProxyVitals.CpuRound> proxyCpu = new ArrayList<>();
    Map<String, List<Double>> referenceCpu = new LinkedHashMap<>();
    String cpuHeader = "";
    String memory = "";
    ProxyInFront inJvm = null;
    ProxyProcess process = null;
    List<ReferenceProxy> references = new ArrayList<>();
    Map<String, Load> referenceLoads = new LinkedHashMap<>();
    CpuSplit split = null;
    String proxyUrl;
    String proxyCa;
    if (PROCESS) {
      process =
          ProxyProcess.start(
              cp, dir.resolve("proxy"), Pki.newCa("tenant-proxy-bench-ca"), UPSTREAM, kubeconfig);
      process.awaitReady(Duration.ofMinutes(2));
      if (SPLIT) {
        split = CpuSplit.pin(cp, List.of(process.pid()));
        identity += ". " + split.description();
      }
      proxyUrl = process.url();
      proxyCa = process.pki().caPem();
    } else {
      Path own = kubeconfig;
      inJvm = ProxyInFront.start(cp, dir, true, UPSTREAM, c -> c.withKubeconfig(own));
      proxyUrl = inJvm.url();
      proxyCa = inJvm.caPem();
    }
    try (Load direct = load(cert, cp.caPem(), cp.apiServerUrl() + path);
        Load viaProxy = load(cert, proxyCa, proxyUrl + path)) {
      Map<String, List<Long>> pids = ProxyVitals.processes(cp, process);
      for (String kind : REFERENCES) {
        Path where = dir.resolve("l2reference-" + kind);
        ReferenceProxy r =
            kind.equals("go") ? ReferenceProxy.go(cp, where) : ReferenceProxy.netty(cp, where);
        references.add(r);
        referenceLoads.put(r.name(), load(cert, r.caPem(), r.url() + path));
        pids.put(r.name(), List.of(r.pid()));
      }
      if (!references.isEmpty()) {
        List<String> described = new ArrayList<>();
        for (String kind : REFERENCES) {
          described.add(
              kind.equals("go")
                  ? "Go reference (a request-header proxy of Go's standard library alone,"
                      + " e2e/src/test/go/l2reference)"
                  : "Netty reference (an HTTP/2 frame relay on Netty alone in a JVM with"
                      + " bin/jvm.options, NettyReferenceRelay)");
        }
        identity +=
            ". Reference targets (-Dbench.l2.reference), each in every round after the proxy: "
                + String.join("; ", described);
      }
      direct.run(WARMUP); // warm-up: the JIT compiles both paths before the measured rounds
      viaProxy.run(WARMUP);
      for (Load l : referenceLoads.values()) {
        l.run(WARMUP);
      }
      cpuHeader = ProxyVitals.cpuHeader(pids);
      for (int i = 0; i < rounds; i++) {
        Map<String, Long> before = ProxyVitals.cpuTicks(pids);
        ClosedLoop.Result d = direct.run(seconds);
        cpu.add(cpuPerRequest("direct", i + 1, before, ProxyVitals.cpuTicks(pids), d.count()));
        results.add(summarize(i + 1, "direct", d));
        before = ProxyVitals.cpuTicks(pids);
        ClosedLoop.Result p = viaProxy.run(seconds);
        Map<String, Long> after = ProxyVitals.cpuTicks(pids);
        cpu.add(cpuPerRequest("proxy", i + 1, before, after, p.count()));
        proxyCpu.add(new ProxyVitals.CpuRound(before, after, p.count()));
        results.add(summarize(i + 1, "proxy", p));
        for (Map.Entry<String, Load> ref : referenceLoads.entrySet()) {
          String name = ref.getKey();
          before = ProxyVitals.cpuTicks(pids);
          ClosedLoop.Result g = ref.getValue().run(seconds);
          after = ProxyVitals.cpuTicks(pids);
          cpu.add(cpuPerRequest(name, i + 1, before, after, g.count()));
          referenceCpu
              .computeIfAbsent(name, k -> new ArrayList<>())
              .add(ProxyVitals.cpuMicros(name, before, after, g.count()));
          results.add(summarize(i + 1, name, g));
        }
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
      referenceLoads.values().forEach(Load::close);
      references.forEach(ReferenceProxy::close);
      if (split != null) {
        split.close();
      }
      if (inJvm != null) {
        inJvm.close();
      }
      if (process != null) {
        process.close();
      }
    }
    String table =
        table(results, seconds, rounds, identity)
            + cpuTable(cpuHeader, cpu, proxyCpu)
            + referenceSummary(results, referenceCpu)
            + memory;
    System.out.println(table);
    Path out = Path.of("target", "benchmarks");
    Files.createDirectories(out);
    Files.writeString(
        out.resolve(
            "L2-passthrough-c"
                + CONCURRENCY
                + (PROCESS ? "-process" : "")
                + (UPSTREAM == Upstream.IMPERSONATION ? "" : "-" + UPSTREAM.label())
                + (SPLIT ? "-split" : "")
                + (REFERENCES.isEmpty() ? "" : "-reference-" + String.join("-", REFERENCES))
                + ".md"),
        table);
  }

  /**
   * Each reference's medians beside direct's and the proxy's (empty without {@code
   * -Dbench.l2.reference}).
   */
  private static String referenceSummary(
      List<Round> rounds, Map<String, List<Double>> referenceCpu) {
    StringBuilder sb = new StringBuilder();
    double direct = median(rounds, "direct", Round::rps);
    double proxy = median(rounds, "proxy", Round::rps);
    referenceCpu.forEach(
        (name, micros) -> {
          double rps = median(rounds, name, Round::rps);
          double[] cpu =
              micros.stream()
                  .mapToDouble(Double::doubleValue)
                  .filter(d -> !Double.isNaN(d))
                  .sorted()
                  .toArray();
          sb.append(
              String.format(
                  Locale.ROOT,
                  "%n%s: median %.0f req/s = %.0f%% of direct, p50 added %.2f ms; its CPU per"
                      + " request, median of rounds, **%.0f µs**. The proxy's throughput = %.0f%%"
                      + " of this reference's.%n",
                  name,
                  rps,
                  100 * rps / direct,
                  median(rounds, name, Round::p50ms) - median(rounds, "direct", Round::p50ms),
                  cpu.length == 0 ? Double.NaN : cpu[cpu.length / 2],
                  100 * proxy / rps));
        });
    return sb.toString();
  }

  // ---- -Dbench.proxy.upstream=both: direct and two proxy JVMs in the same rounds --------------

  /**
   * Direct, a proxy JVM in impersonation mode and one in request-header mode (same build, same JVM
   * options, started together), measured in the same rounds; the order rotates per round (round 1:
   * direct, impersonation, request-header; round 2: impersonation, request-header, direct; ...), so
   * a drift of the machine during a round touches each target alike over the rounds.
   */
  private final class BothUpstreams {
    private static final List<Upstream> MODES =
        List.of(Upstream.IMPERSONATION, Upstream.REQUEST_HEADER);
    private static final String DIRECT = "direct";

    private final ControlPlane cp;
    private final String[] cert;
    private final String path;
    private final Path kubeconfig;
    private final String identity;
    private String cpus = "";

    BothUpstreams(ControlPlane cp, String[] cert, String path, Path kubeconfig, String identity) {
      this.cp = cp;
      this.cert = cert;
      this.path = path;
      this.kubeconfig = kubeconfig;
      this.identity = identity;
    }

    /** CPU ticks of the other processes and of each proxy ({@link ProxyVitals#cpuTicks}). */
    private record Reading(Map<String, Long> others, Map<Upstream, Map<String, Long>> proxies) {}

    /** One target in one round: its load result and the CPU readings around it. */
    private record Measured(
        int round, String target, ClosedLoop.Result result, Reading before, Reading after) {

      double micros(String process) {
        return ProxyVitals.cpuMicros(process, before.others(), after.others(), result.count());
      }

      double proxyMicros(Upstream mode, String column) {
        return ProxyVitals.cpuMicros(
            column, before.proxies().get(mode), after.proxies().get(mode), result.count());
      }
    }

    void run(int seconds, int rounds) throws Exception {
      Pki pki = Pki.newCa("tenant-proxy-bench-ca");
      Map<Upstream, ProxyProcess> proxies = new LinkedHashMap<>();
      List<Measured> measured = new ArrayList<>();
      String memory = "";
      Map<String, List<Long>> others = Map.of();
      CpuSplit split = null;
      try {
        for (Upstream mode : MODES) { // both start before either is awaited
          proxies.put(
              mode,
              ProxyProcess.start(cp, dir.resolve("proxy-" + mode.label()), pki, mode, kubeconfig));
        }
        for (ProxyProcess p : proxies.values()) {
          p.awaitReady(Duration.ofMinutes(2));
        }
        if (SPLIT) {
          split = CpuSplit.pin(cp, proxies.values().stream().map(ProxyProcess::pid).toList());
          cpus = ". " + split.description();
        }
        Map<String, Load> loads = new LinkedHashMap<>();
        try {
          loads.put(DIRECT, load(cert, cp.caPem(), cp.apiServerUrl() + path));
          for (Upstream mode : MODES) {
            loads.put(target(mode), load(cert, pki.caPem(), proxies.get(mode).url() + path));
          }
          for (Load l : loads.values()) {
            l.run(WARMUP); // warm-up: the JIT compiles every path before the measured rounds
          }
          // this JVM, kube-apiserver, etcd ("proxy" is empty here: each proxy is read on its own)
          others = ProxyVitals.processes(cp, null);
          List<String> order = List.copyOf(loads.keySet());
          for (int i = 0; i < rounds; i++) {
            for (int k = 0; k < order.size(); k++) {
              String target = order.get((i + k) % order.size());
              Reading before = read(others, proxies);
              ClosedLoop.Result r = loads.get(target).run(seconds);
              measured.add(new Measured(i + 1, target, r, before, read(others, proxies)));
            }
          }
        } finally {
          loads.values().forEach(Load::close);
        }
        StringBuilder m =
            new StringBuilder(
                "\nProxy JVM options (both) `"
                    + ProxyVitals.jvmOptions(proxies.get(Upstream.IMPERSONATION))
                    + "`; their memory right after the rounds:\n\n"
                    + ProxyVitals.Memory.header());
        for (Upstream mode : MODES) {
          m.append(
              ProxyVitals.memory(proxies.get(mode)).row(target(mode) + " after the L2 rounds"));
        }
        memory = m.toString();
      } finally {
        if (split != null) {
          split.close();
        }
        for (ProxyProcess p : proxies.values()) {
          p.close(); // one after the other: an AppCDS archive dump at exit is never concurrent
        }
      }
      String report =
          header(seconds, rounds, proxies)
              + roundsTable(measured)
              + cpuTable(others, measured)
              + summary(others, measured)
              + memory;
      System.out.println(report);
      Path out = Path.of("target", "benchmarks");
      Files.createDirectories(out);
      Files.writeString(
          out.resolve(
              "L2-passthrough-c" + CONCURRENCY + "-process-both" + (SPLIT ? "-split" : "") + ".md"),
          report);
    }

    private static String target(Upstream mode) {
      return "proxy " + mode.label();
    }

    private static Reading read(
        Map<String, List<Long>> others, Map<Upstream, ProxyProcess> proxies) {
      Map<Upstream, Map<String, Long>> p = new LinkedHashMap<>();
      proxies.forEach(
          (mode, proc) -> p.put(mode, ProxyVitals.cpuTicks(Map.of("proxy", List.of(proc.pid())))));
      return new Reading(ProxyVitals.cpuTicks(others), p);
    }

    private String header(int seconds, int rounds, Map<Upstream, ProxyProcess> proxies) {
      StringBuilder sb = new StringBuilder();
      sb.append(headline())
          .append(", direct and two proxies in separate JVMs (as users run it) in the same rounds:")
          .append(" upstream as the caller by impersonation and by request headers")
          .append(" (-Dbench.proxy.upstream=both), proxy identity ")
          .append(identity)
          .append(cpus)
          .append("\n\n");
      sb.append(
          String.format(
              Locale.ROOT,
              "%d rounds of %d s per target after a warm-up of %d s per target; the order rotates"
                  + " per round (round 1: direct, impersonation, request-header; round 2:"
                  + " impersonation, request-header, direct; round 3: request-header, direct,"
                  + " impersonation; ...). Proxy pids: impersonation %d, request-header %d (same"
                  + " build, same JVM options, both running throughout; the idle one's CPU counts"
                  + " in the sum of the other targets' rounds).%n%n",
              rounds,
              seconds,
              WARMUP,
              proxies.get(Upstream.IMPERSONATION).pid(),
              proxies.get(Upstream.REQUEST_HEADER).pid()));
      sb.append(ProxyVitals.machine()).append("\n\n");
      return sb.toString();
    }

    private static String roundsTable(List<Measured> measured) {
      StringBuilder sb =
          new StringBuilder(
              "| round | target | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|\n");
      for (Measured m : measured) {
        ClosedLoop.Result r = m.result();
        sb.append(
            String.format(
                Locale.ROOT,
                "| %d | %s | %.0f | %.2f | %.2f | %d |%n",
                m.round(),
                m.target(),
                r.rps(),
                r.p50ms(),
                r.p99ms(),
                r.errors()));
      }
      return sb.toString();
    }

    private static final List<String> PROXY_COLUMNS =
        List.of(
            "proxy", ProxyVitals.PROXY_EVENT_LOOPS, ProxyVitals.PROXY_JIT, ProxyVitals.PROXY_OTHER);

    /**
     * CPU µs per request: the load generator, each proxy (total, then event loops, JIT, other),
     * kube-apiserver, etcd, and the sum of the whole processes.
     */
    private static String cpuTable(Map<String, List<Long>> others, List<Measured> measured) {
      List<String> names = new ArrayList<>();
      for (String process : others.keySet()) {
        if (process.equals("proxy")) {
          for (Upstream mode : MODES) {
            PROXY_COLUMNS.forEach(c -> names.add(c.replaceFirst("proxy", target(mode))));
          }
        } else {
          names.add(process);
        }
      }
      StringBuilder sb =
          new StringBuilder(
              "\nCPU per request, microseconds (utime + stime from /proc, 10 ms ticks; each"
                  + " proxy's also by thread class from /proc/<pid>/task; the sum counts each"
                  + " process once, both proxies in every round):\n\n| round | target | requests |");
      names.forEach(n -> sb.append(' ').append(n).append(" µs |"));
      sb.append(" sum µs |\n|---|---|---|");
      names.forEach(n -> sb.append("---|"));
      sb.append("---|\n");
      for (Measured m : measured) {
        sb.append("| ")
            .append(m.round())
            .append(" | ")
            .append(m.target())
            .append(" | ")
            .append(m.result().count())
            .append(" |");
        for (String process : others.keySet()) {
          if (process.equals("proxy")) {
            for (Upstream mode : MODES) {
              PROXY_COLUMNS.forEach(c -> sb.append(cell(m.proxyMicros(mode, c))));
            }
          } else {
            sb.append(cell(m.micros(process)));
          }
        }
        sb.append(cell(sum(others, m))).append('\n');
      }
      return sb.toString();
    }

    /** The CPU µs per request of all processes of a round (each proxy's total once). */
    private static double sum(Map<String, List<Long>> others, Measured m) {
      double total = 0;
      for (String process : others.keySet()) {
        if (!process.equals("proxy")) {
          total += zeroIfNaN(m.micros(process));
        }
      }
      for (Upstream mode : MODES) {
        total += zeroIfNaN(m.proxyMicros(mode, "proxy"));
      }
      return total;
    }

    private static double zeroIfNaN(double d) {
      return Double.isNaN(d) ? 0 : d;
    }

    private static String cell(double us) {
      return Double.isNaN(us) ? " - |" : String.format(Locale.ROOT, " %.0f |", us);
    }

    /** Medians of the rounds; a difference or ratio to direct is taken within each round first. */
    private static String summary(Map<String, List<Long>> others, List<Measured> measured) {
      StringBuilder sb =
          new StringBuilder(
              "\nSummary, medians of the rounds (a ratio or difference to direct is taken within"
                  + " each round, then the median over the rounds):\n\n"
                  + "| | direct | proxy impersonation | proxy request-header |\n|---|---|---|---|\n");
      sb.append(row("req/s", measured, m -> m.result().rps(), "%.0f", false));
      sb.append(row("req/s ÷ direct's", measured, m -> m.result().rps(), "%.0f%%", true));
      sb.append(row("p50 ms", measured, m -> m.result().p50ms(), "%.2f", false));
      sb.append(row("p99 ms", measured, m -> m.result().p99ms(), "%.2f", false));
      sb.append(
          row("kube-apiserver µs/req", measured, m -> m.micros("kube-apiserver"), "%.0f", false));
      sb.append(
          deltaRow(
              "**kube-apiserver µs/req − direct's**", measured, m -> m.micros("kube-apiserver")));
      sb.append(deltaRow("etcd µs/req − direct's", measured, m -> m.micros("etcd")));
      sb.append(
          deltaRow(
              "load generator µs/req − direct's",
              measured,
              m -> m.micros("load generator (test JVM)")));
      sb.append("| **proxy µs/req (its own pid)** | - |");
      for (Upstream mode : MODES) {
        sb.append(
            cell(
                median(
                    measured.stream()
                        .filter(m -> m.target().equals(target(mode)))
                        .mapToDouble(m -> m.proxyMicros(mode, "proxy")))));
      }
      sb.append('\n');
      sb.append(deltaRow("sum µs/req − direct's", measured, m -> sum(others, m)));
      sb.append('\n');
      for (Upstream mode : MODES) {
        List<ProxyVitals.CpuRound> own =
            measured.stream()
                .filter(m -> m.target().equals(target(mode)))
                .map(
                    m ->
                        new ProxyVitals.CpuRound(
                            m.before().proxies().get(mode),
                            m.after().proxies().get(mode),
                            m.result().count()))
                .toList();
        String medians = ProxyVitals.proxyCpuMedians(own);
        if (!medians.isEmpty()) {
          sb.append("Proxy CPU per request through the ")
              .append(mode.label())
              .append(" proxy, median of rounds: ")
              .append(medians)
              .append(".\n");
        }
      }
      for (Upstream mode : MODES) {
        double ratio = ratios(measured, target(mode), m -> m.result().rps());
        sb.append(
            String.format(
                Locale.ROOT,
                "Proxy %s throughput = %.0f%% of direct (target >= 90%%).%n",
                mode.label(),
                ratio));
      }
      return sb.toString();
    }

    private static String row(
        String name,
        List<Measured> measured,
        java.util.function.ToDoubleFunction<Measured> f,
        String format,
        boolean ratio) {
      StringBuilder sb = new StringBuilder("| " + name + " |");
      for (String target : targets()) {
        double v =
            ratio
                ? ratios(measured, target, f)
                : median(measured.stream().filter(m -> m.target().equals(target)).mapToDouble(f));
        sb.append(Double.isNaN(v) ? " - |" : " " + String.format(Locale.ROOT, format, v) + " |");
      }
      return sb.append('\n').toString();
    }

    private static String deltaRow(
        String name, List<Measured> measured, java.util.function.ToDoubleFunction<Measured> f) {
      StringBuilder sb = new StringBuilder("| " + name + " | - |");
      for (Upstream mode : MODES) {
        double[] d =
            measured.stream()
                .filter(m -> m.target().equals(target(mode)))
                .mapToDouble(
                    m ->
                        f.applyAsDouble(m)
                            - measured.stream()
                                .filter(x -> x.round() == m.round() && x.target().equals(DIRECT))
                                .mapToDouble(f)
                                .findFirst()
                                .orElse(Double.NaN))
                .toArray();
        double v = median(java.util.Arrays.stream(d));
        sb.append(Double.isNaN(v) ? " - |" : String.format(Locale.ROOT, " %+.0f |", v));
      }
      return sb.append('\n').toString();
    }

    /** Median over the rounds of 100 × target's value ÷ direct's value in the same round. */
    private static double ratios(
        List<Measured> measured, String target, java.util.function.ToDoubleFunction<Measured> f) {
      return median(
          measured.stream()
              .filter(m -> m.target().equals(target))
              .mapToDouble(
                  m ->
                      100
                          * f.applyAsDouble(m)
                          / measured.stream()
                              .filter(x -> x.round() == m.round() && x.target().equals(DIRECT))
                              .mapToDouble(f)
                              .findFirst()
                              .orElse(Double.NaN)));
    }

    private static List<String> targets() {
      return List.of(DIRECT, target(Upstream.IMPERSONATION), target(Upstream.REQUEST_HEADER));
    }

    /** The median (the mean of the middle two for an even count); NaN values are left out. */
    private static double median(java.util.stream.DoubleStream values) {
      double[] v = values.filter(d -> !Double.isNaN(d)).sorted().toArray();
      return v.length == 0
          ? Double.NaN
          : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
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

  private static Round summarize(int round, String target, ClosedLoop.Result r) {
    return new Round(round, target, r.rps(), r.p50ms(), r.p99ms(), r.errors());
  }

  /** The start of every L2 report's first line: what is requested, how often, by which client. */
  private static String headline() {
    return "# L2 pass-through: GET one ConfigMap, "
        + CONCURRENCY
        + " in flight over one HTTP/2 connection, load generator "
        + (CLIENT.equals("vertx")
            ? "Vert.x 5 on BoringSSL (-Dbench.client=vertx)"
            : "JDK java.net.http with JDK TLS (-Dbench.client=jdk)");
  }

  private static String table(List<Round> rounds, int seconds, int n, String identity) {
    StringBuilder sb = new StringBuilder();
    sb.append(headline())
        .append(", proxy ")
        .append(PROCESS ? "in a separate JVM (as users run it)" : "in the test JVM (ProxyInFront)")
        .append(", upstream as the caller by ")
        .append(
            UPSTREAM == Upstream.IMPERSONATION
                ? "impersonation (-Dbench.proxy.upstream=impersonation)"
                : "request headers (-Dbench.proxy.upstream=request-header)")
        .append(", proxy identity ")
        .append(identity)
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
    for (Round r : rounds) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %d | %s | %.0f | %.2f | %.2f | %d |%n",
              r.round(),
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
