package dev.tenantproxy.e2e.load;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code -Dbench.cpus=split}: the proxy JVMs on the last CPU, everything else of the benchmark
 * (kube-apiserver, etcd, kube-controller-manager and the load generator, this JVM) on the others,
 * pinned with {@code taskset} for the measured part of a run; {@link #close()} gives every process
 * all CPUs back.
 *
 * <p>DESIGN. By default ({@code shared}) the proxy, the API server and the load generator share the
 * machine's cores, so "proxied ÷ direct" measures the sum of their CPU: every µs the proxy spends
 * is taken from the API server. A deployed proxy runs in its own pods, usually on other nodes than
 * the control plane. {@code split} measures that case on one machine: the API server, etcd and the
 * generator get the same CPUs in the direct and in the proxied rounds, the proxy gets a CPU of its
 * own, so the ratio shows what the proxy costs the API server (its extra work per request,
 * impersonation checks for instance) and the latency of the extra hop, and not the proxy's own CPU,
 * which the CPU table reports per request either way. The JVMs were started seeing all CPUs and
 * keep their thread counts (event loops, GC, JIT), as a JVM in a pod with a CPU limit does.
 */
public final class CpuSplit implements AutoCloseable {
  private static final List<String> CONTROL_PLANE =
      List.of("kube-apiserver", "etcd", "kube-controller-manager");

  private final List<Long> pinned;
  private final String allCpus;
  private final String description;

  private CpuSplit(List<Long> pinned, String allCpus, String description) {
    this.pinned = pinned;
    this.allCpus = allCpus;
    this.description = description;
  }

  /** {@code -Dbench.cpus}: {@code shared} (default) or {@code split}. */
  public static boolean requested() {
    String v = System.getProperty("bench.cpus", "shared");
    if (!v.equals("shared") && !v.equals("split")) {
      throw new IllegalArgumentException("-Dbench.cpus must be shared or split, not " + v);
    }
    return v.equals("split");
  }

  /**
   * Pins {@code proxyPids} to the last CPU and {@code cp}'s processes and this JVM to the others;
   * needs at least 2 CPUs.
   */
  public static CpuSplit pin(ControlPlane cp, List<Long> proxyPids) throws Exception {
    int cpus = Runtime.getRuntime().availableProcessors();
    if (cpus < 2) {
      throw new IllegalStateException("-Dbench.cpus=split needs at least 2 CPUs, this has " + cpus);
    }
    String allCpus = "0-" + (cpus - 1); // read before this JVM is pinned: it then sees fewer
    String proxyCpu = Integer.toString(cpus - 1);
    String restCpus = cpus == 2 ? "0" : "0-" + (cpus - 2);
    List<Long> rest = new ArrayList<>();
    for (String binary : CONTROL_PLANE) {
      rest.addAll(ProxyVitals.controlPlane(cp, binary));
    }
    rest.add(ProcessHandle.current().pid());
    List<Long> all = new ArrayList<>();
    try {
      for (long pid : proxyPids) {
        taskset(proxyCpu, pid);
        all.add(pid);
      }
      for (long pid : rest) {
        taskset(restCpus, pid);
        all.add(pid);
      }
    } catch (Exception e) {
      new CpuSplit(all, allCpus, "").close();
      throw e;
    }
    return new CpuSplit(
        all,
        allCpus,
        "CPUs split (-Dbench.cpus=split): the proxy JVM"
            + (proxyPids.size() > 1 ? "s" : "")
            + " on CPU "
            + proxyCpu
            + "; kube-apiserver, etcd, kube-controller-manager and the load generator on CPU "
            + restCpus
            + ", in the direct and the proxied rounds alike (as a proxy deployed on other nodes than"
            + " the control plane)");
  }

  /** A line for the report saying how the CPUs were assigned. */
  public String description() {
    return description;
  }

  /** Every pinned process gets all CPUs back (those that still run). */
  @Override
  public void close() {
    for (long pid : pinned) {
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        try {
          taskset(allCpus, pid);
        } catch (Exception e) {
          System.err.println("could not unpin " + pid + ": " + e);
        }
      }
    }
  }

  /** {@code taskset -a -p -c CPUS PID}: every thread of the process. */
  private static void taskset(String cpus, long pid) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, Long.toString(pid))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("taskset -a -p -c " + cpus + " " + pid + " failed: " + out.trim());
    }
  }
}
