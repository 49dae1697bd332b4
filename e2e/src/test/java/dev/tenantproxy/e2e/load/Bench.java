package dev.tenantproxy.e2e.load;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

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
        + " these cores (and other builds on the machine may run at the same time). "
        + calibration();
  }

  /**
   * How fast one core of this machine is right now, so that absolute figures (µs of CPU per
   * request, seconds to ready) of runs on different days can be compared: the same machine type has
   * run the same build at 38 and at 98 µs of proxy CPU per served list (docs/benchmarks/lean.md,
   * "Sixth pass"). Two fixed single-threaded workloads in this JVM, each the fastest of 7 runs (the
   * fastest is the least disturbed by whatever else runs): sorting 1,000,000 pseudo-random ints
   * (plain compiled Java: branches and memory) and SHA-256 over 16 MiB (the JDK's intrinsic). Lower
   * is faster; compare runs by these, not by the load average.
   */
  private static volatile int calibrationSink;

  static String calibration() {
    int[] source = new Random(42).ints(1_000_000).toArray();
    byte[] data = new byte[16 << 20];
    new Random(7).nextBytes(data);
    long sortNanos = Long.MAX_VALUE;
    long shaNanos = Long.MAX_VALUE;
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (int i = 0; i < 7; i++) {
        int[] copy = source.clone();
        long t0 = System.nanoTime();
        Arrays.sort(copy);
        long t1 = System.nanoTime();
        byte[] digest = sha.digest(data);
        long t2 = System.nanoTime();
        sortNanos = Math.min(sortNanos, t1 - t0);
        shaNanos = Math.min(shaNanos, t2 - t1);
        calibrationSink += copy[copy.length / 2] + digest[0]; // keeps the work observable
      }
    } catch (NoSuchAlgorithmException e) {
      return "CPU calibration: unavailable (" + e + ").";
    }
    return String.format(
        Locale.ROOT,
        "CPU calibration (one thread, fastest of 7; lower is faster): sort of 1M ints %.1f ms,"
            + " SHA-256 of 16 MiB %.1f ms.",
        sortNanos / 1e6,
        shaNanos / 1e6);
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
