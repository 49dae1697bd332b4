package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.cache.index.VisibilityChange;
import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.cache.informer.TenancyIndex;
import dev.tenantproxy.cache.watchcache.Subscription;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.visibility.Access;
import dev.tenantproxy.filters.visibility.ClusterKind;
import dev.tenantproxy.filters.visibility.ClusterVisibility;
import dev.tenantproxy.filters.visibility.Visibility;
import dev.tenantproxy.proxy.serve.kinds.DiscoveredKinds;
import dev.tenantproxy.proxy.serve.kinds.ForeignNamespaceWritesFilter;
import dev.tenantproxy.proxy.serve.kinds.IngressClasses;
import dev.tenantproxy.proxy.serve.kinds.Namespaces;
import dev.tenantproxy.proxy.serve.kinds.Nodes;
import dev.tenantproxy.proxy.serve.kinds.PersistentVolumes;
import dev.tenantproxy.proxy.serve.kinds.PriorityClasses;
import dev.tenantproxy.proxy.serve.kinds.RuntimeClasses;
import dev.tenantproxy.proxy.serve.kinds.StorageClasses;
import dev.tenantproxy.proxy.serve.kinds.Tenants;
import dev.tenantproxy.proxy.server.ProxyFilter;
import dev.tenantproxy.proxy.server.RequestAttributes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry of served kinds, and what plugs them into a proxy: per kind one {@link WatchHub} on
 * its own thread, subscribed ONCE to the kind's watch cache (and, when the kind follows it, to the
 * index's change feed) as soon as the cache is synced, one {@link KindService}; for all kinds the
 * one serving filter and the access-review filter, both answering from this registry.
 *
 * <p>A kind whose cache the index always runs (namespaces) is attached as soon as that cache is
 * synced; the others ({@link ServedKind#startsOnDemand()}) on the first read by a Capsule user,
 * which waits for the informer's first list (bounded by the index's sync timeout; on failure the
 * read passes through and the next one tries again).
 *
 * <p>Beyond the descriptors it is given, the registry serves cluster-scoped kinds that only {@code
 * clusterResources} rules of ProxySettings / GlobalProxySettings can give (any group, CRDs
 * included): when a Capsule user whose rules name a kind first reads it (or asks an access review
 * about it), the kind is found by {@link KindDiscovery} and becomes one more entry, served like the
 * others (its informer started on demand). DESIGN decision, bounded rather than stopped: such a
 * kind stays informed while the proxy runs, even when no rule names it any more (its reads then
 * pass through, as for any caller not served); at most {@link #MAX_DISCOVERED_KINDS} kinds are
 * discovered, each created only by a caller whose rules name it, so a user cannot make the proxy
 * inform on kinds no rule gives it.
 *
 * <pre>{@code
 * ServedKinds served = ServedKinds.attach(vertx, index, KindService.Options.defaults(),
 *     ServedKinds.DEFAULT_KINDS);
 * ProxyServer.builder(vertx, config, upstream)
 *     .addServingFilter(served.filter())
 *     .addServingFilter(served.accessReviewsFilter(upstream)) ...
 * }</pre>
 */
public final class ServedKinds implements AutoCloseable, AccessReviewsFilter.Registry {
  private static final Logger LOG = LoggerFactory.getLogger(ServedKinds.class);

  /** What {@code tenant-proxy serve} serves. */
  public static final List<ServedKind> DEFAULT_KINDS =
      List.of(
          Namespaces.INSTANCE,
          Tenants.INSTANCE,
          Nodes.INSTANCE,
          StorageClasses.INSTANCE,
          IngressClasses.INSTANCE,
          PriorityClasses.INSTANCE,
          RuntimeClasses.INSTANCE,
          PersistentVolumes.INSTANCE);

  /** One served kind: its hub thread and, once attached, its service. */
  final class Entry {
    final ServedKind kind;
    final ExecutorService hubThread;
    final AtomicReference<KindService> service = new AtomicReference<>();
    private Future<KindService> starting;

    Entry(ServedKind kind) {
      this.kind = kind;
      this.hubThread =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "tenant-proxy-" + kind.kind().plural() + "-watch-hub");
                t.setDaemon(true);
                return t;
              });
    }

    /** Whether the request's attributes address this kind's reads (cheap; no parsing). */
    boolean claims(HttpMethod method, RequestAttributes a) {
      return method == HttpMethod.GET
          && a.resourceRequest()
          && a.apiGroup().equals(kind.kind().group())
          && a.apiVersion().equals(kind.kind().version())
          && a.resource().equals(kind.kind().plural())
          && a.subresource().isEmpty();
    }

    /** The service, starting the kind's cache if needed; fails when it cannot be synced. */
    synchronized Future<KindService> start() {
      KindService s = service.get();
      if (s != null) {
        return Future.succeededFuture(s);
      }
      if (starting == null) {
        Future<KindService> f =
            vertx
                .<Future<WatchCache>>executeBlocking(() -> kind.cache(index), false)
                .compose(cache -> cache)
                .map(this::attached);
        starting = f;
        f.onFailure(
            e -> {
              LOG.warn("{} cannot be served yet: {}", kind.kind().displayName(), e.toString());
              synchronized (this) {
                starting = null;
              }
            });
      }
      return starting;
    }

    /** Attaches the hub to a synced cache (idempotent). */
    synchronized KindService attached(WatchCache cache) {
      KindService existing = service.get();
      if (existing != null) {
        return existing;
      }
      long rv = cache.resourceVersion();
      WatchHub hub =
          new WatchHub(() -> new IndexKindView(kind, index.snapshot(), cache), hubThread, rv);
      subscriptions.add(cache.watch(rv, event -> hub.onEvent(IndexKindView.toEvent(event))));
      if (kind.followsChangeFeed()) {
        subscriptions.add(index.onVisibilityChange(change -> forward(hub, change)));
      }
      if (kind.followsRulesChanges()) {
        // every object of the kind, re-decided for the watches of the principals the change names
        // (the hub's "should against sent" decision makes this idempotent)
        subscriptions.add(
            index.onRulesChange(
                change -> hub.onVisibilityChange(change.principals(), cache.keys())));
      }
      KindService s =
          new KindService(
              vertx,
              kind,
              () -> new IndexKindView(kind, index.snapshot(), cache),
              hub,
              options,
              Clock.systemUTC());
      service.set(s);
      LOG.info(
          "serving {} from the index (watch cache at resourceVersion {})",
          kind.kind().displayName(),
          rv);
      return s;
    }
  }

  private final Vertx vertx;
  private final TenancyIndex index;
  private final KindService.Options options;
  private final List<Entry> entries;

  /**
   * Kinds served on demand that no descriptor names: cluster-scoped kinds a {@code
   * clusterResources} rule names, found by discovery on a Capsule user's first read (keyed by
   * {@code group/version/resource}; at most {@link #MAX_DISCOVERED_KINDS}).
   */
  private final Map<String, Entry> discovered = new ConcurrentHashMap<>();

  private final Map<String, Future<Entry>> discovering = new ConcurrentHashMap<>();
  private volatile KindDiscovery discovery = KindDiscovery.NONE;
  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private volatile List<Runnable> owned = List.of();
  private volatile Runnable endMergedWatches = () -> {};
  private volatile long timer = -1;
  private volatile boolean closed;

  private ServedKinds(
      Vertx vertx, TenancyIndex index, KindService.Options options, List<ServedKind> kinds) {
    this.vertx = vertx;
    this.index = index;
    this.options = options;
    this.entries = kinds.stream().map(Entry::new).toList();
  }

  /**
   * Serves {@code kinds}: those that are not started on demand as soon as their cache is synced
   * (checked every 100 ms), the others on their first read.
   */
  public static ServedKinds attach(
      Vertx vertx, TenancyIndex index, KindService.Options options, List<ServedKind> kinds) {
    ServedKinds s = new ServedKinds(vertx, index, options, kinds);
    if (!s.tryStartEager()) {
      s.timer =
          vertx.setPeriodic(
              100,
              t -> {
                if (s.closed || s.tryStartEager()) {
                  vertx.cancelTimer(t);
                }
              });
    }
    return s;
  }

  /**
   * The tenancy index of {@code tenant-proxy serve}, started: its fabric8 client and its informers,
   * whose first lists are in flight. {@link #startIndex} creates it as early as the proxy's Vert.x
   * exists, so that the lists (most of a start with a large fleet) overlap with the rest of the
   * proxy's set-up; {@link #install} attaches the served kinds to it. Closing it stops the index
   * and its client (for a start that fails before {@link #install}; afterwards {@link #close()}
   * owns both).
   */
  public static final class StartedIndex implements AutoCloseable {
    private final io.fabric8.kubernetes.client.KubernetesClient client;
    private final TenancyIndex index;

    private StartedIndex(io.fabric8.kubernetes.client.KubernetesClient client, TenancyIndex index) {
      this.client = client;
      this.index = index;
    }

    @Override
    public void close() {
      index.close();
      client.close();
    }
  }

  /**
   * Starts the tenancy index of {@code tenant-proxy serve}: a fabric8 client on the proxy's own
   * credentials ({@code kube}: the kubeconfig parsed once by the caller; null: in-cluster) and the
   * index on it (started; it retries until synced).
   */
  public static StartedIndex startIndex(
      Vertx vertx,
      dev.tenantproxy.proxy.config.ProxyConfig config,
      io.fabric8.kubernetes.client.Config kube) {
    io.fabric8.kubernetes.client.KubernetesClient client =
        dev.tenantproxy.proxy.upstream.KubeClients.create(
            vertx, kube != null ? kube : io.fabric8.kubernetes.client.Config.autoConfigure(null));
    dev.tenantproxy.proxy.config.ProxyConfig.Tuning tuning = config.tuning();
    TenancyIndex index;
    try {
      index =
          TenancyIndex.create(
              client,
              vertx,
              dev.tenantproxy.cache.informer.TenancyIndexOptions.defaults()
                  .withSyncTimeout(tuning.indexSyncTimeout())
                  .withWatchCacheCapacity(tuning.watchCacheSize()));
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
    index
        .start()
        .onSuccess(v -> LOG.info("tenancy index synced"))
        .onFailure(
            e -> LOG.warn("tenancy index not synced yet (it keeps retrying): {}", e.toString()));
    return new StartedIndex(client, index);
  }

  /**
   * What {@code tenant-proxy serve} needs on top of the {@link #startIndex started index}: the
   * {@link #DEFAULT_KINDS} attached to it, and the serving filters and the index's readiness
   * registered on {@code builder}. {@link #close()} ends the watches and stops the index and its
   * client.
   */
  public static ServedKinds install(
      dev.tenantproxy.proxy.server.ProxyServer.Builder builder,
      Vertx vertx,
      dev.tenantproxy.proxy.config.ProxyConfig config,
      dev.tenantproxy.proxy.upstream.Upstream upstream,
      StartedIndex started) {
    dev.tenantproxy.proxy.config.ProxyConfig.Tuning tuning = config.tuning();
    TenancyIndex index = started.index;
    ServedKinds served =
        attach(
            vertx,
            index,
            new KindService.Options(
                tuning.watchBookmarkInterval(),
                tuning.watchBufferEvents(),
                tuning.resourceVersionWait(),
                tuning.minWatchTimeout(),
                tuning.watchBufferBytes() > 0
                    ? WatchMemory.ofBudget(tuning.watchBufferBytes())
                    : WatchMemory.forThisHeap()),
            DEFAULT_KINDS);
    served.owned = List.of(started::close);
    var allNamespaces =
        dev.tenantproxy.proxy.serve.allnamespaces.AllNamespaces.filter(
            index,
            upstream,
            dev.tenantproxy.proxy.serve.allnamespaces.AllNamespaces.Options.of(
                config.allNamespaces(), tuning.minWatchTimeout()),
            served::namespaceViewChangedAfter);
    var tenantsV1beta1 =
        new dev.tenantproxy.proxy.serve.kinds.TenantsV1beta1Filter(index::snapshot, upstream);
    served.endMergedWatches =
        () -> {
          allNamespaces.endAllWatches();
          tenantsV1beta1.endAllWatches();
        };
    served.discovering(new DiscoveredKinds(upstream, allNamespaces.discovery()));
    builder
        .readiness(index::isReady)
        .addServingFilter(served.foreignWritesFilter(upstream))
        .addServingFilter(
            new dev.tenantproxy.proxy.serve.kinds.ClusterWritesFilter(
                DEFAULT_KINDS, index::snapshot, upstream))
        .addServingFilter(tenantsV1beta1)
        .addServingFilter(served.filter())
        .addServingFilter(new AccessReviewsFilter(served, upstream, allNamespaces::serves))
        .addServingFilter(allNamespaces);
    return served;
  }

  private synchronized boolean tryStartEager() {
    boolean all = true;
    for (Entry e : entries) {
      if (e.kind.startsOnDemand() || e.service.get() != null) {
        continue;
      }
      Future<WatchCache> f = e.kind.cache(index);
      if (f.succeeded() && f.result().isSynced()) {
        e.attached(f.result());
      } else {
        all = false;
      }
    }
    return all;
  }

  private static void forward(WatchHub hub, VisibilityChange change) {
    Set<Principal> changed = new LinkedHashSet<>(change.gained());
    changed.addAll(change.lost());
    if (!changed.isEmpty()) {
      hub.onVisibilityChange(
          changed,
          change.namespace(),
          change.currentObject() == null ? null : IndexKindView.toServed(change.currentObject()),
          change.objectResourceVersion());
    }
  }

  /** The entry whose reads this request is, or null. */
  Entry claiming(HttpMethod method, RequestAttributes attributes) {
    for (Entry e : entries) {
      if (e.claims(method, attributes)) {
        return e;
      }
    }
    Entry d =
        discovered.get(key(attributes.apiGroup(), attributes.apiVersion(), attributes.resource()));
    return d != null && d.claims(method, attributes) ? d : null;
  }

  /**
   * The service of the kind this request reads, for a Capsule user: at once when attached, after
   * the kind's first sync when it starts on demand; null (pass through) when the request is not
   * such a read, the caller is not a Capsule user, or the kind cannot be served yet. A
   * cluster-scoped kind no descriptor names is found by discovery first when the caller's rules
   * name it ({@link #discoverFor}).
   */
  Future<KindService> serviceFor(HttpMethod method, RequestAttributes attributes, Caller caller) {
    Entry e = claiming(method, attributes);
    if (e == null && caller != null && discoveryCandidate(method, attributes, caller)) {
      return discoverFor(attributes.apiGroup(), attributes.apiVersion(), attributes.resource())
          .compose(
              d ->
                  d == null || !d.claims(method, attributes)
                      ? Future.succeededFuture(null)
                      : orNull(startFor(d, caller)));
    }
    if (e == null || caller == null) {
      return null;
    }
    return startFor(e, caller);
  }

  private static Future<KindService> orNull(Future<KindService> f) {
    return f == null ? Future.succeededFuture(null) : f;
  }

  private Future<KindService> startFor(Entry e, Caller caller) {
    KindService s = e.service.get();
    if (s != null) {
      return Future.succeededFuture(s);
    }
    if (!e.kind.startsOnDemand() || !e.kind.serves(index.snapshot(), caller)) {
      return null;
    }
    Promise<KindService> p = Promise.promise();
    e.start().onComplete(ar -> p.complete(ar.succeeded() ? ar.result() : null));
    return p.future();
  }

  // ---- kinds found by discovery --------------------------------------------------------------

  /** The most kinds found by discovery that one proxy serves (each runs an informer). */
  static final int MAX_DISCOVERED_KINDS = 64;

  /** Uses {@code discovery} for cluster-scoped kinds no descriptor names (default: none). */
  public ServedKinds discovering(KindDiscovery discovery) {
    this.discovery = java.util.Objects.requireNonNull(discovery);
    return this;
  }

  private List<Entry> entries() {
    if (discovered.isEmpty()) {
      return entries;
    }
    List<Entry> all = new java.util.ArrayList<>(entries);
    all.addAll(discovered.values());
    return all;
  }

  private static String key(String group, String version, String resource) {
    return group + "/" + version + "/" + resource;
  }

  /**
   * Whether this request may read a cluster-scoped kind that only {@code clusterResources} rules
   * can give: a {@code GET} of a resource at cluster scope, no subresource, no descriptor for its
   * group and resource (in any version), by a Capsule user whose rules give it that group and
   * resource. Cheap; no discovery.
   */
  private boolean discoveryCandidate(
      HttpMethod method, RequestAttributes attributes, Caller caller) {
    return method == HttpMethod.GET
        && attributes.resourceRequest()
        && !attributes.resource().isEmpty()
        && !attributes.apiVersion().isEmpty()
        && attributes.subresource().isEmpty()
        && attributes.namespace().isEmpty()
        && rulesName(attributes.apiGroup(), attributes.resource(), caller);
  }

  private boolean rulesName(String group, String resource, Caller caller) {
    for (Entry e : entries) {
      if (e.kind.kind().group().equals(group) && e.kind.kind().plural().equals(resource)) {
        return false; // a descriptor's kind (another version of it included) is not rediscovered
      }
    }
    TenancySnapshot snapshot = index.snapshot();
    return Visibility.isCapsuleUser(snapshot, caller)
        && ClusterVisibility.view(snapshot, caller, ClusterKind.of(group, resource))
            .grantsAnything(Access.GET);
  }

  /**
   * The entry of the discovered kind {@code group/version/resource} (version empty: the group's
   * preferred one), created on first use; null when the API server does not serve it at cluster
   * scope, discovery fails, or {@link #MAX_DISCOVERED_KINDS} are served already.
   */
  private Future<Entry> discoverFor(String group, String version, String resource) {
    Entry known = discovered.get(key(group, version, resource));
    if (known != null) {
      return Future.succeededFuture(known);
    }
    String k = key(group, version, resource);
    Future<Entry> running = discovering.get(k);
    if (running != null) {
      return running;
    }
    Promise<Entry> p = Promise.promise();
    Future<Entry> prior = discovering.putIfAbsent(k, p.future());
    if (prior != null) {
      return prior;
    }
    discovery
        .find(group, version, resource)
        .onComplete(
            ar -> {
              Entry e = null;
              if (ar.failed()) {
                LOG.warn("discovery of {}: {} (its reads pass through)", k, ar.cause().toString());
              } else if (ar.result().isPresent()) {
                e = register(ar.result().get());
              }
              discovering.remove(k, p.future());
              p.complete(e);
            });
    return p.future();
  }

  private synchronized Entry register(ServedKind kind) {
    ResourceKind rk = kind.kind();
    String k = key(rk.group(), rk.version(), rk.plural());
    Entry existing = discovered.get(k);
    if (existing != null) {
      return existing;
    }
    if (closed || rk.namespaced()) {
      return null;
    }
    if (discovered.size() >= MAX_DISCOVERED_KINDS) {
      LOG.warn(
          "not serving {}: {} kinds found by discovery are served already (its reads pass"
              + " through)",
          rk.displayName(),
          MAX_DISCOVERED_KINDS);
      return null;
    }
    Entry e = new Entry(kind);
    discovered.put(k, e);
    LOG.info("{} is named by clusterResources rules: served on demand", rk.displayName());
    return e;
  }

  @Override
  public Future<Void> prepare(String group, String version, String resource, Caller caller) {
    if (caller == null || resource.isEmpty() || !rulesName(group, resource, caller)) {
      return Future.succeededFuture();
    }
    return discoverFor(group, version, resource)
        .compose(e -> e == null ? Future.succeededFuture() : orNull(startFor(e, caller)))
        .mapEmpty();
  }

  /** The attached service of the kind with this group and resource, or null. */
  KindService service(String group, String resource) {
    for (Entry e : entries()) {
      if (e.kind.kind().group().equals(group) && e.kind.kind().plural().equals(resource)) {
        return e.service.get();
      }
    }
    return null;
  }

  /** The served kinds. */
  @Override
  public List<ServedKind> kinds() {
    return entries().stream().map(e -> e.kind).toList();
  }

  @Override
  public KindService service(ServedKind kind) {
    for (Entry e : entries()) {
      if (e.kind.equals(kind)) {
        return e.service.get();
      }
    }
    return null;
  }

  /** Whether Capsule treats the caller as one of its users (only those are served). */
  @Override
  public boolean isCapsuleUser(Caller caller) {
    return Visibility.isCapsuleUser(index.snapshot(), caller);
  }

  @Override
  public boolean serves(ServedKind kind, Caller caller) {
    return kind.serves(index.snapshot(), caller);
  }

  @Override
  public boolean servesLists(ServedKind kind, Caller caller) {
    return kind.servesLists(index.snapshot(), caller);
  }

  /** Watch-hub tasks that failed so far, over all kinds. */
  public long hubFailures() {
    long n = 0;
    for (Entry e : entries()) {
      KindService s = e.service.get();
      n += s == null ? 0 : s.hub().failures();
    }
    return n;
  }

  /** The index writer's counters (for metrics). */
  public dev.tenantproxy.cache.informer.IndexMetrics indexMetrics() {
    return index.metrics();
  }

  /** Writes to namespaces outside the caller's view: 404, never forwarded. */
  public ProxyFilter foreignWritesFilter(dev.tenantproxy.proxy.upstream.Upstream upstream) {
    return new ForeignNamespaceWritesFilter(
        () -> {
          KindService s = service("", "namespaces");
          return s == null ? null : s.view();
        },
        upstream);
  }

  /** The serving filter of every kind (passes a kind's reads on until it is served). */
  public ProxyFilter filter() {
    return new ServingFilter(this);
  }

  /**
   * The access-review filter (SelfSubjectAccessReview / SelfSubjectRulesReview agree with what is
   * served); register it with the serving filters.
   */
  public ProxyFilter accessReviewsFilter(dev.tenantproxy.proxy.upstream.Upstream upstream) {
    return new AccessReviewsFilter(this, upstream);
  }

  /**
   * Whether the caller's namespaces may have changed after {@code rv} (the namespaces hub's record;
   * true while namespaces are not served yet: nothing is known).
   */
  java.util.concurrent.CompletionStage<Boolean> namespaceViewChangedAfter(
      dev.tenantproxy.filters.identity.Caller caller, long rv) {
    KindService s = service();
    return s == null
        ? java.util.concurrent.CompletableFuture.completedFuture(true)
        : s.hub().viewChangedAfter(Visibility.principalsOf(caller), rv);
  }

  /** The namespace service, or null until the index is synced. */
  public KindService service() {
    return service("", "namespaces");
  }

  /** Whether namespaces are served (the cache was synced and the hub subscribed). */
  public boolean isServing() {
    return service() != null;
  }

  /** Watches served right now, over all kinds. */
  public int openWatches() {
    int n = 0;
    for (Entry e : entries()) {
      KindService s = e.service.get();
      n += s == null ? 0 : s.openWatches();
    }
    return n;
  }

  /** Ends every open served watch cleanly (the first step of a graceful shutdown). */
  public void endAllWatches() {
    endMergedWatches.run();
    for (Entry e : entries()) {
      KindService s = e.service.get();
      if (s != null) {
        s.endAllWatches();
      }
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
    entries().forEach(e -> e.hubThread.shutdownNow());
    for (Runnable r : owned) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.warn("closing: {}", e.toString());
      }
    }
  }
}
