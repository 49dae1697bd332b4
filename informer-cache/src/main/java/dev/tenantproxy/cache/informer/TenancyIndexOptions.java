package dev.tenantproxy.cache.informer;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Options of a {@link TenancyIndex}.
 *
 * @param syncTimeout how long {@link TenancyIndex#start()} waits for the required informers
 * @param watchCacheCapacity events kept per watch cache (older {@code since(rv)} get 410)
 * @param optionalKinds kinds whose absence (e.g. capsule-proxy's CRDs not installed) does not fail
 *     start-up or readiness; they are still informed on and reported in health
 * @param listPageSize objects per page of an informer's (re-)list ({@code limit}/{@code continue});
 *     each page is decoded and applied before the next is asked for, so the memory a list needs is
 *     bounded by a page, not by the cluster
 */
public record TenancyIndexOptions(
    Duration syncTimeout,
    int watchCacheCapacity,
    Set<ResourceKind> optionalKinds,
    int listPageSize) {

  /** Objects per page of an informer's list by default. */
  public static final int DEFAULT_LIST_PAGE_SIZE = 2_000;

  public TenancyIndexOptions {
    Objects.requireNonNull(syncTimeout, "syncTimeout");
    if (syncTimeout.isNegative() || syncTimeout.isZero()) {
      throw new IllegalArgumentException("syncTimeout must be positive, got " + syncTimeout);
    }
    if (watchCacheCapacity < 1) {
      throw new IllegalArgumentException(
          "watchCacheCapacity must be >= 1, got " + watchCacheCapacity);
    }
    optionalKinds = optionalKinds == null ? Set.of() : Set.copyOf(optionalKinds);
    if (listPageSize < 1) {
      throw new IllegalArgumentException("listPageSize must be >= 1, got " + listPageSize);
    }
  }

  /**
   * 30 s start-up wait, 10,000 events per watch cache, ProxySetting and GlobalProxySettings
   * optional, lists in pages of {@value #DEFAULT_LIST_PAGE_SIZE}. Pages instead of one response:
   * the first list of a 10,000-namespace fleet was one 10 MB response, held as text and then as
   * 10,000 decoded objects until all of it was decoded; that peak set the heap's size for the rest
   * of the process's life (docs/benchmarks/lean.md). Pages of 2,000, not client-go's 500: every
   * page costs a round trip and a fixed share of CPU on both sides, and the fleet's first list took
   * 24 of them; with 6 it was ready 0.32 and 0.09 s sooner (medians of two interleaved runs, 9 of
   * 14 pairs faster) with the same memory at ready. Pages of 5,000 were no faster and grew the heap
   * (lean.md, "Fourteenth pass").
   */
  public static TenancyIndexOptions defaults() {
    return new TenancyIndexOptions(
        Duration.ofSeconds(30),
        10_000,
        Set.of(ResourceKind.PROXY_SETTINGS, ResourceKind.GLOBAL_PROXY_SETTINGS),
        DEFAULT_LIST_PAGE_SIZE);
  }

  public TenancyIndexOptions withSyncTimeout(Duration timeout) {
    return new TenancyIndexOptions(timeout, watchCacheCapacity, optionalKinds, listPageSize);
  }

  public TenancyIndexOptions withWatchCacheCapacity(int capacity) {
    return new TenancyIndexOptions(syncTimeout, capacity, optionalKinds, listPageSize);
  }

  public TenancyIndexOptions withListPageSize(int objects) {
    return new TenancyIndexOptions(syncTimeout, watchCacheCapacity, optionalKinds, objects);
  }
}
