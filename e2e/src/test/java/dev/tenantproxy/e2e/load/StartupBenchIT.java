package dev.tenantproxy.e2e.load;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.Pki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark L6 (benchmarks.md): start-up. Time from the start of the proxy process ({@code java -cp
 * proxy jar:lib/* dev.tenantproxy.proxy.cli.Main serve ...}, default JVM options, as {@code
 * bin/tenant-proxy serve} runs it) to the first {@code /readyz} 200 (the tenancy index synced),
 * polled every 10 ms; first on the bare control plane, then with the fleet (2,000 tenants x 5
 * namespaces). Off by default: {@code -Dbench=L6} (options {@code -Dbench.l6.runs=5}, {@code
 * -Dbench.tenants=2000}). Writes {@code target/benchmarks/L6-startup.md}.
 */
@ExtendWith(ControlPlaneExtension.class)
class StartupBenchIT {
  private static final int RUNS = Integer.getInteger("bench.l6.runs", 5);

  @TempDir Path dir;

  /** {@code -Dbench.l6.compareCds}: each fleet run twice, without and with the AppCDS archive. */
  private static final boolean COMPARE_CDS = Boolean.getBoolean("bench.l6.compareCds");

  /**
   * {@code -Dbench.l6.b.target=DIR} and/or {@code -Dbench.l6.b.jvm="-X..."}: each fleet run twice,
   * interleaved, as A ({@code bench.proxy.target}, {@code bench.proxy.jvm}) and as B (this build
   * and/or these appended JVM options), so that two builds or settings are compared on the same,
   * possibly loaded, machine.
   */
  private static final String B_TARGET = System.getProperty("bench.l6.b.target", "");

  private static final String B_JVM = System.getProperty("bench.l6.b.jvm", "");

  /** {@code -Dbench.l6.b.java=/path/bin/java}: B runs on that JDK (25+: with its AOT cache). */
  private static final String B_JAVA = System.getProperty("bench.l6.b.java", "");

  /**
   * {@code -Dbench.l6.trainOnFleet}: the bare starts record no start-up cache; the first fleet
   * start of each side does (as a deployed proxy's first start after a build would), and is
   * reported on its own row (a start without a cache).
   */
  private static final boolean TRAIN_ON_FLEET = Boolean.getBoolean("bench.l6.trainOnFleet");

  private static boolean hasB() {
    return !B_TARGET.isEmpty() || !B_JVM.isEmpty() || !B_JAVA.isEmpty();
  }

  private record Run(String cluster, int n, ProxyProcess.Startup startup) {}

  @Test
  void startUpWithTheFleet(ControlPlane cp) throws Exception {
    assumeTrue(Bench.enabled("L6"), "run with -Dbench=L6");
    Pki pki = Pki.newCa("tenant-proxy-bench-ca");
    List<Run> runs = new ArrayList<>();
    int bare = cp.adminClient().namespaces().list().getItems().size();
    for (int i = 0; i < Math.max(1, RUNS / 2); i++) {
      runs.add(new Run("bare (" + bare + " namespaces)", i + 1, once(cp, pki, "bare-" + i)));
      if (hasB()) {
        // also records B's start-up cache (as the bare runs do for A), unless training on the fleet
        runs.add(new Run("bare (" + bare + " namespaces), B", i + 1, asB(cp, pki, "bare-b-" + i)));
      }
    }
    Fleet fleet = Bench.fleet(cp);
    int all = cp.adminClient().namespaces().list().getItems().size();
    String cds = System.getProperty("bench.proxy.cds", "");
    String fleetName = "fleet (" + fleet.tenants() + " tenants, " + all + " namespaces)";
    if (TRAIN_ON_FLEET) {
      recording = true;
      runs.add(
          new Run(fleetName + ", A, no cache (records it)", 1, once(cp, pki, "fleet-a-train")));
      if (hasB()) {
        runs.add(
            new Run(fleetName + ", B, no cache (records it)", 1, asB(cp, pki, "fleet-b-train")));
      }
      recording = false;
    }
    for (int i = 0; i < RUNS; i++) {
      String cluster = fleetName;
      if (hasB()) {
        runs.add(new Run(cluster + ", A", i + 1, once(cp, pki, "fleet-a-" + i)));
        runs.add(new Run(cluster + ", B", i + 1, asB(cp, pki, "fleet-b-" + i)));
      } else if (COMPARE_CDS) {
        // interleaved: without and with the AppCDS archive (recorded by the bare runs)
        System.setProperty("bench.proxy.cds", "off");
        runs.add(new Run(cluster + ", CDS off", i + 1, once(cp, pki, "fleet-nocds-" + i)));
        System.setProperty("bench.proxy.cds", cds);
        runs.add(new Run(cluster + ", CDS on", i + 1, once(cp, pki, "fleet-cds-" + i)));
      } else {
        runs.add(new Run(cluster, i + 1, once(cp, pki, "fleet-" + i)));
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append("# L6 start-up: process start to /readyz 200\n\n")
        .append(Bench.machine())
        .append(
            "\n\n| cluster | run | first HTTP answer s | /readyz 200 s | proxy CPU s until ready |"
                + "\n|---|---|---|---|---|\n");
    for (Run r : runs) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.2f | %.2f | %.2f |%n",
              r.cluster(),
              r.n(),
              r.startup().listeningSeconds(),
              r.startup().readySeconds(),
              r.startup().cpuSecondsAtReady()));
    }
    for (String cluster : runs.stream().map(Run::cluster).distinct().toList()) {
      double[] ready =
          runs.stream()
              .filter(r -> r.cluster().equals(cluster))
              .mapToDouble(r -> r.startup().readySeconds())
              .toArray();
      double[] listening =
          runs.stream()
              .filter(r -> r.cluster().equals(cluster))
              .mapToDouble(r -> r.startup().listeningSeconds())
              .toArray();
      double[] cpu =
          runs.stream()
              .filter(r -> r.cluster().equals(cluster))
              .mapToDouble(r -> r.startup().cpuSecondsAtReady())
              .toArray();
      sb.append(
          String.format(
              Locale.ROOT,
              "%nMedian, %s: first answer %.2f s, ready %.2f s (target <= 3 s), proxy CPU until"
                  + " ready %.2f s.%n",
              cluster,
              Bench.median(listening),
              Bench.median(ready),
              Bench.median(cpu)));
    }
    sb.append(
        String.format(
            Locale.ROOT, "%nFleet created in %d s before the fleet runs.%n", fleet.seconds()));
    sb.append("\nJVM options of the first run: `").append(options).append("`");
    // the proxies' JDK, which need not be the one this report's first line names (the harness's)
    sb.append(", java `").append(ProxyProcess.javaTool("java")).append("`.");
    if (hasB()) {
      sb.append(" B: build `")
          .append(B_TARGET.isEmpty() ? "same as A" : B_TARGET)
          .append("`, JVM options appended `")
          .append(B_JVM)
          .append("`")
          .append(B_JAVA.isEmpty() ? "" : ", java `" + B_JAVA + "`")
          .append(".");
    }
    sb.append(" Memory of each proxy once ready:\n\n")
        .append(ProxyVitals.Memory.header())
        .append(memory);
    Bench.write("L6-startup.md", sb.toString());
  }

  private final StringBuilder memory = new StringBuilder();
  private String options = "";

  private ProxyProcess.Startup asB(ControlPlane cp, Pki pki, String name) throws Exception {
    String target = System.getProperty("bench.proxy.target", "");
    String jvm = System.getProperty("bench.proxy.jvm", "");
    String java = System.getProperty("bench.proxy.java", "");
    if (!B_JAVA.isEmpty()) {
      System.setProperty("bench.proxy.java", B_JAVA);
    }
    if (!B_TARGET.isEmpty()) {
      System.setProperty("bench.proxy.target", B_TARGET);
    }
    System.setProperty("bench.proxy.jvm", (jvm + " " + B_JVM).trim());
    try {
      return once(cp, pki, name);
    } finally {
      System.setProperty("bench.proxy.target", target);
      System.setProperty("bench.proxy.jvm", jvm);
      System.setProperty("bench.proxy.java", java);
    }
  }

  /**
   * Whether a start may record the start-up cache at exit (always, unless training on the fleet).
   */
  private boolean recording = !TRAIN_ON_FLEET;

  private ProxyProcess.Startup once(ControlPlane cp, Pki pki, String name) throws Exception {
    try (ProxyProcess proxy = ProxyProcess.start(cp, dir.resolve(name), pki, recording)) {
      ProxyProcess.Startup s = proxy.awaitReady(Duration.ofMinutes(2));
      memory.append(ProxyVitals.memory(proxy).row(name + " at ready"));
      if (options.isEmpty()) {
        options = ProxyVitals.jvmOptions(proxy);
      }
      System.out.printf(
          Locale.ROOT,
          "L6 %s: listening %.2f s, ready %.2f s, proxy CPU %.2f s (log %s)%n",
          name,
          s.listeningSeconds(),
          s.readySeconds(),
          s.cpuSecondsAtReady(),
          proxy.log());
      return s;
    }
  }
}
