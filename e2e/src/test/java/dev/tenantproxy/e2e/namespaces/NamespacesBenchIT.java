package dev.tenantproxy.e2e.namespaces;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.e2e.load.ClosedLoop;
import dev.tenantproxy.e2e.load.Fleet;
import dev.tenantproxy.e2e.load.ProxyProcess;
import dev.tenantproxy.e2e.load.ProxyVitals;
import dev.tenantproxy.e2e.load.VertxClosedLoop;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmarks L1, L4 and L5 of benchmarks.md for served namespaces, side by side with the API server
 * in one run. Off by default: {@code -Dbench=namespaces} (options: {@code -Dbench.tenants=2000}
 * tenants x 5 namespaces, {@code -Dbench.seconds=10}, {@code -Dbench.rounds=2}, {@code
 * -Dbench.concurrency=64}, {@code -Dbench.l4.iterations=20}). Prints the tables and writes them to
 * {@code target/benchmarks/namespaces.md}. The fleet is {@link Fleet}.
 *
 * <p>{@code -Dbench.proxy=process} runs the proxy as users run it, a separate JVM ({@link
 * ProxyProcess}, the launcher's default JVM options), and then measures L1 only, with the proxy's
 * CPU per request from /proc (load generator excluded) and its memory ({@link ProxyVitals}).
 *
 * <p>In L1 every simulated caller has its own certificate and its own HTTP/2 connection on both
 * paths: through the proxy an owner, direct an admin (group {@code system:masters}) of its own who
 * asks the API server the same question with a name selector.
 */
@ExtendWith(ControlPlaneExtension.class)
class NamespacesBenchIT {
  private static final int TENANTS = Integer.getInteger("bench.tenants", 2000);
  private static final int SECONDS = Integer.getInteger("bench.seconds", 10);
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 2);
  private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 64);
  private static final int L4_ITERATIONS = Integer.getInteger("bench.l4.iterations", 20);
  private static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";
  private static final int WARMUP = Integer.getInteger("bench.warmup", 3);
  private static final boolean PROCESS = "process".equals(System.getProperty("bench.proxy"));
  // the load generator: "vertx" (Vert.x 5 clients on BoringSSL, the default since the fourth
  // pass of lean.md) or "jdk" (java.net.http with JDK TLS, the generator of the earlier figures)
  private static final String CLIENT = System.getProperty("bench.client", "vertx");

  @TempDir Path dir;

  @Test
  void servedNamespacesVersusDirect(ControlPlane cp) throws Exception {
    assumeTrue("namespaces".equals(System.getProperty("bench")), "run with -Dbench=namespaces");
    // load what the last section needs now: builds in a shared work tree may clean target/
    // meanwhile
    Kubectl.class.getName();
    StringBuilder report = new StringBuilder();
    report
        .append("# Served namespaces: L1, L4, L5 (benchmarks.md)\n\n")
        .append("Run ")
        .append(Instant.now())
        .append(" on ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(
            " cores (shared by etcd, kube-apiserver, kube-controller-manager, the proxy and the")
        .append(" load generator), ")
        .append(System.getProperty("java.vm.name"))
        .append(' ')
        .append(System.getProperty("java.version"))
        .append(", Kubernetes v1.35.4.\n\n");

    String id = Long.toHexString(System.nanoTime()).substring(4);
    Fleet created = Fleet.create(cp.adminClient(), "b" + id, TENANTS);
    List<List<String>> fleet = created.namespaces();
    report.append(
        String.format(
            Locale.ROOT,
            "Fleet: %d tenants x 5 namespaces (owners: User user-<i>, Group group-<i/10>, a"
                + " ServiceAccount for every 10th), created in %d s.%n%n",
            TENANTS,
            created.seconds()));

    if (PROCESS) {
      report.append(processL1(cp, id, fleet));
      Path out = Path.of("target", "benchmarks");
      Files.createDirectories(out);
      Files.writeString(out.resolve("namespaces-L1-process.md"), report.toString());
      System.out.println(report);
      return;
    }
    ProxyInFront proxy = ProxyInFront.start(cp, dir, true);
    try {
      List<KubeUser> callers = new ArrayList<>();
      for (int i = 0; i < CONCURRENCY; i++) {
        callers.add(cp.users().certificate("b" + id + "-user-" + i, Capsule.CAPSULE_USERS_GROUP));
      }
      // the index has the whole fleet once the last caller sees its 5 namespaces
      KubeUser last = callers.get(callers.size() - 1);
      await()
          .atMost(Duration.ofMinutes(3))
          .ignoreExceptions()
          .until(
              () ->
                  ServedNamespaces.get(cp, proxy, last, "/api/v1/namespaces", null)
                      .body()
                      .contains(fleet.get(callers.size() - 1).get(4)));
      // each section is printed as soon as it is measured
      for (java.util.concurrent.Callable<String> section :
          List.<java.util.concurrent.Callable<String>>of(
              () -> l1(cp, proxy.url(), proxy.caPem(), callers, fleet, null),
              () -> l4(cp, proxy, id),
              () -> l5(cp, proxy, id))) {
        String text = section.call();
        System.out.println(text);
        report.append(text);
      }
    } finally {
      proxy.close();
    }
    System.out.println(report);
    Path out = Path.of("target", "benchmarks");
    Files.createDirectories(out);
    Files.writeString(out.resolve("namespaces.md"), report.toString());
  }

  // ---- L1 -----------------------------------------------------------------------------------

  private record Round(
      String target, String format, double rps, double p50, double p99, long errors) {}

  private static String l1(
      ControlPlane cp,
      String proxyUrl,
      String proxyCa,
      List<KubeUser> callers,
      List<List<String>> fleet,
      ProxyProcess process)
      throws Exception {
    if (!CLIENT.equals("jdk") && !CLIENT.equals("vertx")) {
      throw new IllegalArgumentException("-Dbench.client must be jdk or vertx, not " + CLIENT);
    }
    List<HttpClient> viaProxy = new ArrayList<>();
    List<HttpClient> directClients = new ArrayList<>();
    List<HttpRequest> proxied = new ArrayList<>();
    List<HttpRequest> directJson = new ArrayList<>();
    List<HttpRequest> proxiedTable = new ArrayList<>();
    List<HttpRequest> directTable = new ArrayList<>();
    List<VertxClosedLoop.Caller> proxyCallers = new ArrayList<>();
    List<VertxClosedLoop.Caller> directCallers = new ArrayList<>();
    List<List<VertxClosedLoop.Request>> vertxRequests = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      vertxRequests.add(new ArrayList<>());
    }
    for (int i = 0; i < callers.size(); i++) {
      KubeUser owner = callers.get(i);
      // its own admin certificate and connection: the owner itself may not list namespaces
      KubeUser admin = cp.users().certificate(owner.name() + "-direct", "system:masters");
      String p = proxyUrl + "/api/v1/namespaces";
      String selector = "kubernetes.io/metadata.name in (" + String.join(",", fleet.get(i)) + ")";
      String d =
          cp.apiServerUrl()
              + "/api/v1/namespaces?labelSelector="
              + URLEncoder.encode(selector, StandardCharsets.UTF_8);
      if (CLIENT.equals("vertx")) {
        proxyCallers.add(
            new VertxClosedLoop.Caller(
                owner.certificatePem().orElseThrow(),
                owner.privateKeyPem().orElseThrow(),
                proxyCa));
        directCallers.add(
            new VertxClosedLoop.Caller(
                admin.certificatePem().orElseThrow(),
                admin.privateKeyPem().orElseThrow(),
                cp.caPem()));
        // the first answer of each loop must name the caller's last namespace
        String expect = "\"" + fleet.get(i).get(4) + "\"";
        vertxRequests.get(0).add(new VertxClosedLoop.Request(d, "application/json", expect));
        vertxRequests.get(1).add(new VertxClosedLoop.Request(p, "application/json", expect));
        vertxRequests.get(2).add(new VertxClosedLoop.Request(d, TABLE, expect));
        vertxRequests.get(3).add(new VertxClosedLoop.Request(p, TABLE, expect));
        continue;
      }
      viaProxy.add(
          HttpClient.newBuilder().sslContext(ServedNamespaces.sslContext(owner, proxyCa)).build());
      directClients.add(
          HttpClient.newBuilder()
              .sslContext(ServedNamespaces.sslContext(admin, cp.caPem()))
              .build());
      proxied.add(
          HttpRequest.newBuilder(URI.create(p)).header("Accept", "application/json").build());
      directJson.add(
          HttpRequest.newBuilder(URI.create(d)).header("Accept", "application/json").build());
      proxiedTable.add(HttpRequest.newBuilder(URI.create(p)).header("Accept", TABLE).build());
      directTable.add(HttpRequest.newBuilder(URI.create(d)).header("Accept", TABLE).build());
    }
    try (VertxClosedLoop viaProxyVertx =
            CLIENT.equals("vertx") ? new VertxClosedLoop(proxyCallers) : null;
        VertxClosedLoop directVertx =
            CLIENT.equals("vertx") ? new VertxClosedLoop(directCallers) : null) {
      // (direct?, json?, seconds) -> one closed-loop run with the chosen generator
      Load load =
          (direct, json, seconds) -> {
            if (directVertx != null) {
              int k = (json ? 0 : 2) + (direct ? 0 : 1);
              return (direct ? directVertx : viaProxyVertx)
                  .run(vertxRequests.get(k), Duration.ofSeconds(seconds));
            }
            return run(
                direct ? directClients : viaProxy,
                direct ? (json ? directJson : directTable) : (json ? proxied : proxiedTable),
                seconds);
          };
      return l1(load, callers.size(), process, cp);
    }
  }

  /** One closed-loop run: direct or through the proxy, JSON or Table, for {@code seconds}. */
  private interface Load {
    ClosedLoop.Result run(boolean direct, boolean json, int seconds);
  }

  private static String l1(Load load, int callers, ProxyProcess process, ControlPlane cp)
      throws Exception {
    load.run(true, true, WARMUP); // warm-up (the JIT compiles the proxy's hot paths)
    load.run(false, true, WARMUP);
    load.run(false, false, WARMUP);
    List<Round> rounds = new ArrayList<>();
    Map<String, List<Long>> pids = ProxyVitals.processes(cp, process);
    StringBuilder cpu = new StringBuilder(ProxyVitals.cpuHeader(pids));
    List<Double> proxyCpu = new ArrayList<>();
    List<ProxyVitals.CpuRound> proxyRounds = new ArrayList<>();
    for (int r = 0; r < ROUNDS; r++) {
      for (String format : List.of("JSON", "Table")) {
        boolean json = format.equals("JSON");
        Map<String, Long> before = ProxyVitals.cpuTicks(pids);
        ClosedLoop.Result d = load.run(true, json, SECONDS);
        Map<String, Long> after = ProxyVitals.cpuTicks(pids);
        cpu.append(ProxyVitals.cpuRow("" + (r + 1), "direct " + format, before, after, d.count()));
        rounds.add(summarize("direct (admin, name selector)", format, d));
        before = ProxyVitals.cpuTicks(pids);
        ClosedLoop.Result p = load.run(false, json, SECONDS);
        after = ProxyVitals.cpuTicks(pids);
        cpu.append(ProxyVitals.cpuRow("" + (r + 1), "proxy " + format, before, after, p.count()));
        proxyCpu.add(ProxyVitals.cpuMicros("proxy", before, after, p.count()));
        proxyRounds.add(new ProxyVitals.CpuRound(before, after, p.count()));
        rounds.add(summarize("proxy (owner)", format, p));
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append("## L1: a tenant owner lists namespaces, ")
        .append(callers)
        .append(" concurrent callers (each its own certificate and HTTP/2 connection, through")
        .append(" the proxy as an owner and direct as an admin of its own), ")
        .append(SECONDS)
        .append(" s per round, rounds alternate; load generator: ")
        .append(
            CLIENT.equals("vertx")
                ? "Vert.x 5 HTTP/2 clients on BoringSSL (-Dbench.client=vertx)"
                : "JDK java.net.http with JDK TLS (-Dbench.client=jdk)")
        .append(", warm-up ")
        .append(WARMUP)
        .append(" s per target\n\n")
        .append(
            "| target | format | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|\n");
    for (Round r : rounds) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.0f | %.1f | %.1f | %d |%n",
              r.target(),
              r.format(),
              r.rps(),
              r.p50(),
              r.p99(),
              r.errors()));
    }
    for (String format : List.of("JSON", "Table")) {
      double d = median(rounds, "direct", format);
      double p = median(rounds, "proxy", format);
      sb.append(
          String.format(
              Locale.ROOT,
              "%nRatio proxy/direct req/s (%s, median of rounds): **%.2fx** (target >= 3x).%n",
              format,
              p / d));
    }
    if (process != null) {
      sb.append("\nCPU per request, microseconds (utime + stime from /proc, 10 ms ticks):\n\n")
          .append(cpu)
          .append(
              String.format(
                  Locale.ROOT,
                  "%nProxy CPU per served list, median of rounds: **%.0f µs** (target <= 100).%n",
                  median(proxyCpu)))
          .append("By thread class (JSON and Table rounds together): ")
          .append(ProxyVitals.proxyCpuMedians(proxyRounds))
          .append(".\n");
    }
    sb.append('\n');
    return sb.toString();
  }

  private static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return v.length == 0 ? Double.NaN : v[v.length / 2];
  }

  /** L1 against the proxy as a separate JVM, with its memory before, under and after the load. */
  private String processL1(ControlPlane cp, String id, List<List<String>> fleet) throws Exception {
    StringBuilder sb = new StringBuilder();
    try (ProxyProcess proxy =
        ProxyProcess.start(cp, dir.resolve("proxy"), Pki.newCa("tenant-proxy-bench-ca"))) {
      ProxyProcess.Startup startup = proxy.awaitReady(Duration.ofMinutes(3));
      List<KubeUser> callers = new ArrayList<>();
      for (int i = 0; i < CONCURRENCY; i++) {
        callers.add(cp.users().certificate("b" + id + "-user-" + i, Capsule.CAPSULE_USERS_GROUP));
      }
      HttpClient lastClient =
          HttpClient.newBuilder()
              .sslContext(
                  ServedNamespaces.sslContext(callers.get(callers.size() - 1), proxy.pki().caPem()))
              .build();
      String lastNs = fleet.get(callers.size() - 1).get(4);
      await()
          .atMost(Duration.ofMinutes(3))
          .ignoreExceptions()
          .until(
              () ->
                  lastClient
                      .send(
                          HttpRequest.newBuilder(URI.create(proxy.url() + "/api/v1/namespaces"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body()
                      .contains(lastNs));
      ProxyVitals.Memory synced = ProxyVitals.memory(proxy);
      String l1 = l1(cp, proxy.url(), proxy.pki().caPem(), callers, fleet, proxy);
      String nativeMemory = ProxyVitals.nativeMemory(proxy);
      ProxyVitals.Memory loaded = ProxyVitals.memory(proxy);
      sb.append(l1)
          .append(
              String.format(
                  Locale.ROOT,
                  "Proxy: a separate JVM (pid %d), ready %.2f s after its start; JVM options"
                      + " `%s`.%n%n",
                  proxy.pid(),
                  startup.readySeconds(),
                  ProxyVitals.jvmOptions(proxy)))
          .append("Proxy memory (RSS from /proc; heap, metaspace, direct from its /metrics):\n\n")
          .append(ProxyVitals.Memory.header())
          .append(synced.row("fleet synced, before the load"))
          .append(loaded.row("right after the L1 rounds"))
          .append(nativeMemory.isEmpty() ? "" : "\n" + nativeMemory)
          .append(String.format(Locale.ROOT, "%nLoad average at the end: %s.%n%n", loadAverage()));
    }
    return sb.toString();
  }

  private static String loadAverage() {
    try {
      String[] l = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return l[0] + " " + l[1] + " " + l[2];
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  private static double median(List<Round> rounds, String target, String format) {
    double[] v =
        rounds.stream()
            .filter(r -> r.target().startsWith(target) && r.format().equals(format))
            .mapToDouble(Round::rps)
            .sorted()
            .toArray();
    return v.length == 0 ? Double.NaN : v[v.length / 2];
  }

  private static ClosedLoop.Result run(
      List<HttpClient> clients, List<HttpRequest> requests, int seconds) {
    return ClosedLoop.run(clients, requests, Duration.ofSeconds(seconds));
  }

  private static Round summarize(String target, String format, ClosedLoop.Result r) {
    return new Round(target, format, r.rps(), r.p50ms(), r.p99ms(), r.errors());
  }

  // ---- L4 -----------------------------------------------------------------------------------

  private static String l4(ControlPlane cp, ProxyInFront proxy, String id) throws Exception {
    String user = "b" + id + "-watcher";
    KubeUser watcher = cp.users().certificate(user, Capsule.CAPSULE_USERS_GROUP);
    String home = "b" + id + "-home";
    String away = "b" + id + "-away";
    cp.capsule().createTenant(home, Owner.user(user));
    cp.capsule().createTenant(away, Owner.user("b" + id + "-nobody"));
    cp.capsule().createNamespace(away, away + "-x");
    String moving = away + "-x";
    HttpClient client =
        HttpClient.newBuilder()
            .sslContext(ServedNamespaces.sslContext(watcher, proxy.caPem()))
            .build();
    LinkedBlockingQueue<long[]> events = new LinkedBlockingQueue<>();
    HttpResponse<Stream<String>> resp =
        client.send(
            HttpRequest.newBuilder(
                    URI.create(proxy.url() + "/api/v1/namespaces?watch=true&timeoutSeconds=600"))
                .header("Accept", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    Thread reader =
        new Thread(
            () -> {
              try (Stream<String> lines = resp.body()) {
                lines.forEach(
                    l -> {
                      if (l.contains("\"name\":\"" + moving + "\"")) {
                        String type = l.substring(9, l.indexOf('"', 9));
                        events.add(new long[] {TYPES.indexOf(type), System.nanoTime()});
                      }
                    });
              } catch (RuntimeException e) {
                // the watch ended
              }
            },
            "l4-watch-reader");
    reader.setDaemon(true);
    reader.start();
    long[] join = new long[L4_ITERATIONS];
    long[] leave = new long[L4_ITERATIONS];
    int[] others = new int[TYPES.size()];
    for (int i = 0; i < L4_ITERATIONS; i++) {
      long t = System.nanoTime();
      cp.capsule().moveNamespace(moving, home);
      join[i] = awaitType(events, TYPES.indexOf("ADDED"), t, others);
      t = System.nanoTime();
      cp.capsule().moveNamespace(moving, away);
      leave[i] = awaitType(events, TYPES.indexOf("DELETED"), t, others);
    }
    Arrays.sort(join);
    Arrays.sort(leave);
    return String.format(
        Locale.ROOT,
        "## L4: a namespace joins / leaves an owner's tenant while the owner watches%n%n"
            + "%d joins and %d leaves; time from the start of the admin's change (the test"
            + " helper relabels the namespace, then rewrites both tenants' status and"
            + " RoleBindings) to the ADDED / DELETED line at the watcher.%n%n"
            + "| event | p50 ms | p99 ms | max ms |%n|---|---|---|---|%n"
            + "| ADDED (join) | %.0f | %.0f | %.0f |%n| DELETED (leave) | %.0f | %.0f | %.0f |%n%n"
            + "Target p99 <= 1000 ms. Other events for that namespace seen meanwhile: %d"
            + " ADDED, %d MODIFIED, %d DELETED (a miss within 10 s counts as infinite).%n%n",
        L4_ITERATIONS,
        L4_ITERATIONS,
        ms(ClosedLoop.percentile(join, 0.5)),
        ms(ClosedLoop.percentile(join, 0.99)),
        ms(join[join.length - 1]),
        ms(ClosedLoop.percentile(leave, 0.5)),
        ms(ClosedLoop.percentile(leave, 0.99)),
        ms(leave[leave.length - 1]),
        others[0],
        others[1],
        others[2]);
  }

  private static final List<String> TYPES = List.of("ADDED", "MODIFIED", "DELETED");

  /** Nanoseconds from {@code start} to the first event of {@code type}, else Long.MAX_VALUE. */
  private static long awaitType(
      LinkedBlockingQueue<long[]> events, int type, long start, int[] others)
      throws InterruptedException {
    long deadline = start + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      long left = deadline - System.nanoTime();
      long[] e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
      if (e == null) {
        return Long.MAX_VALUE;
      }
      if (e[0] == type) {
        return e[1] - start;
      }
      if (e[0] >= 0) {
        others[(int) e[0]]++;
      }
    }
  }

  private static double ms(double nanos) {
    return nanos >= Long.MAX_VALUE ? Double.POSITIVE_INFINITY : nanos / 1e6;
  }

  // ---- L5 -----------------------------------------------------------------------------------

  private static String l5(ControlPlane cp, ProxyInFront proxy, String id) {
    StringBuilder sb = new StringBuilder();
    sb.append("## L5: the seed, `kubectl delete namespace` by a tenant owner\n\n")
        .append(
            "| kubectl | path | exit | error lines on stderr | wall s | gone when kubectl returned |\n")
        .append("|---|---|---|---|---|---|\n");
    for (String version : List.of("1.33", "1.27")) {
      for (String path : List.of("proxy", "direct --timeout=20s")) {
        String user =
            "b" + id + "-l5-" + version.replace('.', '-') + (path.equals("proxy") ? "p" : "d");
        KubeUser owner = cp.users().certificate(user, Capsule.CAPSULE_USERS_GROUP);
        String tenant = user + "-t";
        cp.capsule().createTenant(tenant, Owner.user(user));
        cp.capsule().createNamespace(tenant, tenant + "-dev");
        Kubectl kubectl =
            Kubectl.version(
                version, path.equals("proxy") ? proxy.kubeconfig(owner) : owner.kubeconfig());
        Kubectl.Result r =
            path.equals("proxy")
                ? kubectl.run(Duration.ofMinutes(3), "delete", "namespace", tenant + "-dev")
                : kubectl.run(
                    Duration.ofMinutes(3), "delete", "namespace", tenant + "-dev", "--timeout=20s");
        boolean gone = cp.adminClient().namespaces().withName(tenant + "-dev").get() == null;
        long errorLines =
            r.stderr()
                .lines()
                .filter(
                    l ->
                        l.toLowerCase(Locale.ROOT).contains("forbidden")
                            || l.contains("cannot list")
                            || l.startsWith("error")
                            || l.startsWith("E"))
                .count();
        sb.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %d | %d | %.1f | %s |%n",
                version,
                path,
                r.exitCode(),
                errorLines,
                r.elapsed().toMillis() / 1000.0,
                gone ? "yes" : "no"));
      }
    }
    sb.append('\n');
    return sb.toString();
  }
}
