package dev.tenantproxy.e2e.load;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.e2e.sandbox.ProxyInFront.Upstream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code tenant-proxy serve} as users run it: a separate JVM, {@code java -cp
 * proxy/target/proxy-*.jar:proxy/target/lib/* dev.tenantproxy.proxy.cli.Main serve ...} (what
 * {@code bin/tenant-proxy serve} execs) with the default JVM options of {@code bin/jvm.options}
 * (the file the launcher and the image read; {@code -Dbench.proxy.jvm="-X..."} appends options,
 * e.g. a JFR recording, which win over the file's), in front of a {@link ControlPlane}. Its own
 * PKI: serving certificate for 127.0.0.1 and a request-header CA whose {@value #FRONT_PROXY} client
 * certificate may send identity headers (the load generator uses it to be 2,000 owners over a few
 * connections).
 */
public final class ProxyProcess implements AutoCloseable {
  public static final String FRONT_PROXY = "front-proxy";

  private final Process process;
  private final int port;
  private final int opsPort;
  private final Pki pki;
  private final Path log;
  private final long startNanos;
  private final HttpClient ops;
  private final List<String> jvmOptions;

  private ProxyProcess(
      Process process,
      int port,
      int opsPort,
      Pki pki,
      Path log,
      long startNanos,
      List<String> jvmOptions) {
    this.process = process;
    this.jvmOptions = jvmOptions;
    this.port = port;
    this.opsPort = opsPort;
    this.pki = pki;
    this.log = log;
    this.startNanos = startNanos;
    this.ops =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(JdkTls.trusting(pki.caPem()))
            .connectTimeout(Duration.ofSeconds(2))
            .build();
  }

  /** Starts the proxy JVM (does not wait); {@code pki} may be shared by several starts. */
  public static ProxyProcess start(ControlPlane cp, Path dir, Pki pki) throws IOException {
    return start(cp, dir, pki, true);
  }

  /**
   * As {@link #start(ControlPlane, Path, Pki)}; with {@code recordCdsAtExit} false the JVM uses a
   * fresh start-up cache (AppCDS or AOT) but never records one when it exits (dumping the archive
   * adds 5-17 s to the exit of the first run after a build on a loaded machine: a test that times
   * the exit measures the proxy's shutdown, not the JDK's archive dump).
   */
  public static ProxyProcess start(ControlPlane cp, Path dir, Pki pki, boolean recordCdsAtExit)
      throws IOException {
    return start(cp, dir, pki, recordCdsAtExit, List.of());
  }

  /**
   * As {@link #start(ControlPlane, Path, Pki)}, making the requests in a caller's name as {@code
   * upstream} says (its flags: {@link Upstream#serveFlags}).
   */
  public static ProxyProcess start(ControlPlane cp, Path dir, Pki pki, Upstream upstream)
      throws IOException {
    return start(cp, dir, pki, upstream, cp.adminKubeconfig());
  }

  /**
   * As {@link #start(ControlPlane, Path, Pki, Upstream)}, the proxy's own identity (informers,
   * reviews; with {@link Upstream#IMPERSONATION} also the pass-through) from {@code kubeconfig}
   * instead of the control plane's admin (e.g. the chart's ServiceAccount).
   */
  public static ProxyProcess start(
      ControlPlane cp, Path dir, Pki pki, Upstream upstream, Path kubeconfig) throws IOException {
    return start(cp, dir, pki, true, upstream.serveFlags(cp, dir.resolve("pki")), kubeconfig);
  }

  /**
   * As {@link #start(ControlPlane, Path, Pki, boolean)} with {@code moreFlags} appended to the
   * {@code serve} command line (e.g. a flag without its companion, for a start that must fail).
   */
  public static ProxyProcess start(
      ControlPlane cp, Path dir, Pki pki, boolean recordCdsAtExit, List<String> moreFlags)
      throws IOException {
    return start(cp, dir, pki, recordCdsAtExit, moreFlags, cp.adminKubeconfig());
  }

  /**
   * {@code LAUNCHER serve ...}: the proxy started by a {@code bin/tenant-proxy} launcher (of a work
   * tree with a built {@code proxy/target}), {@code env} added to its environment (e.g. {@code
   * JAVA_HOME}, {@code TENANT_PROXY_JAVA_OPTS}). The launcher picks the JDK, the JVM options and
   * the start-up cache; it execs the JVM, so {@link #pid()} is the proxy's.
   */
  public static ProxyProcess startWithLauncher(
      ControlPlane cp, Path dir, Pki pki, Path launcher, Map<String, String> env)
      throws IOException {
    return start(
        cp,
        dir,
        pki,
        List.of(launcher.toString()),
        List.of(),
        env,
        List.of(),
        cp.adminKubeconfig());
  }

  private static ProxyProcess start(
      ControlPlane cp,
      Path dir,
      Pki pki,
      boolean recordCdsAtExit,
      List<String> moreFlags,
      Path kubeconfig)
      throws IOException {
    List<String> jvm = new ArrayList<>(launcherOptions());
    jvm.addAll(cdsOptions(recordCdsAtExit));
    List<String> head = new ArrayList<>();
    head.add(javaTool("java"));
    head.addAll(jvm);
    head.add("-cp");
    head.add(classPath());
    head.add("dev.tenantproxy.proxy.cli.Main");
    return start(cp, dir, pki, head, jvm, Map.of(), moreFlags, kubeconfig);
  }

  private static ProxyProcess start(
      ControlPlane cp,
      Path dir,
      Pki pki,
      List<String> head,
      List<String> jvm,
      Map<String, String> env,
      List<String> moreFlags,
      Path kubeconfig)
      throws IOException {
    Files.createDirectories(dir);
    Path caFile = pki.writeCa(dir.resolve("pki"));
    Path cert = dir.resolve("pki").resolve("serving.crt");
    Path key = dir.resolve("pki").resolve("serving.key");
    if (!Files.exists(cert)) {
      pki.serving("tenant-proxy", List.of("localhost"), List.of("127.0.0.1")).write(cert, key);
    }
    int port = freePort();
    int opsPort = freePort();
    List<String> command = new ArrayList<>(head);
    command.addAll(
        List.of(
            "serve",
            "--bind-address=127.0.0.1",
            "--secure-port=" + port,
            "--ops-port=" + opsPort,
            "--tls-cert-file=" + cert,
            "--tls-private-key-file=" + key,
            "--client-ca-file=" + cp.caFile(),
            "--requestheader-client-ca-file=" + caFile,
            "--requestheader-allowed-names=" + FRONT_PROXY,
            "--kubeconfig=" + kubeconfig));
    command.addAll(moreFlags);
    // the proxy's log outlives the test's temporary directory: target/benchmarks/proxy-logs
    Path logs = Path.of("target", "benchmarks", "proxy-logs").toAbsolutePath();
    Files.createDirectories(logs);
    Path log =
        logs.resolve(
            java.time.LocalDateTime.now(java.time.ZoneOffset.UTC).toString().replace(':', '-')
                + "-"
                + dir.getFileName()
                + "-"
                + port
                + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    // as bin/tenant-proxy exports it: glibc malloc arenas, a few MiB of RSS each
    pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
    pb.environment().putAll(env);
    long t0 = System.nanoTime();
    Process p = pb.start();
    return new ProxyProcess(p, port, opsPort, pki, log, t0, jvm);
  }

  /**
   * The launcher's JVM options: {@code @bin/jvm.options} of this work tree (as {@code
   * bin/tenant-proxy} passes them) and then {@code -Dbench.proxy.jvm}, split at spaces.
   */
  static List<String> launcherOptions() {
    List<String> options = new ArrayList<>();
    Path file = root().resolve("bin").resolve("jvm.options");
    if (Files.exists(file)) {
      options.add("@" + file);
    }
    String extra = System.getProperty("bench.proxy.jvm", "").trim();
    if (!extra.isEmpty()) {
      options.addAll(List.of(extra.split("\\s+")));
    }
    return List.copyOf(options);
  }

  /**
   * As {@code bin/tenant-proxy serve} does: the start-up cache beside the proxy jar ({@code
   * tenant-proxy.jsa}, AppCDS; on JDK 25+ {@code tenant-proxy.aot}, the AOT cache) when it is newer
   * than the jar and every library, else record it when this process exits ({@code
   * -Dbench.proxy.cds=off}: neither). Unlike the launcher, it does not check which JDK build
   * recorded it: a benchmark's build directory is used with one JDK ({@link #startWithLauncher}
   * runs the launcher itself, as {@code LauncherStartupCacheIT} does).
   */
  private static List<String> cdsOptions(boolean mayRecord) throws IOException {
    if ("off".equals(System.getProperty("bench.proxy.cds"))) {
      return List.of();
    }
    String cp = classPath();
    Path jar = Path.of(cp.substring(0, cp.indexOf(File.pathSeparator)));
    boolean aot = javaFeature() >= 25;
    Path archive = jar.resolveSibling(aot ? "tenant-proxy.aot" : "tenant-proxy.jsa");
    boolean fresh = Files.exists(archive) && newer(archive, jar);
    if (fresh) {
      try (Stream<Path> libs = Files.list(jar.resolveSibling("lib"))) {
        fresh = libs.allMatch(lib -> newer(archive, lib));
      }
    }
    if (fresh) {
      return List.of((aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + archive);
    }
    if (!mayRecord) {
      return List.of();
    }
    // JDK 25+: the AOT cache (JEPs 483, 514, 515: classes loaded and linked, method profiles)
    return aot
        ? List.of("-XX:AOTCacheOutput=" + archive)
        : List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=off");
  }

  /**
   * {@code bin/<tool>} of the JDK that runs the proxy: {@code -Dbench.proxy.java=/path/bin/java}'s
   * JDK, else this JVM's.
   */
  static String javaTool(String tool) {
    String java = System.getProperty("bench.proxy.java", "");
    Path home =
        java.isEmpty()
            ? Path.of(System.getProperty("java.home"))
            : Path.of(java).getParent().getParent();
    return home.resolve("bin").resolve(tool).toString();
  }

  /** The feature release of that JDK (its {@code release} file), 17 when unknown. */
  static int javaFeature() {
    int feature = javaFeature(Path.of(javaTool("java")).getParent().getParent());
    return feature == 0 ? 17 : feature;
  }

  /** The feature release of the JDK at {@code home}, from its {@code release} file; 0 if none. */
  public static int javaFeature(Path home) {
    try {
      for (String line : Files.readAllLines(home.resolve("release"))) {
        if (line.startsWith("JAVA_VERSION=")) {
          String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
          return Integer.parseInt(v.split("[.+-]")[0]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  private static boolean newer(Path a, Path b) {
    try {
      return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b)) > 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** The JVM options this process was started with, the file's lines expanded. */
  public List<String> jvmOptions() {
    List<String> expanded = new ArrayList<>();
    for (String o : jvmOptions) {
      if (o.startsWith("@")) {
        try {
          for (String line : Files.readAllLines(Path.of(o.substring(1)))) {
            String t = line.replaceAll("#.*", "").trim();
            if (!t.isEmpty()) {
              expanded.add(t);
            }
          }
        } catch (IOException e) {
          expanded.add(o);
        }
      } else {
        expanded.add(o);
      }
    }
    return expanded;
  }

  private static Path root() {
    Path root = Path.of("").toAbsolutePath();
    return Files.isDirectory(root.resolve("proxy")) ? root : root.getParent();
  }

  /**
   * {@code proxy/target/proxy-<version>.jar:proxy/target/lib/*} of this work tree, or of the
   * directory {@code -Dbench.proxy.target} names (a proxy build that others' builds in a shared
   * work tree do not rewrite during the run).
   */
  static String classPath() throws IOException {
    Path root = root();
    String override = System.getProperty("bench.proxy.target", "");
    Path target = override.isEmpty() ? root.resolve("proxy").resolve("target") : Path.of(override);
    return proxyJar(target) + File.pathSeparator + target.resolve("lib") + File.separator + "*";
  }

  /** {@code proxy-<version>.jar} (not its sources, javadoc or tests jar) in {@code target}. */
  public static Path proxyJar(Path target) throws IOException {
    try (Stream<Path> files = Files.list(target)) {
      return files
          .filter(f -> f.getFileName().toString().matches("proxy-.*\\.jar"))
          .filter(f -> !f.getFileName().toString().matches(".*-(sources|javadoc|tests)\\.jar"))
          .findFirst()
          .orElseThrow(() -> new IOException("no proxy jar in " + target + ": build first"));
    }
  }

  /**
   * The timings of a start: first HTTP answer of any status, first {@code /readyz} 200 (both on the
   * ops port, which listens once the serving port does).
   */
  public record Startup(double listeningSeconds, double readySeconds, double cpuSecondsAtReady) {}

  /** Polls {@code /readyz} every 10 ms until 200; times from just before the process start. */
  public Startup awaitReady(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    long listening = -1;
    HttpRequest readyz =
        HttpRequest.newBuilder(URI.create(opsUrl() + "/readyz"))
            .timeout(Duration.ofSeconds(2))
            .build();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("proxy exited " + process.exitValue() + ", see " + log);
      }
      try {
        HttpResponse<Void> r = ops.send(readyz, HttpResponse.BodyHandlers.discarding());
        long now = System.nanoTime();
        if (listening < 0) {
          listening = now;
        }
        if (r.statusCode() == 200) {
          // the proxy's own CPU (utime + stime) until ready: on a loaded machine the wall time
          // mostly measures waiting for a core, this what the start-up costs
          long ticks =
              ProxyVitals.cpuTicks(Map.of("proxy", List.of(pid()))).getOrDefault("proxy", -1L);
          return new Startup(
              (listening - startNanos) / 1e9,
              (now - startNanos) / 1e9,
              ticks < 0 ? Double.NaN : ticks / 100.0);
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(10);
    }
    throw new IllegalStateException("proxy not ready within " + timeout + ", see " + log);
  }

  /**
   * Waits up to {@code bound} for the process to exit by itself (a start that fails).
   *
   * @return its exit status
   * @throws IllegalStateException when it still runs after {@code bound}
   */
  public int awaitExit(Duration bound) throws InterruptedException {
    if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("proxy still running after " + bound + ", see " + log);
    }
    return process.exitValue();
  }

  public String url() {
    return "https://127.0.0.1:" + port;
  }

  /** {@code http://127.0.0.1:<ops port>} ({@code /healthz}, {@code /readyz}, {@code /metrics}). */
  public String opsUrl() {
    return "http://127.0.0.1:" + opsPort;
  }

  public Pki pki() {
    return pki;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  /** The proxy's Prometheus text ({@code /metrics} on the ops port, no authentication). */
  String metrics() throws Exception {
    return ops.send(
            HttpRequest.newBuilder(URI.create(opsUrl() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** VmRSS of the proxy process in bytes, from /proc. */
  long rssBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  /** Runs {@code jcmd <pid> <command...>}; empty when jcmd fails. */
  Optional<String> jcmd(String... args) {
    try {
      List<String> command = new ArrayList<>();
      command.add(javaTool("jcmd"));
      command.add(Long.toString(pid()));
      command.addAll(List.of(args));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0
          ? Optional.of(out)
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /**
   * Sends SIGTERM and waits up to {@code bound} for the process to exit.
   *
   * @return its exit status
   * @throws IllegalStateException when it is still running after {@code bound}
   */
  public int terminate(Duration bound) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          "proxy still running " + bound + " after SIGTERM, see " + log);
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      // the grace period (20 s), and a start-up cache being recorded at exit
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
