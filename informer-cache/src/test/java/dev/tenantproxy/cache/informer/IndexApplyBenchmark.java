package dev.tenantproxy.cache.informer;

import dev.tenantproxy.cache.watchcache.EventType;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Event apply throughput of the single writer on the fleet (target ≥ 50,000 events/s): the work the
 * {@code tenancy-index-writer} thread does per event (reducer, snapshot publish, change feed,
 * namespace watch cache). Conversion from fabric8 objects happens on fabric8's threads and is
 * measured separately ({@link #convertNamespace}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class IndexApplyBenchmark {
  private IndexWriter writer;
  private Generation namespaces;
  private Generation tenants;
  private final LongAdder changes = new LongAdder();
  private long rv;
  private int next;
  private byte[] json;
  private WireObject fabric8Namespace;
  private TenantInfo[][] tenantVariants;

  @Setup(Level.Trial)
  public void setUp() {
    writer = BenchFleet.load(new IndexWriter(), true);
    writer.addListener(c -> changes.increment());
    namespaces = new Generation(ResourceKind.NAMESPACES);
    namespaces.firstList = false;
    tenants = new Generation(ResourceKind.TENANTS);
    tenants.firstList = false;
    rv = 1_000_000;
    tenantVariants = new TenantInfo[2][BenchFleet.TENANTS];
    for (int i = 0; i < BenchFleet.TENANTS; i++) {
      tenantVariants[0][i] = BenchFleet.tenant(i, rv++, true);
      tenantVariants[1][i] = BenchFleet.tenant(i, rv++, false);
    }
    json =
        BenchFleet.namespaceJson("tenant-1-ns-1", "tenant-1", "uid", 1)
            .getBytes(StandardCharsets.UTF_8);
    fabric8Namespace = Objects.parse(new String(json, StandardCharsets.UTF_8).replace('"', '\''));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    writer.close();
  }

  /** A namespace MODIFIED (new RV) of a visible namespace: one change-feed entry each. */
  @Benchmark
  public long applyNamespaceModified() {
    int k = next++ % (BenchFleet.TENANTS * BenchFleet.NAMESPACES_PER_TENANT);
    writer.apply(
        namespaces,
        EventType.MODIFIED,
        BenchFleet.namespaceChange(k / BenchFleet.NAMESPACES_PER_TENANT, k % 5, rv++, json));
    return writer.snapshot().revision();
  }

  /**
   * A Tenant MODIFIED that swaps its User owner: 5 namespaces change visibility (the two variants
   * per tenant are built in set-up, as conversion happens on fabric8's threads).
   */
  @Benchmark
  public long applyTenantOwnerChange() {
    int i = next % BenchFleet.TENANTS;
    TenantInfo t = tenantVariants[(next / BenchFleet.TENANTS) % 2][i];
    next++;
    writer.apply(tenants, EventType.MODIFIED, new IndexWriter.Change(t.key(), t, null));
    return writer.snapshot().revision();
  }

  /** What the fabric8 thread does per Namespace callback: model + JSON for the watch cache. */
  @Benchmark
  public Object convertNamespace() {
    byte[] bytes = fabric8Namespace.json(ResourceKind.NAMESPACES);
    return Extractors.cached(ResourceKind.NAMESPACES, fabric8Namespace, bytes).key()
        + Extractors.namespace(fabric8Namespace).claimedTenant();
  }
}
