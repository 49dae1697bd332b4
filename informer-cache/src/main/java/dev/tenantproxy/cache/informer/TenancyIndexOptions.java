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
 * @param namespaceListPageSize objects per page of the Namespace informer's (re-)list ({@code
 *     limit}/{@code continue}); each page is decoded and applied before the next is asked for, so
 *     the memory a list needs is bounded by a page, not by the cluster
 * @param otherKindsListPageSize objects per page of every other kind's (re-)list; {@link
 *     #listPageSize(ResourceKind)} picks the one of a kind
 */
public record TenancyIndexOptions(
    Duration syncTimeout,
    int watchCacheCapacity,
    Set<ResourceKind> optionalKinds,
    int namespaceListPageSize,
    int otherKindsListPageSize) {

  /** Namespaces per page of the Namespace informer's list by default. */
  public static final int DEFAULT_NAMESPACE_LIST_PAGE_SIZE = 2_000;

  /** Objects per page of every other informer's list by default. */
  public static final int DEFAULT_LIST_PAGE_SIZE = 500;

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
    if (namespaceListPageSize < 1) {
      throw new IllegalArgumentException(
          "namespaceListPageSize must be >= 1, got " + namespaceListPageSize);
    }
    if (otherKindsListPageSize < 1) {
      throw new IllegalArgumentException(
          "otherKindsListPageSize must be >= 1, got " + otherKindsListPageSize);
    }
  }

  /**
   * 30 s start-up wait, 10,000 events per watch cache, ProxySetting and GlobalProxySettings
   * optional, Namespaces listed in pages of {@value #DEFAULT_NAMESPACE_LIST_PAGE_SIZE} and every
   * other kind in pages of {@value #DEFAULT_LIST_PAGE_SIZE}.
   *
   * <p>DESIGN: pages instead of one response: the first list of a 10,000-namespace fleet was one 10
   * MB response, held as text and then as 10,000 decoded objects until all of it was decoded; that
   * peak set the heap's size for the rest of the process's life (docs/benchmarks/lean.md). A page
   * is held about three times while it is decoded (fabric8's body, the array it is parsed from, the
   * objects), so what bounds a page's memory is its objects' size. A Namespace is small and nearly
   * fixed in size (0.5–1.5 KB: a name, labels, a phase), and a fleet has many: pages of 2,000, not
   * client-go's 500, since every page costs a round trip and a fixed share of CPU on both sides;
   * the fleet's first list took 24 of them, and with 6 it was ready 0.32 and 0.09 s sooner (medians
   * of two interleaved runs, 9 of 14 pairs faster) with the same memory at ready. Pages of 5,000
   * were no faster and grew the heap (lean.md, "Fourteenth pass"). Every other kind stays at 500:
   * its objects' size is the cluster's, not ours (a Node with its image list is 10–30 KB, a Tenant
   * with its policies and managed fields several KB), and 2,000 of them would make a page of tens
   * of MB against the default 128 MiB heap, where 500 keep it to a quarter of that.
   */
  public static TenancyIndexOptions defaults() {
    return new TenancyIndexOptions(
        Duration.ofSeconds(30),
        10_000,
        Set.of(ResourceKind.PROXY_SETTINGS, ResourceKind.GLOBAL_PROXY_SETTINGS),
        DEFAULT_NAMESPACE_LIST_PAGE_SIZE,
        DEFAULT_LIST_PAGE_SIZE);
  }

  /** Objects per page of {@code kind}'s (re-)list. */
  public int listPageSize(ResourceKind kind) {
    return kind.equals(ResourceKind.NAMESPACES) ? namespaceListPageSize : otherKindsListPageSize;
  }

  public TenancyIndexOptions withSyncTimeout(Duration timeout) {
    return new TenancyIndexOptions(
        timeout, watchCacheCapacity, optionalKinds, namespaceListPageSize, otherKindsListPageSize);
  }

  public TenancyIndexOptions withWatchCacheCapacity(int capacity) {
    return new TenancyIndexOptions(
        syncTimeout, capacity, optionalKinds, namespaceListPageSize, otherKindsListPageSize);
  }

  /** The same page size for every kind, Namespaces included. */
  public TenancyIndexOptions withListPageSize(int objects) {
    return new TenancyIndexOptions(
        syncTimeout, watchCacheCapacity, optionalKinds, objects, objects);
  }
}
