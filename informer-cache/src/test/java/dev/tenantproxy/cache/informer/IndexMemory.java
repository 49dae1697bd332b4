package dev.tenantproxy.cache.informer;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Retained heap of the index on the fleet (L7, target ≤ 2 KiB per namespace), measured as the
 * difference of used heap after full GCs before and after building it. Reports the snapshot alone,
 * the snapshot plus the Namespace watch cache (JSON bytes), fabric8's informer store as the index
 * configures it ({@link SlimItemStore}), and for comparison what fabric8's default store would hold
 * for the same namespaces (full GenericKubernetesResource objects).
 */
final class IndexMemory {
  private IndexMemory() {}

  static long usedAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 6; i++) {
      System.gc();
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  static String measure() {
    int count = BenchFleet.TENANTS * BenchFleet.NAMESPACES_PER_TENANT;
    StringBuilder out = new StringBuilder();

    long before = usedAfterGc();
    IndexWriter snapshotOnly = BenchFleet.load(new IndexWriter(), false);
    long after = usedAfterGc();
    out.append(
        line("snapshot only (2,000 tenants + 10,000 namespaces + indexes)", after - before, count));
    long keep1 = snapshotOnly.snapshot().revision();
    snapshotOnly.close();

    before = usedAfterGc();
    IndexWriter withCache = BenchFleet.load(new IndexWriter(), true);
    after = usedAfterGc();
    out.append(
        line("snapshot + Namespace watch cache (JSON ~1 KiB/namespace)", after - before, count));
    long keep2 = withCache.snapshot().revision();
    withCache.close();

    before = usedAfterGc();
    List<GenericKubernetesResource> store = new ArrayList<>(count);
    for (int i = 0; i < BenchFleet.TENANTS; i++) {
      for (int j = 0; j < BenchFleet.NAMESPACES_PER_TENANT; j++) {
        String name = BenchFleet.namespaceName(i, j);
        store.add(
            Objects.JSON.unmarshal(
                BenchFleet.namespaceJson(name, "tenant-" + i, "uid-" + name, i * 5L + j),
                GenericKubernetesResource.class));
      }
    }
    after = usedAfterGc();
    out.append(
        line(
            "for comparison: fabric8's default informer store (full GenericKubernetesResource)",
            after - before,
            count));
    SlimItemStore slim = new SlimItemStore();
    before = usedAfterGc();
    for (GenericKubernetesResource r : store) {
      WireObject w = Objects.JSON.convertValue(r, WireObject.class);
      slim.put(slim.getKey(w), w);
    }
    after = usedAfterGc();
    out.append(
        line(
            "fabric8 informer store as the index configures it (SlimItemStore)",
            after - before,
            count));
    out.append("(kept alive: ").append(keep1 + keep2 + store.size() + slim.size()).append(")\n");
    return out.toString();
  }

  private static String line(String what, long bytes, int count) {
    return String.format("| %s | %,d bytes | %,d bytes/namespace |%n", what, bytes, bytes / count);
  }
}
