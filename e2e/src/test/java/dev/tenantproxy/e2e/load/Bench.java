package dev.tenantproxy.e2e.load;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Shared bits of the load benchmarks: the switch, the fleet per control plane, the machine. */
final class Bench {
  static final int TENANTS = Integer.getInteger("bench.tenants", 2000);

  private static final Map<ControlPlane, Fleet> FLEETS = new HashMap<>();

  private Bench() {}

  /** Whether {@code -Dbench} names this scenario ({@code -Dbench=L3} or {@code -Dbench=L3,L6}). */
  static boolean enabled(String id) {
    String bench = System.getProperty("bench", "");
    return Arrays.asList(bench.split(",")).contains(id);
  }

  /** The fleet of benchmarks.md, created once per control plane (per JVM). */
  static synchronized Fleet fleet(ControlPlane cp) throws Exception {
    Fleet f = FLEETS.get(cp);
    if (f == null) {
      String id = Long.toHexString(System.nanoTime()).substring(4);
      f = Fleet.create(cp.adminClient(), "f" + id, TENANTS);
      FLEETS.put(cp, f);
    }
    return f;
  }

  /** Machine, JDK, load average and date, one paragraph of markdown. */
  static String machine() {
    return "Run "
        + Instant.now()
        + "; machine: "
        + Runtime.getRuntime().availableProcessors()
        + " cores, "
        + firstLine("/proc/meminfo", "MemTotal:").replaceAll("\\s+", " ")
        + ", kernel "
        + read("/proc/sys/kernel/osrelease")
        + "; "
        + System.getProperty("java.vm.name")
        + ' '
        + System.getProperty("java.version")
        + "; load average at the end (1/5/15 min): "
        + loadAverage()
        + ". etcd, kube-apiserver, kube-controller-manager, the proxy and the load generator share"
        + " these cores (and other builds on the machine may run at the same time).";
  }

  static String loadAverage() {
    String l = read("/proc/loadavg");
    String[] p = l.split(" ");
    return p.length >= 3 ? p[0] + " " + p[1] + " " + p[2] : l;
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file)).trim();
    } catch (IOException e) {
      return "?";
    }
  }

  private static String firstLine(String file, String prefix) {
    try {
      List<String> lines = Files.readAllLines(Path.of(file));
      return lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }

  static double percentile(long[] sorted, double q) {
    return sorted.length == 0
        ? Double.NaN
        : sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))];
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length == 0
        ? Double.NaN
        : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** Writes {@code target/benchmarks/<file>} and prints it. */
  static void write(String file, String text) throws IOException {
    System.out.println(text);
    Path out = Path.of("target", "benchmarks");
    Files.createDirectories(out);
    Files.writeString(out.resolve(file), text);
  }
}
