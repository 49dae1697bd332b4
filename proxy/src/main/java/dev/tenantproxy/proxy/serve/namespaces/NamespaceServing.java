package dev.tenantproxy.proxy.serve.namespaces;

import dev.tenantproxy.cache.index.VisibilityChange;
import dev.tenantproxy.cache.informer.TenancyIndex;
import dev.tenantproxy.cache.watchcache.Subscription;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.proxy.server.ProxyFilter;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plugs namespace serving into a proxy: one {@link WatchHub} on its own thread, subscribed ONCE to
 * the index's Namespace watch cache and change feed as soon as the cache is synced, and the {@link
 * NamespacesFilter} to register with {@code ProxyServer.Builder.addServingFilter}.
 *
 * <pre>{@code
 * NamespaceServing ns = NamespaceServing.attach(vertx, index, NamespaceService.Options.defaults());
 * ProxyServer.builder(vertx, config, upstream)
 *     .addServingFilter(ns.filter())
 *     .addServingFilter(ns.accessReviewsFilter(upstream)) ...
 * }</pre>
 */
public final class NamespaceServing implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NamespaceServing.class);

  private final Vertx vertx;
  private final TenancyIndex index;
  private final NamespaceService.Options options;
  private final AtomicReference<NamespaceService> service = new AtomicReference<>();
  private final ExecutorService hubThread;
  private final List<Subscription> subscriptions =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile long timer = -1;
  private volatile boolean closed;

  private NamespaceServing(Vertx vertx, TenancyIndex index, NamespaceService.Options options) {
    this.vertx = vertx;
    this.index = index;
    this.options = options;
    this.hubThread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "tenant-proxy-namespace-watch-hub");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts serving as soon as the index's Namespace cache is synced (checked every 100 ms). */
  public static NamespaceServing attach(
      Vertx vertx, TenancyIndex index, NamespaceService.Options options) {
    NamespaceServing s = new NamespaceServing(vertx, index, options);
    if (!s.tryStart()) {
      s.timer =
          vertx.setPeriodic(
              100,
              t -> {
                if (s.closed || s.tryStart()) {
                  vertx.cancelTimer(t);
                }
              });
    }
    return s;
  }

  /**
   * What {@code tenant-proxy serve} needs in one call: a fabric8 client on the proxy's own
   * credentials (the kubeconfig and context of {@code config}, else in-cluster), the tenancy index
   * on it (started; it retries until synced), namespace serving attached, and the serving filters
   * and the index's readiness registered on {@code builder}. {@link #close()} ends the watches and
   * stops the index and its client.
   */
  public static NamespaceServing install(
      dev.tenantproxy.proxy.server.ProxyServer.Builder builder,
      Vertx vertx,
      dev.tenantproxy.proxy.config.ProxyConfig config,
      dev.tenantproxy.proxy.upstream.Upstream upstream) {
    io.fabric8.kubernetes.client.Config kube =
        config.kubeconfig() != null
            ? io.fabric8.kubernetes.client.Config.fromKubeconfig(
                config.kubeContext(), config.kubeconfig().toFile())
            : io.fabric8.kubernetes.client.Config.autoConfigure(null);
    io.fabric8.kubernetes.client.KubernetesClient client =
        new io.fabric8.kubernetes.client.KubernetesClientBuilder()
            .withConfig(kube)
            .withHttpClientFactory(
                new io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory(vertx))
            .build();
    TenancyIndex index =
        TenancyIndex.create(
            client, vertx, dev.tenantproxy.cache.informer.TenancyIndexOptions.defaults());
    index
        .start()
        .onSuccess(v -> LOG.info("tenancy index synced"))
        .onFailure(
            e -> LOG.warn("tenancy index not synced yet (it keeps retrying): {}", e.toString()));
    NamespaceServing serving = attach(vertx, index, NamespaceService.Options.defaults());
    serving.owned = List.of(index::close, client::close);
    var allNamespaces =
        dev.tenantproxy.proxy.serve.allnamespaces.AllNamespaces.filter(index, upstream);
    serving.endMergedWatches = allNamespaces::endAllWatches;
    builder
        .readiness(index::isReady)
        .addServingFilter(serving.foreignWritesFilter(upstream))
        .addServingFilter(serving.filter())
        .addServingFilter(
            new AccessReviewsFilter(serving.service::get, upstream, allNamespaces::serves))
        .addServingFilter(allNamespaces);
    return serving;
  }

  private volatile List<Runnable> owned = List.of();
  private volatile Runnable endMergedWatches = () -> {};

  private synchronized boolean tryStart() {
    if (service.get() != null) {
      return true;
    }
    WatchCache cache = index.namespaces();
    if (!cache.isSynced()) {
      return false;
    }
    long rv = cache.resourceVersion();
    WatchHub hub =
        new WatchHub(() -> new IndexNamespaceView(index.snapshot(), cache), hubThread, rv);
    subscriptions.add(
        cache.watch(rv, event -> hub.onNamespaceEvent(IndexNamespaceView.toEvent(event))));
    subscriptions.add(index.onVisibilityChange(change -> forward(hub, change)));
    service.set(
        new NamespaceService(
            vertx,
            () -> new IndexNamespaceView(index.snapshot(), cache),
            hub,
            options,
            Clock.systemUTC()));
    LOG.info("serving namespaces from the index (watch cache at resourceVersion {})", rv);
    return true;
  }

  private static void forward(WatchHub hub, VisibilityChange change) {
    Set<Principal> changed = new LinkedHashSet<>(change.gained());
    changed.addAll(change.lost());
    if (!changed.isEmpty()) {
      hub.onVisibilityChange(
          changed,
          change.namespace(),
          change.currentObject() == null
              ? null
              : IndexNamespaceView.toNamespace(change.currentObject()));
    }
  }

  /** Watch-hub tasks that failed so far (0 until namespaces are served). */
  public long hubFailures() {
    NamespaceService s = service.get();
    return s == null ? 0 : s.hub().failures();
  }

  /** The index writer's counters (for metrics). */
  public dev.tenantproxy.cache.informer.IndexMetrics indexMetrics() {
    return index.metrics();
  }

  /** Writes to namespaces outside the caller's view: 404, never forwarded. */
  public ProxyFilter foreignWritesFilter(dev.tenantproxy.proxy.upstream.Upstream upstream) {
    return new ForeignNamespaceWritesFilter(
        () -> {
          NamespaceService s = service.get();
          return s == null ? null : s.view();
        },
        upstream);
  }

  /** The serving filter (passes everything on until the index is synced). */
  public ProxyFilter filter() {
    return new NamespacesFilter(service::get);
  }

  /**
   * The access-review filter (SelfSubjectAccessReview / SelfSubjectRulesReview agree with what is
   * served); register it with the serving filters.
   */
  public ProxyFilter accessReviewsFilter(dev.tenantproxy.proxy.upstream.Upstream upstream) {
    return new AccessReviewsFilter(service::get, upstream);
  }

  /** The service, or null until the index is synced. */
  public NamespaceService service() {
    return service.get();
  }

  /** Whether namespaces are served (the cache was synced and the hub subscribed). */
  public boolean isServing() {
    return service.get() != null;
  }

  /** Namespace watches served right now (0 until the index is synced). */
  public int openWatches() {
    NamespaceService s = service.get();
    return s == null ? 0 : s.openWatches();
  }

  /** Ends every open namespace watch cleanly (the first step of a graceful shutdown). */
  public void endAllWatches() {
    endMergedWatches.run();
    NamespaceService s = service.get();
    if (s != null) {
      s.endAllWatches();
    }
  }

  @Override
  public void close() {
    endAllWatches();
    closed = true;
    long t = timer;
    if (t >= 0) {
      vertx.cancelTimer(t);
    }
    subscriptions.forEach(Subscription::close);
    hubThread.shutdownNow();
    for (Runnable r : owned) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.warn("closing: {}", e.toString());
      }
    }
  }
}
