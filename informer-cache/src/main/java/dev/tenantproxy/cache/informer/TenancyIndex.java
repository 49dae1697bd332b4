package dev.tenantproxy.cache.informer;

import dev.tenantproxy.cache.index.RulesChange;
import dev.tenantproxy.cache.index.VisibilityChange;
import dev.tenantproxy.cache.watchcache.Subscription;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.Consumer;

/**
 * The event-sourced tenancy index: fabric8 informers for Tenants, Namespaces,
 * CapsuleConfigurations, ProxySettings and GlobalProxySettings feed one writer that publishes
 * immutable {@link TenancySnapshot}s, a change feed of {@link VisibilityChange}s and per-kind
 * {@link WatchCache}s.
 *
 * <pre>{@code
 * KubernetesClient client = new KubernetesClientBuilder()
 *     .withHttpClientFactory(new Vertx5HttpClientFactory(vertx))
 *     .withKubernetesSerialization(TenancyIndex.serialization()).build();
 * TenancyIndex index = TenancyIndex.create(client, vertx, TenancyIndexOptions.defaults());
 * index.start().onSuccess(v -> ...);             // all required informers synced, or failed
 * TenancySnapshot s = index.snapshot();          // lock-free, consistent
 * Visibility.visibleNamespaces(s, caller);       // dev.tenantproxy.filters.visibility
 * index.onVisibilityChange(context, change -> ...);
 * index.namespaces().watch(rv, event -> ...);    // the Namespace watch cache
 * }</pre>
 */
public interface TenancyIndex extends AutoCloseable {

  /**
   * The serialization the index's client should be built with ({@code
   * KubernetesClientBuilder.withKubernetesSerialization}): fabric8's, except that the informers'
   * list pages are decoded from their bytes, each object's JSON sliced out of the page instead of
   * re-written (about 12% of a fleet start's CPU, docs/benchmarks/lean.md "Tenth pass"). A client
   * built without it decodes the same objects, more slowly.
   */
  static KubernetesSerialization serialization() {
    return new WireSerialization();
  }

  /**
   * Creates an index (not started). {@code client} must be built on {@code vertx} ({@code new
   * KubernetesClientBuilder().withHttpClientFactory(new Vertx5HttpClientFactory(vertx))}); the
   * index does not close it.
   */
  static TenancyIndex create(KubernetesClient client, Vertx vertx, TenancyIndexOptions options) {
    return new DefaultTenancyIndex(client, vertx, options);
  }

  /**
   * Starts the informers (again, after {@link #stop()}: fresh informers whose first list is
   * reconciled with the kept state, so nothing is lost or duplicated). Completes, on the caller's
   * context, when every required informer's first list has been applied; fails after {@code
   * syncTimeout} naming the unhealthy informers (the informers keep retrying).
   */
  Future<Void> start();

  /** Stops the informers; the snapshot and watch caches stay as they are. */
  Future<Void> stop();

  /** The current snapshot. Never null; lock-free. */
  TenancySnapshot snapshot();

  /** The Namespace watch cache (fed by the one Namespace informer). */
  WatchCache namespaces();

  /**
   * The watch cache of {@code kind}, starting an informer for it if it is not served yet. The
   * future completes when it is synced (or fails after {@code syncTimeout}; it keeps retrying).
   */
  Future<WatchCache> serve(ResourceKind kind);

  /**
   * Registers a change-feed listener called on the index's writer thread, in order, after the
   * snapshot of the change's revision is published. It must not block. For one Namespace event, the
   * Namespace watch cache's watchers are told first, then the change-feed listeners.
   */
  Subscription onVisibilityChange(Consumer<VisibilityChange> listener);

  /**
   * Registers a listener for changes of cluster-scoped visibility rules (a Tenant, ProxySetting or
   * GlobalProxySettings applied), called on the index's writer thread, in order, after the snapshot
   * of the change's revision is published. It must not block.
   */
  Subscription onRulesChange(Consumer<RulesChange> listener);

  /** Like {@link #onVisibilityChange(Consumer)}, but delivered on {@code context}. */
  Subscription onVisibilityChange(Context context, Handler<VisibilityChange> handler);

  /** Health of every informer. */
  List<InformerHealth> health();

  /**
   * Whether every required informer is synced and following its watch (false while one has had no
   * open watch for a couple of seconds, e.g. the API server is down; true again once it watches).
   */
  boolean isReady();

  IndexMetrics metrics();

  /** Stops the informers and the writer thread. */
  @Override
  void close();
}
