package dev.tenantproxy.cache.informer;

import dev.tenantproxy.cache.index.RulesChange;
import dev.tenantproxy.cache.index.VisibilityChange;
import dev.tenantproxy.cache.watchcache.Subscription;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** The implementation behind {@link TenancyIndex#create}. */
final class DefaultTenancyIndex implements TenancyIndex {
  private static final List<ResourceKind> TENANCY_KINDS =
      List.of(
          ResourceKind.NAMESPACES,
          ResourceKind.TENANTS,
          ResourceKind.CAPSULE_CONFIGURATIONS,
          ResourceKind.PROXY_SETTINGS,
          ResourceKind.GLOBAL_PROXY_SETTINGS);

  private final KubernetesClient client;
  private final Vertx vertx;
  private final TenancyIndexOptions options;
  private final IndexWriter writer = new IndexWriter();
  private final Map<ResourceKind, KindInformer> informers = new ConcurrentHashMap<>();
  private volatile boolean started;

  DefaultTenancyIndex(KubernetesClient client, Vertx vertx, TenancyIndexOptions options) {
    this.client = Objects.requireNonNull(client, "client");
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.options = Objects.requireNonNull(options, "options");
    writer.serveCache(ResourceKind.NAMESPACES, options.watchCacheCapacity());
    for (ResourceKind k : TENANCY_KINDS) {
      informers.put(
          k,
          new KindInformer(
              k, !options.optionalKinds().contains(k), client, writer, options.listPageSize(k)));
    }
  }

  @Override
  public synchronized Future<Void> start() {
    started = true;
    List<CompletableFuture<Void>> required = new ArrayList<>();
    for (KindInformer ki : informers.values()) {
      CompletableFuture<Void> synced = ki.start();
      if (ki.required()) {
        required.add(synced);
      }
    }
    return await(CompletableFuture.allOf(required.toArray(CompletableFuture[]::new)), "start");
  }

  @Override
  public synchronized Future<Void> stop() {
    started = false;
    informers.values().forEach(KindInformer::stop);
    return Future.succeededFuture();
  }

  @Override
  public TenancySnapshot snapshot() {
    return writer.snapshot();
  }

  @Override
  public WatchCache namespaces() {
    return writer.cache(ResourceKind.NAMESPACES);
  }

  @Override
  public synchronized Future<WatchCache> serve(ResourceKind kind) {
    boolean newCache = writer.cache(kind) == null;
    WatchCache cache = writer.serveCache(kind, options.watchCacheCapacity());
    KindInformer ki =
        informers.computeIfAbsent(
            kind, k -> new KindInformer(k, false, client, writer, options.listPageSize(k)));
    if (newCache && started) {
      // an informer already running for this kind never listed into the new cache: restart it,
      // its fresh first list fills the cache (and changes nothing else: same RVs)
      ki.stop();
    }
    if (!started) {
      return Future.succeededFuture(cache);
    }
    return await(ki.start(), "serve " + kind.displayName()).map(v -> cache);
  }

  @Override
  public Subscription onRulesChange(Consumer<RulesChange> listener) {
    return writer.addRulesListener(listener);
  }

  @Override
  public Subscription onVisibilityChange(Consumer<VisibilityChange> listener) {
    return writer.addListener(listener);
  }

  @Override
  public Subscription onVisibilityChange(Context context, Handler<VisibilityChange> handler) {
    return writer.addListener(c -> context.runOnContext(v -> handler.handle(c)));
  }

  @Override
  public List<InformerHealth> health() {
    return informers.values().stream().map(KindInformer::health).toList();
  }

  @Override
  public boolean isReady() {
    return informers.values().stream().allMatch(ki -> !ki.required() || ki.following());
  }

  @Override
  public IndexMetrics metrics() {
    return writer.metrics();
  }

  @Override
  public void close() {
    stop();
    writer.close();
  }

  /** The writer (tests feed it events directly). */
  IndexWriter writer() {
    return writer;
  }

  /** Adapts {@code stage} once, at this boundary, to a Vert.x future with the sync timeout. */
  private Future<Void> await(CompletableFuture<?> stage, String what) {
    Context context = vertx.getOrCreateContext();
    Promise<Void> promise = Promise.promise();
    long timer =
        vertx.setTimer(
            options.syncTimeout().toMillis(),
            id ->
                promise.tryFail(
                    new IllegalStateException(
                        what
                            + ": informers not synced after "
                            + options.syncTimeout()
                            + ": "
                            + unhealthy())));
    stage.whenComplete(
        (v, t) ->
            context.runOnContext(
                x -> {
                  vertx.cancelTimer(timer);
                  if (t == null) {
                    promise.tryComplete();
                  } else {
                    promise.tryFail(t);
                  }
                }));
    return promise.future();
  }

  private String unhealthy() {
    return health().stream()
        .filter(h -> !h.healthy())
        .map(
            h ->
                h.kind()
                    + (h.lastError() == null ? " (no answer yet)" : " (" + h.lastError() + ")"))
        .collect(Collectors.joining("; "));
  }
}
