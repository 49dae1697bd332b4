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
 */
public record TenancyIndexOptions(
    Duration syncTimeout, int watchCacheCapacity, Set<ResourceKind> optionalKinds) {

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
  }

  /**
   * 30 s start-up wait, 10,000 events per watch cache, ProxySetting and GlobalProxySettings
   * optional.
   */
  public static TenancyIndexOptions defaults() {
    return new TenancyIndexOptions(
        Duration.ofSeconds(30),
        10_000,
        Set.of(ResourceKind.PROXY_SETTINGS, ResourceKind.GLOBAL_PROXY_SETTINGS));
  }

  public TenancyIndexOptions withSyncTimeout(Duration timeout) {
    return new TenancyIndexOptions(timeout, watchCacheCapacity, optionalKinds);
  }

  public TenancyIndexOptions withWatchCacheCapacity(int capacity) {
    return new TenancyIndexOptions(syncTimeout, capacity, optionalKinds);
  }
}
