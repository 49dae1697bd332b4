package dev.tenantproxy.e2e.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.testsupport.PrometheusText;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
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
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Soak ({@code -Dbench=soak}): the proxy as users run it (its own JVM, {@link ProxyProcess}) under
 * {@code -Dbench.soak.minutes} (default 30) of mixed load, sampled every {@code
 * -Dbench.soak.sample.seconds} (default 60): live heap after a full GC ({@code jcmd GC.run}, then
 * the proxy's {@code jvm_memory_used_bytes}), RSS, open file descriptors ({@code /proc/<pid>/fd}),
 * threads and open served watches. The load, at {@code -Dbench.soak.rate} (default 10) requests per
 * second besides the watches, as four owners (front-proxy identity headers):
 *
 * <ul>
 *   <li>served namespace lists (JSON and {@code Table}), all-namespaces ConfigMap lists ({@code
 *       -A}), passed-through ConfigMap lists, creates and deletes in an owned namespace, and a
 *       namespace list on a fresh TLS connection closed after the answer (connection churn);
 *   <li>watches that end (random {@code timeoutSeconds} 20–90 s) and are reopened: served namespace
 *       watches, all-namespaces ConfigMap watches and passed-through ConfigMap watches;
 *   <li>ownership changes: every 20 s a namespace moves to another tenant, every 60 s a tenant
 *       changes owner (owner 2 and owner 3 take turns).
 * </ul>
 *
 * A fifth tenant is never touched: none of its names may reach the four owners (counted as leaks).
 * Flat means: after the warm-up (the first sixth of the samples), the last third's average live
 * heap is within 1.25× + 8 MiB of the first third's, RSS within 1.2× + 48 MiB, the open fds and
 * threads at most 16 above the first third's maximum; and no 5xx, no leaked name, no request
 * without an answer. Writes {@code target/benchmarks/soak.md}.
 */
@ExtendWith(ControlPlaneExtension.class)
class SoakBenchIT {
  private static final int MINUTES = Integer.getInteger("bench.soak.minutes", 30);
  private static final int SAMPLE_SECONDS = Integer.getInteger("bench.soak.sample.seconds", 60);
  private static final int RATE = Integer.getInteger("bench.soak.rate", 10);
  private static final int OWNERS = 4;
  private static final int WATCHERS_PER_KIND = Integer.getInteger("bench.soak.watchers", 6);
  private static final double MIB = 1024 * 1024;
  private static final String TABLE =
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

  @TempDir Path dir;

  record Sample(
      double minute,
      double heapAfterGc,
      double rss,
      int fds,
      int threads,
      double openWatches,
      long requests,
      long watchesOpened) {}

  @Test
  void mixedLoadForHalfAnHourKeepsHeapRssFdsAndThreadsFlat(ControlPlane cp) throws Exception {
    assumeTrue(Bench.enabled("soak"), "benchmark: run with -Dbench=soak");
    String id = "soak-" + UUID.randomUUID().toString().substring(0, 6);
    KubernetesClient admin = cp.adminClient();
    Capsule capsule = cp.capsule();
    List<String> users = new ArrayList<>();
    List<String> tenants = new ArrayList<>();
    List<String> homes = new ArrayList<>(); // one namespace per owner that never moves
    for (int i = 0; i < OWNERS; i++) {
      users.add(id + "-u" + i);
      tenants.add(id + "-t" + i);
      capsule.createTenant(tenants.get(i), Owner.user(users.get(i)));
      homes.add(id + "-t" + i + "-home");
      capsule.createNamespace(tenants.get(i), homes.get(i));
      capsule.createNamespace(tenants.get(i), id + "-t" + i + "-n1");
    }
    List<String> movers = List.of(id + "-m0", id + "-m1", id + "-m2");
    for (int m = 0; m < movers.size(); m++) {
      capsule.createNamespace(tenants.get(m % OWNERS), movers.get(m));
    }
    // the tenant whose owner changes: owner 2 and owner 3 take turns
    String swap = id + "-swap";
    capsule.createTenant(swap, Owner.user(users.get(2)));
    capsule.createNamespace(swap, swap + "-ns");
    String hidden = id + "-hidden";
    capsule.createTenant(hidden, Owner.user(id + "-stranger"));
    capsule.createNamespace(hidden, hidden + "-ns");
    List<String> all = new ArrayList<>(homes);
    all.addAll(movers);
    all.add(swap + "-ns");
    all.add(hidden + "-ns");
    for (String ns : all) {
      for (int c = 0; c < 3; c++) {
        admin
            .configMaps()
            .inNamespace(ns)
            .resource(
                new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName("seed-" + c)
                    .endMetadata()
                    .addToData("k", "v" + c)
                    .build())
            .create();
      }
    }

    Pki pki = Pki.newCa("soak-ca-" + id);
    ExecutorService watcherThreads = Executors.newCachedThreadPool();
    ScheduledExecutorService ticks = Executors.newScheduledThreadPool(2);
    ExecutorService requestThreads = Executors.newFixedThreadPool(8);
    AtomicBoolean stop = new AtomicBoolean();
    Map<String, AtomicInteger> codes = new ConcurrentHashMap<>();
    AtomicLong requests = new AtomicLong();
    AtomicLong watchesOpened = new AtomicLong();
    AtomicLong watchEvents = new AtomicLong();
    AtomicInteger leaks = new AtomicInteger();
    AtomicInteger transportErrors = new AtomicInteger();
    AtomicInteger moves = new AtomicInteger();
    AtomicInteger ownerChanges = new AtomicInteger();
    ConcurrentLinkedQueue<String> firstProblems = new ConcurrentLinkedQueue<>();
    codesRef = codes;
    requestsRef = requests;
    leaksRef = leaks;
    hiddenRef = hidden;
    problemsRef = firstProblems;
    List<Sample> samples = new ArrayList<>();
    StringBuilder md = new StringBuilder();
    try (ProxyProcess proxy = ProxyProcess.start(cp, dir.resolve("proxy"), pki)) {
      proxy.awaitReady(Duration.ofMinutes(3));
      Pki.Issued front = pki.client(ProxyProcess.FRONT_PROXY, List.of());
      SSLContext tls = JdkTls.sslContext(front.certPem(), front.keyPem(), pki.caPem());
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_2)
              .sslContext(tls)
              .connectTimeout(Duration.ofSeconds(20))
              .build();
      // one connection first (see TokenFloodBenchIT)
      http.send(
          HttpRequest.newBuilder(URI.create(proxy.url() + "/healthz")).build(),
          HttpResponse.BodyHandlers.discarding());

      // watches that end and are reopened, one blocking reader thread each
      String[] watchPaths = {
        "/api/v1/namespaces?watch=true", "/api/v1/configmaps?watch=true", null /* home */
      };
      for (int kind = 0; kind < watchPaths.length; kind++) {
        for (int w = 0; w < WATCHERS_PER_KIND; w++) {
          int owner = w % OWNERS;
          String path =
              watchPaths[kind] != null
                  ? watchPaths[kind]
                  : "/api/v1/namespaces/" + homes.get(owner) + "/configmaps?watch=true";
          String label = kind == 0 ? "watch namespaces" : kind == 1 ? "watch -A" : "watch pass";
          watcherThreads.submit(
              () -> {
                while (!stop.get()) {
                  int timeout = ThreadLocalRandom.current().nextInt(20, 91);
                  HttpRequest r =
                      identity(
                              HttpRequest.newBuilder(
                                  URI.create(proxy.url() + path + "&timeoutSeconds=" + timeout)),
                              users.get(owner))
                          .build();
                  try {
                    HttpResponse<InputStream> resp =
                        http.send(r, HttpResponse.BodyHandlers.ofInputStream());
                    watchesOpened.incrementAndGet();
                    count(codes, label, resp.statusCode(), firstProblems);
                    try (BufferedReader in =
                        new BufferedReader(
                            new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                      String line;
                      while ((line = in.readLine()) != null) {
                        watchEvents.incrementAndGet();
                        if (line.contains(hidden)) {
                          leaks.incrementAndGet();
                          firstProblems.add("leak in " + label + ": " + line);
                        }
                        if (stop.get()) {
                          break;
                        }
                      }
                    }
                    if (resp.statusCode() != 200) {
                      Thread.sleep(1000);
                    }
                  } catch (IOException e) {
                    if (!stop.get()) {
                      transportErrors.incrementAndGet();
                      firstProblems.add(label + ": " + e);
                    }
                  } catch (InterruptedException e) {
                    return null;
                  }
                }
                return null;
              });
        }
      }

      // the request mix, RATE per second
      AtomicLong seq = new AtomicLong();
      ticks.scheduleAtFixedRate(
          () ->
              requestThreads.submit(
                  () -> {
                    long n = seq.getAndIncrement();
                    int owner = (int) (n % OWNERS);
                    String user = users.get(owner);
                    String home = homes.get(owner);
                    int op = (int) ((n / OWNERS) % 7);
                    try {
                      switch (op) {
                        case 0 -> get(http, proxy, "list namespaces", "/api/v1/namespaces", user);
                        case 1 ->
                            get(
                                http,
                                proxy,
                                "list namespaces Table",
                                "/api/v1/namespaces",
                                user,
                                TABLE);
                        case 2 -> get(http, proxy, "list -A", "/api/v1/configmaps", user);
                        case 3 ->
                            get(
                                http,
                                proxy,
                                "list -A Table",
                                "/api/v1/configmaps?limit=5",
                                user,
                                TABLE);
                        case 4 ->
                            get(
                                http,
                                proxy,
                                "pass list",
                                "/api/v1/namespaces/" + home + "/configmaps",
                                user);
                        case 5 -> createAndDelete(http, proxy, user, home, "c" + n);
                        default -> freshConnectionList(tls, proxy, user);
                      }
                    } catch (IOException e) {
                      transportErrors.incrementAndGet();
                      firstProblems.add(op + ": " + e);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                    return null;
                  }),
          0,
          1_000_000 / RATE,
          TimeUnit.MICROSECONDS);

      // ownership changes
      ticks.scheduleWithFixedDelay(
          () -> {
            try {
              int k = moves.getAndIncrement();
              String ns = movers.get(k % movers.size());
              capsule.moveNamespace(ns, tenants.get((k + 1) % OWNERS));
            } catch (RuntimeException e) {
              firstProblems.add("move: " + e);
            }
          },
          20,
          20,
          TimeUnit.SECONDS);
      ticks.scheduleWithFixedDelay(
          () -> {
            try {
              int k = ownerChanges.getAndIncrement();
              String owner = users.get(k % 2 == 0 ? 3 : 2);
              capsule.setSpec(swap, "owners", List.of(Owner.user(owner).toMap()));
              capsule.reconcile(swap);
            } catch (RuntimeException e) {
              firstProblems.add("owner change: " + e);
            }
          },
          60,
          60,
          TimeUnit.SECONDS);

      // sampling
      long t0 = System.nanoTime();
      long end = t0 + TimeUnit.MINUTES.toNanos(MINUTES);
      long next = t0 + TimeUnit.SECONDS.toNanos(SAMPLE_SECONDS);
      while (System.nanoTime() < end) {
        long now = System.nanoTime();
        if (now < next) {
          Thread.sleep(Math.min(1000, (next - now) / 1_000_000 + 1));
          continue;
        }
        next += TimeUnit.SECONDS.toNanos(SAMPLE_SECONDS);
        Sample s = sample(proxy, (now - t0) / 6e10, requests.get(), watchesOpened.get());
        samples.add(s);
        System.err.printf(
            Locale.ROOT,
            "[soak] %.1f min: heap after GC %.1f MiB, RSS %.0f MiB, fds %d, threads %d, served"
                + " watches %.0f, requests %d, watches opened %d, codes %s%n",
            s.minute(),
            s.heapAfterGc(),
            s.rss(),
            s.fds(),
            s.threads(),
            s.openWatches(),
            s.requests(),
            s.watchesOpened(),
            codes);
      }
      stop.set(true);
      ticks.shutdownNow();
      requestThreads.shutdown();
      requestThreads.awaitTermination(90, TimeUnit.SECONDS);
      watcherThreads.shutdownNow();
      watcherThreads.awaitTermination(120, TimeUnit.SECONDS);
      Thread.sleep(SAMPLE_SECONDS * 1000L / 4);
      Sample after = sample(proxy, (System.nanoTime() - t0) / 6e10, requests.get(), -1);

      md.append("# Soak (")
          .append(MINUTES)
          .append(" min, sample every ")
          .append(SAMPLE_SECONDS)
          .append(" s, ")
          .append(RATE)
          .append(" requests/s + ")
          .append(3 * WATCHERS_PER_KIND)
          .append(" reopened watches)\n\n")
          .append(
              "| minute | heap after GC MiB | RSS MiB | fds | threads | served watches open |"
                  + " requests so far | watches opened so far |\n|---|---|---|---|---|---|---|---|\n");
      for (Sample s : samples) {
        md.append(row(s));
      }
      md.append(row(after).replaceFirst("\\| [0-9.]+ \\|", "| after the load stopped |"));
      md.append(
          String.format(
              Locale.ROOT,
              "%nRequests %d, watches opened %d, watch lines read %d, namespace moves %d, owner"
                  + " changes %d; answers %s; transport errors %d; leaks %d.%n",
              requests.get(),
              watchesOpened.get(),
              watchEvents.get(),
              moves.get(),
              ownerChanges.get(),
              new java.util.TreeMap<>(codes),
              transportErrors.get(),
              leaks.get()));
      md.append("First problems: ")
          .append(firstProblems.stream().limit(10).toList())
          .append("\n\n");
      int warm = Math.max(1, samples.size() / 6);
      List<Sample> steady = samples.subList(warm, samples.size());
      int third = Math.max(1, steady.size() / 3);
      List<Sample> first = steady.subList(0, third);
      List<Sample> last = steady.subList(steady.size() - third, steady.size());
      md.append(
          String.format(
              Locale.ROOT,
              "Flatness (after %d warm-up samples; first third vs last third, %d samples each):"
                  + " heap after GC avg %.1f → %.1f MiB; RSS avg %.0f → %.0f MiB; fds max %d → %d;"
                  + " threads max %d → %d.%n%n",
              warm,
              third,
              avg(first, Sample::heapAfterGc),
              avg(last, Sample::heapAfterGc),
              avg(first, Sample::rss),
              avg(last, Sample::rss),
              max(first, Sample::fds),
              max(last, Sample::fds),
              max(first, Sample::threads),
              max(last, Sample::threads)));
      md.append(Bench.machine()).append('\n');
      Bench.write("soak.md", md.toString());

      assertThat(samples.size()).as("samples").isGreaterThanOrEqualTo(4);
      assertThat(leaks.get()).as("names of the untouched tenant seen by owners").isZero();
      assertThat(codes.keySet())
          .as("answers (first problems: %s)", firstProblems)
          .noneMatch(k -> k.contains(" 5"));
      assertThat(transportErrors.get())
          .as("requests without an answer: %s", firstProblems)
          .isZero();
      assertThat(avg(last, Sample::heapAfterGc))
          .as("live heap, last third vs first third")
          .isLessThanOrEqualTo(avg(first, Sample::heapAfterGc) * 1.25 + 8);
      assertThat(avg(last, Sample::rss))
          .as("RSS, last third vs first third")
          .isLessThanOrEqualTo(avg(first, Sample::rss) * 1.2 + 48);
      assertThat(max(last, Sample::fds))
          .as("open fds, last third vs first third")
          .isLessThanOrEqualTo(max(first, Sample::fds) + 16);
      assertThat(max(last, Sample::threads))
          .as("threads, last third vs first third")
          .isLessThanOrEqualTo(max(first, Sample::threads) + 16);
      assertThat(after.openWatches()).as("served watches open after the load").isZero();
    } finally {
      stop.set(true);
      ticks.shutdownNow();
      requestThreads.shutdownNow();
      watcherThreads.shutdownNow();
    }
  }

  private static HttpRequest.Builder identity(HttpRequest.Builder b, String user) {
    return b.header("X-Remote-User", user)
        .header("X-Remote-Group", Capsule.CAPSULE_USERS_GROUP)
        .timeout(Duration.ofSeconds(120));
  }

  private void get(HttpClient http, ProxyProcess proxy, String label, String path, String user)
      throws IOException, InterruptedException {
    get(http, proxy, label, path, user, "application/json");
  }

  private void get(
      HttpClient http, ProxyProcess proxy, String label, String path, String user, String accept)
      throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            identity(HttpRequest.newBuilder(URI.create(proxy.url() + path)), user)
                .header("Accept", accept)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    requestsDone(label, r.statusCode(), r.body());
  }

  private void createAndDelete(
      HttpClient http, ProxyProcess proxy, String user, String ns, String name)
      throws IOException, InterruptedException {
    String base = proxy.url() + "/api/v1/namespaces/" + ns + "/configmaps";
    HttpResponse<String> created =
        http.send(
            identity(HttpRequest.newBuilder(URI.create(base)), user)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\""
                            + name
                            + "\"},\"data\":{\"k\":\"v\"}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    requestsDone("pass create", created.statusCode(), created.body());
    HttpResponse<String> deleted =
        http.send(
            identity(HttpRequest.newBuilder(URI.create(base + "/" + name)), user).DELETE().build(),
            HttpResponse.BodyHandlers.ofString());
    requestsDone("pass delete", deleted.statusCode(), deleted.body());
  }

  /** A namespace list over a new TLS connection, HTTP/1.1 with {@code Connection: close}. */
  private void freshConnectionList(SSLContext tls, ProxyProcess proxy, String user)
      throws IOException {
    URI u = URI.create(proxy.url());
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(u.getHost(), u.getPort())) {
      s.setSoTimeout(120_000);
      s.setSSLParameters(noAlpn(s));
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET /api/v1/namespaces HTTP/1.1\r\nHost: "
                  + u.getHost()
                  + "\r\nAccept: application/json\r\nX-Remote-User: "
                  + user
                  + "\r\nX-Remote-Group: "
                  + Capsule.CAPSULE_USERS_GROUP
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code =
          response.startsWith("HTTP/1.1 ") ? Integer.parseInt(response.substring(9, 12)) : -1;
      requestsDone("list namespaces, new connection", code, response);
    }
  }

  private static javax.net.ssl.SSLParameters noAlpn(SSLSocket s) {
    javax.net.ssl.SSLParameters p = s.getSSLParameters();
    p.setApplicationProtocols(new String[] {"http/1.1"});
    return p;
  }

  // set per test run (fields, since the request lambdas share them)
  private Map<String, AtomicInteger> codesRef;
  private AtomicLong requestsRef;
  private AtomicInteger leaksRef;
  private String hiddenRef;
  private ConcurrentLinkedQueue<String> problemsRef;

  private void requestsDone(String label, int code, String body) {
    requestsRef.incrementAndGet();
    count(codesRef, label, code, problemsRef);
    if (body != null && body.contains(hiddenRef)) {
      leaksRef.incrementAndGet();
      problemsRef.add("leak in " + label);
    }
  }

  private static void count(
      Map<String, AtomicInteger> codes,
      String label,
      int code,
      ConcurrentLinkedQueue<String> problems) {
    codes.computeIfAbsent(label + " " + code, k -> new AtomicInteger()).incrementAndGet();
    if (code >= 500 || code < 200) {
      problems.add(label + " answered " + code);
    }
  }

  private static Sample sample(ProxyProcess proxy, double minute, long requests, long opened)
      throws Exception {
    proxy.jcmd("GC.run");
    String m = proxy.metrics();
    double heap = PrometheusText.sum(m, "jvm_memory_used_bytes", "area=\"heap\"") / MIB;
    double watches = PrometheusText.sum(m, "tenant_proxy_open_watches", "");
    String pid = Long.toString(proxy.pid());
    int fds;
    try (var list = Files.list(Path.of("/proc", pid, "fd"))) {
      fds = (int) list.count();
    }
    int threads = -1;
    for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
      if (line.startsWith("Threads:")) {
        threads = Integer.parseInt(line.replaceAll("[^0-9]", ""));
      }
    }
    return new Sample(
        minute,
        heap,
        proxy.rssBytes() / MIB,
        fds,
        threads,
        Double.isNaN(watches) ? 0 : watches,
        requests,
        opened);
  }

  private static String row(Sample s) {
    return String.format(
        Locale.ROOT,
        "| %.1f | %.1f | %.0f | %d | %d | %.0f | %d | %s |%n",
        s.minute(),
        s.heapAfterGc(),
        s.rss(),
        s.fds(),
        s.threads(),
        s.openWatches(),
        s.requests(),
        s.watchesOpened() < 0 ? "-" : Long.toString(s.watchesOpened()));
  }

  private static double avg(List<Sample> l, ToDoubleFunction<Sample> f) {
    return l.stream().mapToDouble(f).average().orElse(Double.NaN);
  }

  private static int max(List<Sample> l, java.util.function.ToIntFunction<Sample> f) {
    return l.stream().mapToInt(f).max().orElse(-1);
  }
}
