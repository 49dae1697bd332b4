package dev.tenantproxy.e2e.load;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.testsupport.PrometheusText;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark L3 (benchmarks.md): namespace watch fan-out. The proxy runs as users run it (a separate
 * JVM, {@link ProxyProcess}) in front of the fleet; N owners (default 2,000, one per tenant: {@code
 * user-<i>}) each hold {@code GET /api/v1/namespaces?watch=true} through it, as HTTP/2 streams from
 * JDK HttpClients (80 streams per client and connection, 25 connections for 2,000 watchers;
 * authenticated as a front proxy with {@code X-Remote-User}); meanwhile the admin patches a label
 * and an annotation carrying the send time on fleet namespaces straight at the API server, 50/s for
 * 60 s. Measured: update-to-receipt latency at the owning watcher, namespace WATCH requests held at
 * the API server (its {@code apiserver_longrunning_requests}) before the proxy, with the proxy idle
 * and under load, and the proxy's RSS ({@code /proc}) and heap (its Micrometer {@code
 * jvm_memory_used_bytes}; live heap after a {@code jcmd GC.run}). Off by default: {@code
 * -Dbench=L3} (options {@code -Dbench.l3.watchers=2000 -Dbench.l3.rate=50 -Dbench.l3.seconds=60}).
 * Writes {@code target/benchmarks/L3-watch-fanout.md}.
 */
@ExtendWith(ControlPlaneExtension.class)
class NamespaceWatchBenchIT {
  private static final int WATCHERS = Integer.getInteger("bench.l3.watchers", 2000);
  private static final int RATE = Integer.getInteger("bench.l3.rate", 50);
  private static final int SECONDS = Integer.getInteger("bench.l3.seconds", 60);
  private static final int STREAMS_PER_CLIENT = Integer.getInteger("bench.l3.streams", 80);
  private static final String SENT = "bench.tenant-proxy.dev/sent";
  private static final String NS_WATCHES = "apiserver_longrunning_requests";

  @TempDir Path dir;

  private record Sample(double rss, double heap, double upstreamNsWatches, double openWatches) {}

  @Test
  void namespaceWatchFanOut(ControlPlane cp) throws Exception {
    assumeTrue(Bench.enabled("L3"), "run with -Dbench=L3");
    Fleet fleet = Bench.fleet(cp);
    int watchers = Math.min(WATCHERS, fleet.tenants());
    KubernetesClient admin = cp.adminClient();
    double nsWatchesBefore = apiServerNsWatches(cp);
    Pki pki = Pki.newCa("tenant-proxy-bench-ca");
    ExecutorService callbacks = Executors.newFixedThreadPool(4);
    StringBuilder sb = new StringBuilder();
    try (ProxyProcess proxy = ProxyProcess.start(cp, dir.resolve("proxy"), pki)) {
      ProxyProcess.Startup startup = proxy.awaitReady(Duration.ofMinutes(3));
      Thread.sleep(2000);
      double nsWatchesIdle = apiServerNsWatches(cp);
      Sample idle = sample(cp, proxy);

      Pki.Issued front = pki.client(ProxyProcess.FRONT_PROXY, List.of());
      // JDK HttpClient speaks HTTP/2 over one connection per client and (in JDK 17) does not
      // open a second one when the server's stream limit (Vert.x default 100) is reached: at
      // most STREAMS_PER_CLIENT watches per client
      javax.net.ssl.SSLContext tls =
          JdkTls.sslContext(front.certPem(), front.keyPem(), pki.caPem());
      List<HttpClient> clients = new ArrayList<>();
      for (int c = 0; c < (watchers + STREAMS_PER_CLIENT - 1) / STREAMS_PER_CLIENT; c++) {
        clients.add(
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(tls)
                .executor(callbacks)
                .connectTimeout(Duration.ofSeconds(10))
                .build());
      }
      // one request per client first, so that each holds its HTTP/2 connection before the
      // watches are opened on it (any answer will do: /healthz passes through to the API server)
      for (HttpClient c : clients) {
        c.send(
            HttpRequest.newBuilder(URI.create(proxy.url() + "/healthz")).build(),
            HttpResponse.BodyHandlers.discarding());
      }
      AtomicIntegerArray state = new AtomicIntegerArray(watchers); // 0 opening, 1 open, 2 failed
      java.util.concurrent.ConcurrentHashMap<String, AtomicInteger> failures =
          new java.util.concurrent.ConcurrentHashMap<>();

      int expected = RATE * SECONDS;
      AtomicLongArray sentAt = new AtomicLongArray(expected + 1);
      long[] latency = new long[expected + 1];
      AtomicIntegerArray received = new AtomicIntegerArray(expected + 1);
      AtomicInteger delivered = new AtomicInteger();
      AtomicInteger duplicates = new AtomicInteger();
      AtomicInteger misdelivered = new AtomicInteger();
      AtomicInteger open = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      AtomicInteger ended = new AtomicInteger();
      AtomicLong lines = new AtomicLong();
      long t0 = System.nanoTime();
      for (int i = 0; i < watchers; i++) {
        int owner = i;
        String mine = "\"name\":\"" + fleet.prefix() + "-t" + owner + "-ns";
        Flow.Subscriber<String> watcher =
            new Flow.Subscriber<>() {
              @Override
              public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
              }

              @Override
              public void onNext(String line) {
                long now = System.nanoTime();
                lines.incrementAndGet();
                int at = line.indexOf(SENT + "\":\"");
                if (at < 0) {
                  return;
                }
                int start = at + SENT.length() + 3;
                int seq = Integer.parseInt(line.substring(start, line.indexOf('"', start)));
                if (!line.contains(mine)) {
                  misdelivered.incrementAndGet();
                }
                if (seq < sentAt.length() && received.compareAndSet(seq, 0, 2)) {
                  latency[seq] = now - sentAt.get(seq);
                  received.set(seq, 1); // publishes latency[seq]
                  delivered.incrementAndGet();
                } else {
                  duplicates.incrementAndGet();
                }
              }

              @Override
              public void onError(Throwable throwable) {
                ended.incrementAndGet();
              }

              @Override
              public void onComplete() {
                ended.incrementAndGet();
              }
            };
        HttpRequest request =
            HttpRequest.newBuilder(
                    URI.create(
                        proxy.url()
                            + "/api/v1/namespaces?watch=true&timeoutSeconds="
                            + (SECONDS + 600)))
                .header("Accept", "application/json")
                .header("X-Remote-User", fleet.user(owner))
                .header("X-Remote-Group", Capsule.CAPSULE_USERS_GROUP)
                .build();
        clients
            .get(owner / STREAMS_PER_CLIENT)
            .sendAsync(
                request,
                info -> {
                  if (info.statusCode() == 200) {
                    state.set(owner, 1);
                    open.incrementAndGet();
                  } else {
                    state.set(owner, 2);
                    failed.incrementAndGet();
                    failures
                        .computeIfAbsent("HTTP " + info.statusCode(), k -> new AtomicInteger())
                        .incrementAndGet();
                  }
                  return HttpResponse.BodySubscribers.fromLineSubscriber(watcher);
                })
            .exceptionally(
                e -> {
                  Throwable cause = e.getCause() != null ? e.getCause() : e;
                  if (state.compareAndSet(owner, 0, 2)) {
                    // failed before the response headers (an open stream ends via the subscriber)
                    failed.incrementAndGet();
                    failures
                        .computeIfAbsent(
                            cause.getClass().getSimpleName() + ": " + cause.getMessage(),
                            k -> new AtomicInteger())
                        .incrementAndGet();
                  }
                  return null;
                });
      }
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (open.get() + failed.get() < watchers && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      double openSeconds = (System.nanoTime() - t0) / 1e9;
      Thread.sleep(3000); // initial ADDED events settle
      Sample watching = sample(cp, proxy);
      String watchMetrics =
          proxy
              .metrics()
              .lines()
              .filter(l -> !l.startsWith("#") && l.toLowerCase(Locale.ROOT).contains("watch"))
              .collect(java.util.stream.Collectors.joining("\n"));
      // the same updates seen straight from the API server: one admin watch of all namespaces
      // (opened after the sample above; one more namespace WATCH at the API server from here on)
      long[] directLatency = new long[expected + 1];
      AtomicIntegerArray directReceived = new AtomicIntegerArray(expected + 1);
      AtomicInteger directDelivered = new AtomicInteger();
      HttpClient adminHttp =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_2)
              .sslContext(
                  JdkTls.sslContext(
                      cp.admin().certificatePem().orElseThrow(),
                      cp.admin().privateKeyPem().orElseThrow(),
                      cp.caPem()))
              .executor(callbacks)
              .build();
      adminHttp.sendAsync(
          HttpRequest.newBuilder(
                  URI.create(
                      cp.apiServerUrl()
                          + "/api/v1/namespaces?watch=true&timeoutSeconds="
                          + (SECONDS + 600)))
              .header("Accept", "application/json")
              .build(),
          HttpResponse.BodyHandlers.fromLineSubscriber(
              new Flow.Subscriber<String>() {
                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                  subscription.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(String line) {
                  long now = System.nanoTime();
                  int at = line.indexOf(SENT + "\":\"");
                  if (at < 0) {
                    return;
                  }
                  int start = at + SENT.length() + 3;
                  int seq = Integer.parseInt(line.substring(start, line.indexOf('"', start)));
                  if (seq < sentAt.length() && directReceived.compareAndSet(seq, 0, 2)) {
                    directLatency[seq] = now - sentAt.get(seq);
                    directReceived.set(seq, 1); // publishes directLatency[seq]
                    directDelivered.incrementAndGet();
                  }
                }

                @Override
                public void onError(Throwable throwable) {}

                @Override
                public void onComplete() {}
              }));

      // the updates: a label patch with the send time in an annotation, RATE/s for SECONDS
      List<Sample> samples = new ArrayList<>();
      ScheduledExecutorService ticker = Executors.newScheduledThreadPool(2);
      ExecutorService patchers = Executors.newFixedThreadPool(16);
      AtomicInteger seqs = new AtomicInteger();
      int[] target = new int[expected + 1]; // written by the single ticker thread
      AtomicInteger patchErrors = new AtomicInteger();
      java.util.SplittableRandom random = new java.util.SplittableRandom(42);
      long runStart = System.nanoTime();
      var tick =
          ticker.scheduleAtFixedRate(
              () -> {
                int seq = seqs.incrementAndGet();
                if (seq > expected) {
                  return;
                }
                int tenant;
                synchronized (random) {
                  tenant = random.nextInt(watchers);
                }
                target[seq] = tenant;
                String ns = fleet.namespaces().get(tenant).get(seq % 5);
                patchers.execute(
                    () -> {
                      try {
                        sentAt.set(seq, System.nanoTime());
                        admin
                            .namespaces()
                            .withName(ns)
                            .patch(
                                PatchContext.of(PatchType.JSON_MERGE),
                                "{\"metadata\":{\"labels\":{\"bench.tenant-proxy.dev/seq\":\""
                                    + seq
                                    + "\"},\"annotations\":{\""
                                    + SENT
                                    + "\":\""
                                    + seq
                                    + "\"}}}");
                      } catch (RuntimeException e) {
                        patchErrors.incrementAndGet();
                      }
                    });
              },
              0,
              1_000_000 / RATE,
              TimeUnit.MICROSECONDS);
      var sampler =
          ticker.scheduleAtFixedRate(
              () -> {
                try {
                  Sample s = sample(cp, proxy);
                  synchronized (samples) {
                    samples.add(s);
                  }
                } catch (Exception e) {
                  // a missed sample
                }
              },
              1,
              1,
              TimeUnit.SECONDS);
      Thread.sleep(TimeUnit.SECONDS.toMillis(SECONDS) + 100);
      tick.cancel(false);
      patchers.shutdown();
      patchers.awaitTermination(1, TimeUnit.MINUTES);
      double sendSeconds = (System.nanoTime() - runStart) / 1e9;
      int sent = Math.min(seqs.get(), expected);
      long drain = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while ((delivered.get() < sent - patchErrors.get()
              || directDelivered.get() < sent - patchErrors.get())
          && System.nanoTime() < drain) {
        Thread.sleep(50);
      }
      sampler.cancel(false);
      ticker.shutdownNow();
      Sample end = sample(cp, proxy);
      String heapInfo = proxy.jcmd("GC.heap_info").orElse("(jcmd failed)");
      String vitals =
          "\nJVM options `"
              + ProxyVitals.jvmOptions(proxy)
              + "`; memory at the end of the updates:\n\n"
              + ProxyVitals.Memory.header()
              + ProxyVitals.memory(proxy).row("end of the updates")
              + "\n";
      proxy.jcmd("GC.run");
      Thread.sleep(1000);
      Sample afterGc = sample(cp, proxy);

      int deliverable = 0;
      for (int q = 1; q <= Math.min(seqs.get(), expected); q++) {
        if (state.get(target[q]) == 1) {
          deliverable++;
        }
      }
      long[] lat = collect(received, latency, 1, expected);
      long[] directLat = collect(directReceived, directLatency, 1, expected);
      StringBuilder windows = new StringBuilder();
      int window = 10 * RATE;
      for (int from = 1; from <= expected; from += window) {
        int to = Math.min(expected, from + window - 1);
        long[] p = collect(received, latency, from, to);
        long[] d = collect(directReceived, directLatency, from, to);
        windows.append(
            String.format(
                Locale.ROOT,
                "| %d-%d | %d | %.1f | %.1f | %d | %.1f | %.1f |%n",
                (from - 1) / RATE,
                to / RATE,
                p.length,
                Bench.percentile(p, 0.5) / 1e6,
                Bench.percentile(p, 0.99) / 1e6,
                d.length,
                Bench.percentile(d, 0.5) / 1e6,
                Bench.percentile(d, 0.99) / 1e6));
      }
      List<Sample> all = new ArrayList<>(samples);
      all.add(end);
      double maxRss = all.stream().mapToDouble(Sample::rss).max().orElse(Double.NaN);
      double maxHeap = all.stream().mapToDouble(Sample::heap).max().orElse(Double.NaN);
      double maxUp = all.stream().mapToDouble(Sample::upstreamNsWatches).max().orElse(Double.NaN);
      double minOpen = all.stream().mapToDouble(Sample::openWatches).min().orElse(Double.NaN);
      double p50 = Bench.percentile(lat, 0.50) / 1e6;
      double p99 = Bench.percentile(lat, 0.99) / 1e6;
      double max = lat.length == 0 ? Double.NaN : lat[lat.length - 1] / 1e6;
      double mib = 1024 * 1024;
      sb.append("# L3 namespace watch fan-out: ")
          .append(watchers)
          .append(" owners watching, ")
          .append(RATE)
          .append(" namespace updates/s for ")
          .append(SECONDS)
          .append(" s\n\n")
          .append(Bench.machine())
          .append("\n\n")
          .append(
              String.format(
                  Locale.ROOT,
                  "Proxy: separate JVM, default JVM options, ready %.2f s after its start. Fleet:"
                      + " %d tenants x 5 namespaces (created in %d s). %d watch streams opened in"
                      + " %.1f s, %d HTTP/2 streams per connection (%d failed to open); %d stream(s)"
                      + " ended early.%n%n",
                  startup.readySeconds(),
                  fleet.tenants(),
                  fleet.seconds(),
                  open.get(),
                  openSeconds,
                  STREAMS_PER_CLIENT,
                  failed.get(),
                  ended.get()))
          .append(
              failures.isEmpty()
                  ? ""
                  : "Watches that failed to open, by reason: "
                      + failures.entrySet().stream()
                          .map(e -> e.getValue().get() + " x `" + e.getKey() + "`")
                          .collect(java.util.stream.Collectors.joining("; "))
                      + ".\n\n")
          .append("## Delivery: update (admin's PATCH sent) to receipt at the owning watcher\n\n")
          .append(
              String.format(
                  Locale.ROOT,
                  "%d updates sent in %.1f s (%.1f/s), %d patch errors; %d of them to a"
                      + " namespace whose owner's watch is open.%n%n",
                  sent,
                  sendSeconds,
                  sent / sendSeconds,
                  patchErrors.get(),
                  deliverable))
          .append(
              "| receiver | delivered | duplicates | to a non-owner | p50 ms | p99 ms | max ms"
                  + " |\n|---|---|---|---|---|---|---|\n")
          .append(
              String.format(
                  Locale.ROOT,
                  "| proxy: the owning watcher among %d | %d | %d | %d | %.1f | %.1f | %.1f |%n",
                  open.get(),
                  delivered.get(),
                  duplicates.get(),
                  misdelivered.get(),
                  p50,
                  p99,
                  max))
          .append(
              String.format(
                  Locale.ROOT,
                  "| direct: one admin watch of all namespaces at the API server | %d | - | - |"
                      + " %.1f | %.1f | %.1f |%n%n",
                  directDelivered.get(),
                  Bench.percentile(directLat, 0.5) / 1e6,
                  Bench.percentile(directLat, 0.99) / 1e6,
                  directLat.length == 0 ? Double.NaN : directLat[directLat.length - 1] / 1e6))
          .append(
              String.format(
                  Locale.ROOT,
                  "Added by the proxy (p50 / p99 of proxy minus direct): %.1f / %.1f ms.%n%n",
                  p50 - Bench.percentile(directLat, 0.5) / 1e6,
                  p99 - Bench.percentile(directLat, 0.99) / 1e6))
          .append("By 10-s window of the run (updates by send order):\n\n")
          .append(
              "| seconds | proxy delivered | proxy p50 ms | proxy p99 ms | direct delivered |"
                  + " direct p50 ms | direct p99 ms |\n|---|---|---|---|---|---|---|\n")
          .append(windows)
          .append('\n')
          .append("## Upstream namespace watches and proxy memory\n\n")
          .append(
              "| moment | namespace WATCHes at the API server (all clients) |"
                  + " tenant_proxy_open_watches | proxy RSS"
                  + " MiB | proxy heap used MiB |\n|---|---|---|---|---|\n")
          .append(
              String.format(
                  Locale.ROOT,
                  "| before the proxy started | %.0f | - | - | - |%n",
                  nsWatchesBefore))
          .append(row("proxy ready, no watchers", idle, nsWatchesIdle))
          .append(
              row(
                  open.get() + " watchers, before the updates",
                  watching,
                  watching.upstreamNsWatches()))
          .append(
              String.format(
                  Locale.ROOT,
                  "| during the updates, incl. the direct admin watch (max of %d 1-s samples; min"
                      + " open watches) | %.0f | %.0f |"
                      + " %.0f | %.0f |%n",
                  all.size(),
                  maxUp,
                  minOpen,
                  maxRss / mib,
                  maxHeap / mib))
          .append(
              row("after a full GC (jcmd GC.run): live heap", afterGc, afterGc.upstreamNsWatches()))
          .append(
              String.format(
                  Locale.ROOT,
                  "%nNamespace WATCH requests the proxy added at the API server: %.0f idle, %.0f"
                      + " with %d watchers open, %.0f during the updates (max during the updates"
                      + " minus before minus 1 for the benchmark's own direct admin watch, which is"
                      + " open from then on).%n%n",
                  nsWatchesIdle - nsWatchesBefore,
                  watching.upstreamNsWatches() - nsWatchesBefore,
                  open.get(),
                  maxUp - 1 - nsWatchesBefore))
          .append(
              "The proxy's watch metrics with the watchers open (`tenant_proxy_open_watches` counts"
                  + " pass-through watches, not namespace watches served from the index):\n\n```\n")
          .append(watchMetrics)
          .append("\n```\n\n")
          .append("`jcmd GC.heap_info` at the end of the updates:\n\n```\n")
          .append(heapInfo.trim())
          .append("\n```\n")
          .append(vitals)
          .append("\n")
          .append(
              String.format(
                  Locale.ROOT,
                  "Targets: p99 <= 250 ms: %s (%.1f ms); upstream namespace watches = 1: %s"
                      + " (%.0f); heap <= 512 MiB: %s (max used %.0f MiB, live after GC %.0f"
                      + " MiB). Load average at the end: %s.%n",
                  p99 <= 250 ? "met" : "NOT met",
                  p99,
                  maxUp - 1 - nsWatchesBefore == 1 ? "met" : "NOT met",
                  maxUp - 1 - nsWatchesBefore,
                  maxHeap / mib <= 512 ? "met" : "NOT met",
                  maxHeap / mib,
                  afterGc.heap() / mib,
                  Bench.loadAverage()));
    } finally {
      callbacks.shutdownNow();
    }
    Bench.write("L3-watch-fanout.md", sb.toString());
  }

  /** The latencies of the updates {@code from..to} that arrived, sorted. */
  private static long[] collect(AtomicIntegerArray received, long[] latency, int from, int to) {
    long[] out = new long[to - from + 1];
    int k = 0;
    for (int s = from; s <= to; s++) {
      if (received.get(s) == 1) {
        out[k++] = latency[s];
      }
    }
    out = Arrays.copyOf(out, k);
    Arrays.sort(out);
    return out;
  }

  private static String row(String moment, Sample s, double upstream) {
    double mib = 1024 * 1024;
    return String.format(
        Locale.ROOT,
        "| %s | %.0f | %.0f | %.0f | %.0f |%n",
        moment,
        upstream,
        s.openWatches(),
        s.rss() / mib,
        s.heap() / mib);
  }

  private static Sample sample(ControlPlane cp, ProxyProcess proxy) throws Exception {
    String m = proxy.metrics();
    return new Sample(
        proxy.rssBytes(),
        PrometheusText.sum(m, "jvm_memory_used_bytes", "area=\"heap\""),
        apiServerNsWatches(cp),
        PrometheusText.sum(m, "tenant_proxy_open_watches", ""));
  }

  /** Namespace WATCH requests the API server holds right now (all clients). */
  static double apiServerNsWatches(ControlPlane cp) {
    String text = cp.adminClient().raw(cp.apiServerUrl() + "/metrics");
    double total = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith(NS_WATCHES + "{")
          && line.contains("resource=\"namespaces\"")
          && line.contains("verb=\"WATCH\"")) {
        String[] parts = line.trim().split(" ");
        total += Double.parseDouble(parts[parts.length - 1]);
      }
    }
    return total;
  }
}
