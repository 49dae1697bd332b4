package dev.tenantproxy.filters.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.tenantproxy.filters.json.ListFilter;
import dev.tenantproxy.filters.json.WatchFilter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The streaming List filter on a 10,000-item NamespaceList (realistic items of ~600 bytes, every
 * tenth visible), and the watch filter on the same objects as 10,000 watch events fed in 16 KiB
 * chunks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class JsonListFilterBenchmark {
  static final int ITEMS = 10_000;

  byte[] list;
  byte[] watch;
  ListFilter filter;

  @Setup
  public void setUp() {
    StringBuilder items = new StringBuilder();
    StringBuilder events = new StringBuilder();
    for (int i = 0; i < ITEMS; i++) {
      String ns = namespace(i);
      items.append(i == 0 ? "" : ",").append(ns);
      events.append("{\"type\":\"ADDED\",\"object\":").append(ns).append("}\n");
    }
    list =
        ("{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"123456\","
                + "\"remainingItemCount\":5},\"items\":["
                + items
                + "]}")
            .getBytes(UTF_8);
    watch = events.toString().getBytes(UTF_8);
    filter = ListFilter.keeping(m -> m.name().endsWith("0"));
  }

  static String namespace(int i) {
    String name = "tenant-" + (i / 5) + "-ns-" + i;
    return "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\""
        + name
        + "\",\"uid\":\"6f1c1c2e-1d6b-4a5e-9a7e-"
        + String.format("%012d", i)
        + "\",\"resourceVersion\":\""
        + (1000 + i)
        + "\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\",\"labels\":{\"capsule.clastix.io/tenant\":\"tenant-"
        + (i / 5)
        + "\",\"kubernetes.io/metadata.name\":\""
        + name
        + "\"},\"ownerReferences\":[{\"apiVersion\":\"capsule.clastix.io/v1beta2\",\"kind\":\"Tenant\","
        + "\"name\":\"tenant-"
        + (i / 5)
        + "\",\"uid\":\"0b1e2c3d-0000-0000-0000-000000000000\",\"controller\":true,\"blockOwnerDeletion\":true}],"
        + "\"managedFields\":[{\"manager\":\"kubectl-create\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
        + "\"time\":\"2026-01-01T00:00:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{\"f:labels\":{}}}}]},"
        + "\"spec\":{\"finalizers\":[\"kubernetes\"]},\"status\":{\"phase\":\"Active\"}}";
  }

  @Benchmark
  public byte[] filterNamespaceList() {
    return filter.filter(list);
  }

  @Benchmark
  public long filterWatchStream() {
    WatchFilter w = WatchFilter.create(m -> m.name().endsWith("0"), 1 << 20);
    long bytes = 0;
    for (int off = 0; off < watch.length; off += 16384) {
      bytes += w.feed(watch, off, Math.min(16384, watch.length - off)).length;
    }
    return bytes + w.end().length;
  }
}
