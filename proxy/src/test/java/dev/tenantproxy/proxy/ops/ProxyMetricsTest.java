package dev.tenantproxy.proxy.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.cache.informer.IndexMetrics;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ProxyMetricsTest {

  @Test
  void theIndexWritersCountersAreExportedAndFollowTheIndex() {
    ProxyMetrics metrics = new ProxyMetrics(ProxyMetrics.newRegistry());
    AtomicReference<IndexMetrics> now =
        new AtomicReference<>(new IndexMetrics(10, 9, 1, 2_500, 7, 0));
    metrics.index(now::get);
    java.util.concurrent.atomic.AtomicLong hub = new java.util.concurrent.atomic.AtomicLong();
    metrics.watchHubFailures(hub::get);

    String first = metrics.scrape();
    now.set(new IndexMetrics(12, 12, 0, 1_000, 9, 1));
    hub.set(2);
    String second = metrics.scrape();

    assertThat(first)
        .contains("tenant_proxy_index_events_received_total 10.0")
        .contains("tenant_proxy_index_events_applied_total 9.0")
        .contains("tenant_proxy_index_queue_depth 1.0")
        .contains("tenant_proxy_index_lag_seconds 0.0025")
        .contains("tenant_proxy_index_revision 7.0");
    assertThat(second)
        .contains("tenant_proxy_index_events_failed_total 1.0")
        .contains("tenant_proxy_index_queue_depth 0.0")
        .contains("tenant_proxy_index_revision 9.0")
        .contains("tenant_proxy_watch_hub_failures_total 2.0");
  }

  /**
   * A function counter holds its object weakly; the suppliers handed in are method references that
   * nothing else holds. After a garbage collection the counters must still follow their source
   * (before the fix {@code tenant_proxy_watch_hub_failures_total} froze at its last value).
   */
  @Test
  void theCountersStillFollowTheirSourceAfterAGarbageCollection() throws Exception {
    ProxyMetrics metrics = new ProxyMetrics(ProxyMetrics.newRegistry());
    java.util.concurrent.atomic.AtomicLong hub = new java.util.concurrent.atomic.AtomicLong(1);
    metrics.watchHubFailures(hub::get);
    assertThat(metrics.scrape()).contains("tenant_proxy_watch_hub_failures_total 1.0");

    collectWeaklyReachable();
    hub.set(3);

    assertThat(metrics.scrape()).contains("tenant_proxy_watch_hub_failures_total 3.0");
  }

  /** Runs the GC until a weakly reachable canary is cleared (at most 50 times). */
  private static void collectWeaklyReachable() throws InterruptedException {
    java.lang.ref.WeakReference<Object> canary = new java.lang.ref.WeakReference<>(new Object());
    for (int i = 0; i < 50 && canary.get() != null; i++) {
      System.gc();
      Thread.sleep(10);
    }
    assertThat(canary.get()).as("a GC cleared weak references").isNull();
  }
}
