package dev.tenantproxy.proxy.serve.allnamespaces;

import dev.tenantproxy.cache.informer.TenancyIndex;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.proxy.config.ProxyConfig;
import dev.tenantproxy.proxy.upstream.Upstream;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * All-namespaces reads for Capsule users ({@code kubectl get pods -A}): the one entry point. See
 * the package DESIGN note.
 *
 * <pre>{@code
 * builder.addServingFilter(AllNamespaces.filter(index, upstream, options));
 * }</pre>
 */
public final class AllNamespaces {
  private static final LongAdder UPSTREAM_REQUESTS = new LongAdder();

  private AllNamespaces() {}

  /**
   * Tunables: the {@code --all-namespaces-*} flags of {@code serve} ({@code ProxyConfig
   * .AllNamespacesConfig}, validated there) and {@code --min-watch-timeout}.
   *
   * @param concurrency upstream list requests one merged list (or one merged watch's seed) has in
   *     flight at most
   * @param maxHeldBytes how much of a merged list is held before its head is sent (the {@code
   *     Warning} header needs every namespace's answer); beyond it the list streams on
   * @param discoveryTtl how long a group/version's discovery is used before it is fetched again
   * @param discoveryMissRefresh how soon an unknown resource refetches its group/version
   * @param minWatchTimeout without {@code timeoutSeconds} a watch lasts between this and twice this
   * @param slowConsumer a watch whose client has not drained its write queue for this long ends
   *     with ERROR 410 (its upstream watches are paused meanwhile: back-pressure, no buffering)
   * @param maxEventBytes the largest single upstream watch event accepted
   */
  public record Options(
      int concurrency,
      long maxHeldBytes,
      Duration discoveryTtl,
      Duration discoveryMissRefresh,
      Duration minWatchTimeout,
      Duration slowConsumer,
      int maxEventBytes) {
    /** From the configuration's all-namespaces tunables and its {@code --min-watch-timeout}. */
    public static Options of(ProxyConfig.AllNamespacesConfig config, Duration minWatchTimeout) {
      return new Options(
          config.concurrency(),
          config.maxHeldBytes(),
          config.discoveryTtl(),
          config.discoveryMissRefresh(),
          minWatchTimeout,
          config.slowConsumerTimeout(),
          config.maxEventBytes());
    }

    /** The flags' defaults. */
    public static Options defaults() {
      return of(
          ProxyConfig.AllNamespacesConfig.DEFAULTS,
          ProxyConfig.Tuning.defaults().minWatchTimeout());
    }
  }

  /**
   * The filter over the index (serves nothing until its Namespace cache has synced); {@code
   * history} answers whether a caller's view changed after a resourceVersion (the namespaces watch
   * hub's record).
   */
  public static AllNamespacesFilter filter(
      TenancyIndex index,
      Upstream upstream,
      Options options,
      AllNamespacesFilter.ViewHistory history) {
    return filter(
        () -> index.namespaces().isSynced() ? index.snapshot() : null,
        (context, namespace) -> {
          var subscription =
              index.onVisibilityChange(context, change -> namespace.accept(change.namespace()));
          return subscription::close;
        },
        upstream,
        options,
        history);
  }

  /**
   * The filter over any source of snapshots (null while not ready) whose views never change behind
   * the feed's back (tests): resumed watches are never refused.
   */
  public static AllNamespacesFilter filter(
      Supplier<TenancySnapshot> snapshots,
      AllNamespacesFilter.VisibilityFeed feed,
      Upstream upstream,
      Options options) {
    return filter(
        snapshots,
        feed,
        upstream,
        options,
        (caller, rv) -> java.util.concurrent.CompletableFuture.completedFuture(false));
  }

  /** The filter over any source of snapshots (null while not ready) and a view history. */
  public static AllNamespacesFilter filter(
      Supplier<TenancySnapshot> snapshots,
      AllNamespacesFilter.VisibilityFeed feed,
      Upstream upstream,
      Options options,
      AllNamespacesFilter.ViewHistory history) {
    ApiResources resources =
        new ApiResources(
            upstream,
            System::currentTimeMillis,
            options.discoveryTtl().toMillis(),
            options.discoveryMissRefresh().toMillis());
    return new AllNamespacesFilter(
        snapshots, resources, upstream, options, UPSTREAM_REQUESTS::increment, feed, history);
  }

  private static final java.util.concurrent.atomic.AtomicInteger OPEN_WATCHES =
      new java.util.concurrent.atomic.AtomicInteger();

  static void watchOpened() {
    OPEN_WATCHES.incrementAndGet();
  }

  static void watchClosed() {
    OPEN_WATCHES.decrementAndGet();
  }

  /** Upstream watches open for all-namespaces watches in this process right now. */
  public static int openUpstreamWatches() {
    return OPEN_WATCHES.get();
  }

  /**
   * Registers {@code tenant_proxy_allnamespaces_upstream_requests_total} and {@code
   * tenant_proxy_allnamespaces_upstream_watches} (process-wide).
   */
  public static void registerMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
    io.micrometer.core.instrument.FunctionCounter.builder(
            "tenant_proxy_allnamespaces_upstream_requests",
            UPSTREAM_REQUESTS,
            LongAdder::doubleValue)
        .description("Upstream lists and watches made for all-namespaces reads, as the caller")
        .register(registry);
    io.micrometer.core.instrument.Gauge.builder(
            "tenant_proxy_allnamespaces_upstream_watches", OPEN_WATCHES, AtomicIntegerHolder::get)
        .description("Upstream per-namespace watches held open by merged all-namespaces watches")
        .register(registry);
  }

  private static final class AtomicIntegerHolder {
    static double get(java.util.concurrent.atomic.AtomicInteger i) {
      return i.get();
    }
  }

  /** Upstream requests made by all-namespaces reads in this process so far. */
  public static long upstreamRequests() {
    return UPSTREAM_REQUESTS.sum();
  }
}
