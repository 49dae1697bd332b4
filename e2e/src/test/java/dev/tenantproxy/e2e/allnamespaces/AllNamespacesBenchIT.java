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
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.e2e.load.ProxyProcess;
import dev.tenantproxy.e2e.load.ProxyVitals;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import dev.tenantproxy.proxy.serve.allnamespaces.AllNamespaces;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
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
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
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
    assumeTrue(
        ProxyVitals.enabled("L8") || ProxyVitals.enabled("L8list"),
        "run with -Dbench=L8 (or L8list)");
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

  // ---- L8, the watch part: 500 concurrent -A -w watchers ------------------------------------

  private static final int W_OWNERS = Integer.getInteger("bench.l8.owners", 100);
  private static final int W_NAMESPACES = Integer.getInteger("bench.l8.namespaces", 5);
  private static final List<Integer> W_WATCHERS =
      Arrays.stream(System.getProperty("bench.l8.watchers", "60,500").split(","))
          .map(String::trim)
          .map(Integer::valueOf)
          .toList();
  private static final int W_RATE = Integer.getInteger("bench.l8.rate", 50);
  private static final int W_SECONDS = Integer.getInteger("bench.l8.seconds", 20);
  private static final String SEQ = "bench-seq";

  /** Each phase writes values from its own base: an old value seen late is never this phase's. */
  private static final AtomicInteger PHASE_BASE = new AtomicInteger();

  private static final String UPSTREAM_WATCHES = "tenant_proxy_allnamespaces_upstream_watches";

  /** One side of the watch comparison, measured. */
  private record Phase(
      String target,
      int watchers,
      int streams,
      int opened,
      int failed,
      String failures,
      double openSeconds,
      double upstreamWatches,
      String apiServer,
      int sent,
      long expected,
      int delivered,
      int duplicates,
      int misdelivered,
      long[] latency,
      Map<String, Double> cpuPerUpdate,
      ProxyVitals.Memory memory,
      double releaseSeconds) {}

  /**
   * For each count of {@code -Dbench.l8.watchers} (60,500): that many watchers of ConfigMaps at
   * cluster scope ({@code GET /api/v1/configmaps?watch=true}, what {@code kubectl get cm -A -w}
   * sends), simulated by JDK HttpClients (one client and HTTP/2 connection per owner and phase, its
   * own certificate), spread over {@code -Dbench.l8.owners} (100) owners of {@code
   * -Dbench.l8.namespaces} (5) namespaces each, through the proxy as a separate JVM; then the same
   * watchers watching each of their namespaces straight at the API server. Meanwhile the admin
   * patches a ConfigMap in a random namespace {@code -Dbench.l8.rate} (50) times a second for
   * {@code -Dbench.l8.seconds} (20): latency from the patch sent to the event at each watcher of
   * that namespace, upstream watches the proxy holds (and the API server's configmap watches and
   * priority-and-fairness queue), the proxy's heap and RSS, CPU per update. Off by default: {@code
   * -Dbench=L8} (or {@code L8watch}); writes {@code target/benchmarks/L8-allnamespaces-watch.md}.
   */
  @Test
  void allNamespacesWatchersVersusWatchingEachNamespaceDirect(ControlPlane cp) throws Exception {
    assumeTrue(
        ProxyVitals.enabled("L8") || ProxyVitals.enabled("L8watch"),
        "run with -Dbench=L8 (or L8watch)");
    KubernetesClient admin = cp.adminClient();
    String id = Long.toHexString(System.nanoTime()).substring(6);
    long t0 = System.nanoTime();
    List<KubeUser> owners = new ArrayList<>();
    List<List<String>> namespaces = new ArrayList<>();
    for (int o = 0; o < W_OWNERS; o++) {
      String tenant = String.format(Locale.ROOT, "l8w%s-t%03d", id, o);
      owners.add(cp.users().certificate(tenant + "-owner", Capsule.CAPSULE_USERS_GROUP));
      List<String> mine = new ArrayList<>();
      for (int n = 0; n < W_NAMESPACES; n++) {
        mine.add(tenant + "-n" + n);
      }
      namespaces.add(mine);
    }
    ExecutorService setup = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int o = 0; o < W_OWNERS; o++) {
        int owner = o;
        work.add(
            setup.submit(
                () -> {
                  String tenant = namespaces.get(owner).get(0).replaceAll("-n0$", "");
                  cp.capsule().createTenant(tenant, Owner.user(owners.get(owner).name()));
                  for (String ns : namespaces.get(owner)) {
                    cp.capsule().createNamespace(tenant, ns);
                    admin
                        .configMaps()
                        .inNamespace(ns)
                        .resource(
                            new ConfigMapBuilder()
                                .withNewMetadata()
                                .withName("bench")
                                .endMetadata()
                                .addToData(SEQ, "0")
                                .build())
                        .create();
                  }
                  return null;
                }));
      }
      for (Future<?> f : work) {
        f.get(20, TimeUnit.MINUTES);
      }
    } finally {
      setup.shutdownNow();
    }
    long setupSeconds = (System.nanoTime() - t0) / 1_000_000_000L;
    ExecutorService callbacks = Executors.newFixedThreadPool(4);
    List<Phase> phases = new ArrayList<>();
    ProxyVitals.Memory idle;
    String jvm;
    try (ProxyProcess proxy =
        ProxyProcess.start(cp, dir.resolve("proxy"), Pki.newCa("tenant-proxy-bench-ca"))) {
      proxy.awaitReady(Duration.ofMinutes(3));
      jvm = ProxyVitals.jvmOptions(proxy);
      // the index knows every owner's namespaces: the last owner lists its ConfigMaps
      HttpClient last = h2(owners.get(W_OWNERS - 1), proxy.pki().caPem(), callbacks, proxy.url());
      await()
          .atMost(Duration.ofMinutes(3))
          .ignoreExceptions()
          .until(
              () ->
                  count(get(last, proxy.url() + "/api/v1/configmaps", "application/json"), "bench")
                      == W_NAMESPACES);
      idle = ProxyVitals.memory(proxy);
      var pids = ProxyVitals.processes(cp, proxy);
      for (int watchers : W_WATCHERS) {
        phases.add(
            watchPhase(
                "proxy (`-A -w` as the owner)",
                watchers,
                cp,
                namespaces,
                w -> List.of(URI.create(proxy.url() + "/api/v1/configmaps?" + watchQuery())),
                clients(owners, proxy.pki().caPem(), callbacks, proxy.url()),
                pids,
                proxy,
                proxy));
        phases.add(
            watchPhase(
                "direct (each namespace watched as the owner)",
                watchers,
                cp,
                namespaces,
                w ->
                    namespaces.get(w % W_OWNERS).stream()
                        .map(
                            ns ->
                                URI.create(
                                    cp.apiServerUrl()
                                        + "/api/v1/namespaces/"
                                        + ns
                                        + "/configmaps?"
                                        + watchQuery()))
                        .toList(),
                clients(owners, cp.caPem(), callbacks, cp.apiServerUrl()),
                pids,
                null,
                proxy));
      }
    } finally {
      callbacks.shutdownNow();
    }
    String text = watchReport(phases, idle, setupSeconds, jvm);
    System.out.println(text);
    Path out = Path.of("target", "benchmarks");
    Files.createDirectories(out);
    Files.writeString(out.resolve("L8-allnamespaces-watch.md"), text);
    for (Phase p : phases) {
      assertThat(p.opened()).as(p.target() + " watches open").isPositive();
      assertThat(p.misdelivered()).as(p.target() + " events of another owner").isZero();
    }
  }

  private static String watchQuery() {
    return "watch=true&allowWatchBookmarks=true&timeoutSeconds=" + (W_SECONDS + 900);
  }

  private interface Uris {
    List<URI> of(int watcher);
  }

  /**
   * Opens every watcher's streams, waits until they are open (bounded), sends the updates, waits
   * for their deliveries (bounded), closes the streams. {@code measured} is the proxy when it
   * serves this phase (its memory and upstream watches are sampled), else null.
   */
  private static Phase watchPhase(
      String target,
      int watchers,
      ControlPlane cp,
      List<List<String>> namespaces,
      Uris uris,
      List<HttpClient> clients,
      Map<String, List<Long>> pids,
      ProxyProcess measured,
      ProxyProcess proxy)
      throws Exception {
    KubernetesClient admin = cp.adminClient();
    int perOwner = (watchers + W_OWNERS - 1) / W_OWNERS;
    int base = PHASE_BASE.addAndGet(1_000_000);
    int expectedUpdates = W_RATE * W_SECONDS;
    int[] watchersOf = new int[W_OWNERS];
    for (int w = 0; w < watchers; w++) {
      watchersOf[w % W_OWNERS]++;
    }
    AtomicLongArray sentAt = new AtomicLongArray(expectedUpdates + 1);
    int[] ownerOf = new int[expectedUpdates + 1];
    AtomicIntegerArray got = new AtomicIntegerArray((expectedUpdates + 1) * perOwner);
    long[] latency = new long[(expectedUpdates + 1) * perOwner];
    AtomicInteger delivered = new AtomicInteger();
    AtomicInteger duplicates = new AtomicInteger();
    AtomicInteger misdelivered = new AtomicInteger();
    AtomicInteger opened = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    List<Flow.Subscription> subscriptions =
        java.util.Collections.synchronizedList(new ArrayList<>());
    int streams = 0;
    List<CompletableFuture<?>> requests = new ArrayList<>();
    long open0 = System.nanoTime();
    for (int w = 0; w < watchers; w++) {
      int owner = w % W_OWNERS;
      int rank = w / W_OWNERS;
      for (URI uri : uris.of(w)) {
        streams++;
        java.util.concurrent.atomic.AtomicBoolean headed =
            new java.util.concurrent.atomic.AtomicBoolean();
        Flow.Subscriber<String> lines =
            new Flow.Subscriber<>() {
              @Override
              public void onSubscribe(Flow.Subscription s) {
                subscriptions.add(s);
                s.request(Long.MAX_VALUE);
              }

              @Override
              public void onNext(String line) {
                long now = System.nanoTime();
                int at = line.indexOf("\"" + SEQ + "\":\"");
                if (at < 0) {
                  return;
                }
                int start = at + SEQ.length() + 4;
                int seq = Integer.parseInt(line.substring(start, line.indexOf('"', start))) - base;
                if (seq <= 0 || seq > expectedUpdates || sentAt.get(seq) == 0) {
                  return; // the initial state, or an update of an earlier phase
                }
                if (ownerOf[seq] != owner) {
                  misdelivered.incrementAndGet();
                } else if (got.compareAndSet(seq * perOwner + rank, 0, 1)) {
                  latency[seq * perOwner + rank] = now - sentAt.get(seq);
                  delivered.incrementAndGet();
                } else {
                  duplicates.incrementAndGet();
                }
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onComplete() {}
            };
        CompletableFuture<HttpResponse<Void>> sent =
            clients
                .get(owner)
                .sendAsync(
                    HttpRequest.newBuilder(uri).header("Accept", "application/json").build(),
                    info -> {
                      headed.set(true);
                      if (info.statusCode() == 200) {
                        opened.incrementAndGet();
                      } else {
                        failed.incrementAndGet();
                        failures
                            .computeIfAbsent("HTTP " + info.statusCode(), k -> new AtomicInteger())
                            .incrementAndGet();
                      }
                      return HttpResponse.BodySubscribers.fromLineSubscriber(lines);
                    });
        requests.add(sent); // cancelled at the end: a request still without a head is abandoned
        sent.exceptionally(
            e -> {
              Throwable c = e.getCause() != null ? e.getCause() : e;
              if (headed.get()) {
                return null; // an open stream that ended (closed at the end of the phase)
              }
              failed.incrementAndGet();
              failures
                  .computeIfAbsent(
                      c.getClass().getSimpleName()
                          + ": "
                          + String.valueOf(c.getMessage()).replaceAll("\\d+", "N"),
                      k -> new AtomicInteger())
                  .incrementAndGet();
              return null;
            });
      }
    }
    int allStreams = streams;
    long expectedUpstream = (long) watchers * W_NAMESPACES;
    // open: every stream answered, and (through the proxy) every upstream watch open; bounded
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline
        && (opened.get() + failed.get() < allStreams
            || (measured != null
                && ProxyVitals.metric(measured, UPSTREAM_WATCHES, "") < expectedUpstream))) {
      Thread.sleep(200);
    }
    double openSeconds = (System.nanoTime() - open0) / 1e9;
    double upstream = ProxyVitals.metric(proxy, UPSTREAM_WATCHES, "");
    String apiServer = apiServerWatches(cp);

    // the updates
    List<String> all = namespaces.stream().flatMap(List::stream).toList();
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    ExecutorService patchers = Executors.newFixedThreadPool(16);
    AtomicInteger seqs = new AtomicInteger();
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    Map<String, Long> before = ProxyVitals.cpuTicks(pids);
    CompletableFuture<Void> done = new CompletableFuture<>();
    var tick =
        ticker.scheduleAtFixedRate(
            () -> {
              int seq = seqs.incrementAndGet();
              if (seq > expectedUpdates) {
                done.complete(null);
                return;
              }
              int i = random.nextInt(all.size());
              ownerOf[seq] = i / W_NAMESPACES;
              String ns = all.get(i);
              patchers.execute(
                  () -> {
                    sentAt.set(seq, System.nanoTime());
                    admin
                        .configMaps()
                        .inNamespace(ns)
                        .withName("bench")
                        .patch(
                            PatchContext.of(PatchType.JSON_MERGE),
                            "{\"data\":{\"" + SEQ + "\":\"" + (base + seq) + "\"}}");
                  });
            },
            0,
            1_000_000 / W_RATE,
            TimeUnit.MICROSECONDS);
    done.get(W_SECONDS * 4L + 60, TimeUnit.SECONDS);
    tick.cancel(false);
    ticker.shutdown();
    patchers.shutdown();
    patchers.awaitTermination(2, TimeUnit.MINUTES);
    long expected = 0;
    for (int s = 1; s <= expectedUpdates; s++) {
      expected += watchersOf[ownerOf[s]];
    }
    long expectedDeliveries = expected;
    // deliveries still missing 30 s after the last update count as missing
    long waitEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (delivered.get() < expectedDeliveries && System.nanoTime() < waitEnd) {
      Thread.sleep(200);
    }
    Map<String, Long> after = ProxyVitals.cpuTicks(pids);
    Map<String, Double> cpu = new java.util.LinkedHashMap<>();
    for (String name : pids.keySet()) {
      cpu.put(name, ProxyVitals.cpuMicros(name, before, after, expectedUpdates));
    }
    ProxyVitals.Memory memory = measured == null ? null : ProxyVitals.memory(measured);
    // close every stream; the proxy must release its upstream watches
    subscriptions.forEach(Flow.Subscription::cancel);
    requests.forEach(r -> r.cancel(true)); // those still waiting for their response head
    long close0 = System.nanoTime();
    double release = Double.NaN;
    if (measured != null) {
      long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
      while (ProxyVitals.metric(measured, UPSTREAM_WATCHES, "") > 0 && System.nanoTime() < end) {
        Thread.sleep(100);
      }
      if (ProxyVitals.metric(measured, UPSTREAM_WATCHES, "") == 0) {
        release = (System.nanoTime() - close0) / 1e9;
      }
    }
    long[] lat = new long[delivered.get()];
    int k = 0;
    for (int i = 0; i < latency.length && k < lat.length; i++) {
      if (got.get(i) == 1) {
        lat[k++] = latency[i];
      }
    }
    lat = Arrays.copyOf(lat, k);
    Arrays.sort(lat);
    StringBuilder why = new StringBuilder();
    failures.forEach((reason, n) -> why.append(n).append(" × ").append(reason).append("; "));
    return new Phase(
        target,
        watchers,
        allStreams,
        opened.get(),
        failed.get(),
        why.toString(),
        openSeconds,
        upstream,
        apiServer,
        expectedUpdates,
        expectedDeliveries,
        delivered.get(),
        duplicates.get(),
        misdelivered.get(),
        lat,
        cpu,
        memory,
        release);
  }

  private static String watchReport(
      List<Phase> phases, ProxyVitals.Memory idle, long setupSeconds, String jvm) {
    StringBuilder sb = new StringBuilder();
    sb.append("# L8 watch: concurrent `-A -w` watchers at ")
        .append(W_RATE)
        .append(" updates/s\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "%d owners × %d namespaces (one ConfigMap `bench` each; fixture created in %d s);"
                    + " watchers of ConfigMaps spread over the owners (watcher w is owner w %% %d;"
                    + " JDK HttpClient, one HTTP/2 connection per owner and phase, its own"
                    + " certificate); the admin patches the `bench` ConfigMap of a random"
                    + " namespace %d/s for %d s; latency = patch sent → event line received by"
                    + " each watcher of that namespace's owner (deliveries missing 30 s after the"
                    + " last update count as missing). A phase waits at most 2 min for its"
                    + " streams to open.%n%n",
                W_OWNERS,
                W_NAMESPACES,
                setupSeconds,
                W_OWNERS,
                W_RATE,
                W_SECONDS))
        .append(
            "| watchers | target | streams opened / failed before the head / of | waited s | upstream watches held"
                + " by the proxy | API server | deliveries expected / received | duplicates |"
                + " other owner's events | p50 ms | p99 ms | max ms |\n")
        .append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Phase p : phases) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %d | %s | %d / %d / %d | %.1f | %.0f | %s | %d / %d | %d | %d | %.1f | %.1f |"
                  + " %.1f |%n",
              p.watchers(),
              p.target(),
              p.opened(),
              p.failed(),
              p.streams(),
              p.openSeconds(),
              p.upstreamWatches(),
              p.apiServer(),
              p.expected(),
              p.delivered(),
              p.duplicates(),
              p.misdelivered(),
              pct(p.latency(), 0.5),
              pct(p.latency(), 0.99),
              p.latency().length == 0 ? 0 : p.latency()[p.latency().length - 1] / 1e6));
    }
    sb.append("\nCPU per update, µs (utime + stime from /proc, during the updates):\n\n");
    sb.append("| watchers | target |");
    phases.get(0).cpuPerUpdate().keySet().forEach(n -> sb.append(' ').append(n).append(" |"));
    sb.append("\n|---|---|");
    phases.get(0).cpuPerUpdate().keySet().forEach(n -> sb.append("---|"));
    sb.append('\n');
    for (Phase p : phases) {
      sb.append("| ").append(p.watchers()).append(" | ").append(p.target()).append(" |");
      p.cpuPerUpdate().values().forEach(v -> sb.append(String.format(Locale.ROOT, " %.0f |", v)));
      sb.append('\n');
    }
    sb.append("\nProxy memory:\n\n")
        .append(ProxyVitals.Memory.header())
        .append(idle.row("before the watchers"));
    for (Phase p : phases) {
      if (p.memory() != null) {
        sb.append(p.memory().row("after the updates, " + p.watchers() + " watchers open"));
      }
    }
    sb.append('\n');
    for (Phase p : phases) {
      if (p.memory() != null) {
        sb.append(
            String.format(
                Locale.ROOT,
                "%d watchers: upstream watches back to 0 %.1f s after the clients closed their"
                    + " streams (NaN: not within 1 min).%n",
                p.watchers(),
                p.releaseSeconds()));
      }
    }
    for (Phase p : phases) {
      if (!p.failures().isEmpty()) {
        sb.append("\nFailures (")
            .append(p.watchers())
            .append(", ")
            .append(p.target())
            .append("): ")
            .append(p.failures())
            .append('\n');
      }
    }
    sb.append("\nProxy JVM options: `").append(jvm).append("`.\n\n").append(ProxyVitals.machine());
    return sb.append('\n').toString();
  }

  /**
   * ConfigMap WATCH requests the API server holds ({@code apiserver_longrunning_requests}) and its
   * priority-and-fairness queue: requests waiting and rejected so far.
   */
  private static String apiServerWatches(ControlPlane cp) {
    String text = cp.adminClient().raw(cp.apiServerUrl() + "/metrics");
    double watches = 0;
    double queued = 0;
    double rejected = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("#")) {
        continue;
      }
      String[] parts = line.trim().split(" ");
      double v;
      try {
        v = Double.parseDouble(parts[parts.length - 1]);
      } catch (NumberFormatException e) {
        continue;
      }
      if (line.startsWith("apiserver_longrunning_requests{")
          && line.contains("resource=\"configmaps\"")
          && line.contains("verb=\"WATCH\"")) {
        watches += v;
      } else if (line.startsWith("apiserver_flowcontrol_current_inqueue_requests{")) {
        queued += v;
      } else if (line.startsWith("apiserver_flowcontrol_rejected_requests_total{")) {
        rejected += v;
      }
    }
    return String.format(
        Locale.ROOT,
        "%.0f configmap watches, %.0f queued (APF), %.0f rejected",
        watches,
        queued,
        rejected);
  }

  /** One HTTP/2 client per owner, each with its connection open. */
  private static List<HttpClient> clients(
      List<KubeUser> owners, String caPem, ExecutorService callbacks, String base)
      throws Exception {
    List<HttpClient> out = new ArrayList<>();
    for (KubeUser owner : owners) {
      out.add(h2(owner, caPem, callbacks, base));
    }
    return out;
  }

  private static int count(String list, String name) {
    int n = 0;
    for (Object item :
        Objects.requireNonNullElse(
            new JsonObject(list).getJsonArray("items"), new io.vertx.core.json.JsonArray())) {
      if (name.equals(((JsonObject) item).getJsonObject("metadata").getString("name"))) {
        n++;
      }
    }
    return n;
  }

  /** HTTP/2 client for {@code user}, its connection opened by one request to {@code base}. */
  private static HttpClient h2(KubeUser user, String caPem, ExecutorService callbacks, String base)
      throws Exception {
    HttpClient c =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .sslContext(JdkTls.forUser(user, caPem))
            .executor(callbacks)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    c.send(
        HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
        HttpResponse.BodyHandlers.discarding());
    return c;
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
