package dev.tenantproxy.e2e.load;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.testsupport.PrometheusText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the load benchmarks report about the proxy JVM besides latency: memory (RSS from /proc;
 * heap, metaspace and direct buffers from its {@code /metrics}; live heap after a {@code jcmd
 * GC.run}) and CPU time (utime + stime from {@code /proc/<pid>/stat}) of the proxy, the load
 * generator (this JVM), kube-apiserver and etcd; the proxy's CPU also split by thread class (event
 * loops, JIT compiler threads, the rest) from {@code /proc/<pid>/task/*}, because on a loaded
 * machine the JIT's share of a round swings far more than the event loops' (which do the serving).
 */
public final class ProxyVitals {
  private static final double MIB = 1024 * 1024;

  private ProxyVitals() {}

  /** Memory of the proxy JVM at one moment, MiB. */
  public record Memory(
      double rss,
      double heapUsed,
      double heapCommitted,
      double heapAfterGc,
      double metaspace,
      double jdkDirect,
      double nettyDirect) {

    public static String header() {
      return "| moment | RSS MiB | heap used MiB | heap committed MiB | heap after full GC MiB"
          + " | metaspace MiB | direct (JDK buffers) MiB | direct (Netty) MiB |\n"
          + "|---|---|---|---|---|---|---|---|\n";
    }

    public String row(String moment) {
      return String.format(
          Locale.ROOT,
          "| %s | %.0f | %.0f | %.0f | %.0f | %.1f | %.1f | %.1f |%n",
          moment,
          rss,
          heapUsed,
          heapCommitted,
          heapAfterGc,
          metaspace,
          jdkDirect,
          nettyDirect);
    }
  }

  /**
   * RSS, heap and metaspace now, then a full GC ({@code jcmd GC.run}) and the live heap after it.
   * RSS is read before the GC (the figure under load).
   */
  public static Memory memory(ProxyProcess proxy) throws Exception {
    long rss = proxy.rssBytes();
    String m = proxy.metrics();
    double used = PrometheusText.sum(m, "jvm_memory_used_bytes", "area=\"heap\"");
    double committed = PrometheusText.sum(m, "jvm_memory_committed_bytes", "area=\"heap\"");
    proxy.jcmd("GC.run");
    String after = proxy.metrics();
    return new Memory(
        rss / MIB,
        used / MIB,
        committed / MIB,
        PrometheusText.sum(after, "jvm_memory_used_bytes", "area=\"heap\"") / MIB,
        PrometheusText.sum(after, "jvm_memory_used_bytes", "id=\"Metaspace\"") / MIB,
        PrometheusText.sum(after, "jvm_buffer_memory_used_bytes", "id=\"direct\"") / MIB,
        PrometheusText.sum(after, "tenant_proxy_netty_direct_memory_bytes", "") / MIB);
  }

  /**
   * The committed native memory by category ({@code jcmd VM.native_memory summary}) as one markdown
   * line, when the proxy runs with {@code -XX:NativeMemoryTracking=summary}; else empty.
   */
  public static String nativeMemory(ProxyProcess proxy) {
    if (proxy.jvmOptions().stream().noneMatch(o -> o.startsWith("-XX:NativeMemoryTracking"))) {
      return "";
    }
    String out = proxy.jcmd("VM.native_memory", "summary", "scale=KB").orElse("");
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "(?m)^(?:-\\s+)?(Total: |[A-Z][A-Za-z ]+? \\()reserved=\\d+KB, committed=(\\d+)KB")
            .matcher(out);
    StringBuilder sb = new StringBuilder("Native memory committed (NMT, MiB):");
    while (m.find()) {
      double mib = Long.parseLong(m.group(2)) / 1024.0;
      if (mib >= 0.5) {
        String name = m.group(1).replace(":", "").replace("(", "").trim();
        sb.append(String.format(Locale.ROOT, " %s %.0f;", name, mib));
      }
    }
    return sb.append('\n').toString();
  }

  /**
   * The sum of the samples of one metric on the proxy's {@code /metrics} whose labels contain
   * {@code labelFragment} ("" for all); NaN when the proxy does not report it.
   */
  public static double metric(ProxyProcess proxy, String name, String labelFragment)
      throws Exception {
    return PrometheusText.sum(proxy.metrics(), name, labelFragment);
  }

  /** Machine, JDK and load average, one paragraph of markdown (as the load benchmarks print). */
  public static String machine() {
    return Bench.machine();
  }

  /**
   * Whether {@code -Dbench} names this scenario ({@code -Dbench=kinds} or {@code
   * -Dbench=L8,kinds}).
   */
  public static boolean enabled(String id) {
    return Bench.enabled(id);
  }

  /** The JVM options the proxy process ran with (its command line before the main class). */
  public static String jvmOptions(ProxyProcess proxy) {
    return String.join(" ", proxy.jvmOptions());
  }

  /** Processes whose CPU is accounted: this JVM, the proxy JVM, kube-apiserver, etcd. */
  public static Map<String, List<Long>> processes(ControlPlane cp, ProxyProcess proxy) {
    Map<String, List<Long>> pids = new LinkedHashMap<>();
    pids.put("load generator (test JVM)", List.of(ProcessHandle.current().pid()));
    pids.put("proxy", proxy == null ? List.of() : List.of(proxy.pid()));
    for (String binary : List.of("kube-apiserver", "etcd")) {
      pids.put(binary, controlPlane(cp, binary));
    }
    return pids;
  }

  /** The pids of {@code cp}'s processes of {@code binary} (e.g. {@code kube-apiserver}). */
  public static List<Long> controlPlane(ControlPlane cp, String binary) {
    String dirName = cp.directory().toAbsolutePath().toString();
    return ProcessHandle.allProcesses()
        .filter(
            h -> {
              String cmd = cmdline(h.pid());
              String first = cmd.split("\u0000", 2)[0];
              return first.endsWith("/" + binary) && cmd.contains(dirName);
            })
        .map(ProcessHandle::pid)
        .toList();
  }

  /** Column of {@link #cpuTicks}: the proxy's Vert.x event-loop threads. */
  public static final String PROXY_EVENT_LOOPS = "proxy event loops";

  /** Column of {@link #cpuTicks}: the proxy's JIT compiler threads (C1 and C2). */
  public static final String PROXY_JIT = "proxy JIT compilers";

  /** Column of {@link #cpuTicks}: the proxy's other threads (GC, fabric8, timers, exited ...). */
  public static final String PROXY_OTHER = "proxy other threads";

  /**
   * utime + stime in clock ticks (100 per second) per process name; -1 when unreadable. When {@code
   * pids} has a "proxy" with one pid, the proxy's total is followed by its split into {@link
   * #PROXY_EVENT_LOOPS}, {@link #PROXY_JIT} and {@link #PROXY_OTHER} (the total minus the other
   * two, so the three always add up to the total; a thread that exits between two readings moves
   * its ticks from its class to "other", which the JVM's fixed compiler threads on a 2-core machine
   * and the event loops never do).
   */
  public static Map<String, Long> cpuTicks(Map<String, List<Long>> pids) {
    Map<String, Long> ticks = new LinkedHashMap<>();
    pids.forEach(
        (name, list) -> {
          long total = list.isEmpty() ? -1 : 0;
          for (long pid : list) {
            long t = ticks(Path.of("/proc", Long.toString(pid), "stat"));
            if (t < 0) {
              total = -1;
              break;
            }
            total += t;
          }
          ticks.put(name, total);
          if (splitsThreads(name, list)) {
            long[] split = threadTicks(list.get(0));
            boolean ok = total >= 0 && split[0] >= 0;
            ticks.put(PROXY_EVENT_LOOPS, ok ? split[0] : -1);
            ticks.put(PROXY_JIT, ok ? split[1] : -1);
            ticks.put(PROXY_OTHER, ok ? total - split[0] - split[1] : -1);
          }
        });
    return ticks;
  }

  private static boolean splitsThreads(String name, List<Long> pids) {
    return name.equals("proxy") && pids.size() == 1;
  }

  /**
   * Ticks of the live threads of {@code pid}: {event loops, JIT compilers}, {-1, -1} when
   * unreadable. Thread names from {@code /proc/<pid>/task/<tid>/comm} (cut to 15 characters:
   * "vert.x-eventloo", "C2 CompilerThre", "C1 CompilerThre").
   */
  static long[] threadTicks(long pid) {
    long[] split = {0, 0};
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String comm;
        try {
          comm = Files.readString(task.resolve("comm")).trim();
        } catch (IOException e) {
          continue; // the thread exited meanwhile: its ticks are in the process total
        }
        int k =
            comm.startsWith("vert.x-eventloo")
                ? 0
                : comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre") ? 1 : -1;
        if (k >= 0) {
          long t = ticks(task.resolve("stat"));
          split[k] += Math.max(t, 0);
        }
      }
      return split;
    } catch (IOException | RuntimeException e) {
      return new long[] {-1, -1};
    }
  }

  // utime + stime of one /proc/.../stat file (a process or one thread); -1 when unreadable
  private static long ticks(Path stat) {
    try {
      String s = Files.readString(stat);
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Header of the CPU table for {@code pids}' names (the columns of {@link #cpuTicks}). */
  public static String cpuHeader(Map<String, List<Long>> pids) {
    List<String> columns = new ArrayList<>();
    pids.forEach(
        (name, list) -> {
          columns.add(name);
          if (splitsThreads(name, list)) {
            columns.addAll(List.of(PROXY_EVENT_LOOPS, PROXY_JIT, PROXY_OTHER));
          }
        });
    StringBuilder sb = new StringBuilder("| round | target | requests |");
    columns.forEach(n -> sb.append(' ').append(n).append(" µs |"));
    sb.append('\n').append("|---|---|---|");
    columns.forEach(n -> sb.append("---|"));
    return sb.append('\n').toString();
  }

  /**
   * The proxy's CPU microseconds per request, median of {@code rounds} (each a before/after pair of
   * {@link #cpuTicks} and its request count), total and split, as one markdown sentence; empty when
   * there is no proxy process.
   */
  public static String proxyCpuMedians(List<CpuRound> rounds) {
    List<String> names = List.of("proxy", PROXY_EVENT_LOOPS, PROXY_JIT, PROXY_OTHER);
    double[] m = new double[names.size()];
    for (int i = 0; i < m.length; i++) {
      String name = names.get(i);
      double[] v =
          rounds.stream()
              .mapToDouble(r -> cpuMicros(name, r.before(), r.after(), r.requests()))
              .filter(d -> !Double.isNaN(d))
              .sorted()
              .toArray();
      m[i] = v.length == 0 ? Double.NaN : v[v.length / 2];
    }
    if (Double.isNaN(m[0])) {
      return "";
    }
    return String.format(
        Locale.ROOT,
        "**%.0f µs** (event loops %.0f, JIT compilers %.0f, other threads %.0f; each a median of"
            + " the rounds, so the parts need not add up to the total)",
        m[0],
        m[1],
        m[2],
        m[3]);
  }

  /** One measured round's CPU readings: {@link #cpuTicks} before and after, requests served. */
  public record CpuRound(Map<String, Long> before, Map<String, Long> after, int requests) {}

  /** One markdown row: CPU microseconds per request of each process during one round. */
  public static String cpuRow(
      String round, String target, Map<String, Long> before, Map<String, Long> after, int n) {
    StringBuilder row = new StringBuilder("| " + round + " | " + target + " | " + n + " |");
    for (String c : before.keySet()) {
      long b = before.getOrDefault(c, -1L);
      long a = after.getOrDefault(c, -1L);
      if (b < 0 || a < 0 || n == 0) {
        row.append(" - |");
      } else {
        row.append(String.format(Locale.ROOT, " %.0f |", (a - b) * 10_000.0 / n));
      }
    }
    return row.append('\n').toString();
  }

  /** CPU microseconds per request of one process in one round (NaN when unreadable). */
  public static double cpuMicros(
      String name, Map<String, Long> before, Map<String, Long> after, int n) {
    long b = before.getOrDefault(name, -1L);
    long a = after.getOrDefault(name, -1L);
    return b < 0 || a < 0 || n == 0 ? Double.NaN : (a - b) * 10_000.0 / n;
  }

  private static String cmdline(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }
}
