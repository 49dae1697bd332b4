package dev.tenantproxy.cache.informer;

import dev.tenantproxy.cache.index.RulesChange;
import dev.tenantproxy.cache.index.TenancyReducer;
import dev.tenantproxy.cache.index.VisibilityChange;
import dev.tenantproxy.cache.watchcache.CachedObject;
import dev.tenantproxy.cache.watchcache.EventType;
import dev.tenantproxy.cache.watchcache.Subscription;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.tenancy.TenancyObject;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer: applies informer events, in the order they were handed over, to the current
 * snapshot and the watch caches, publishes the next snapshot, then tells the change-feed listeners.
 * See the DESIGN note in {@code package-info.java}.
 */
final class IndexWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IndexWriter.class);

  /** One informer callback, already converted on the fabric8 thread. */
  record Change(String key, TenancyObject model, CachedObject object) {}

  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "tenancy-index-writer");
            t.setDaemon(true);
            // only an Error can get here (tasks catch the rest): never die silently
            t.setUncaughtExceptionHandler(
                (thread, e) -> LOG.error("the index writer thread died; a new one takes over", e));
            return t;
          });
  private final AtomicReference<TenancySnapshot> snapshot =
      new AtomicReference<>(TenancySnapshot.empty());
  private final Map<ResourceKind, WatchCache> caches = new ConcurrentHashMap<>();
  private final List<Consumer<VisibilityChange>> listeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<RulesChange>> rulesListeners = new CopyOnWriteArrayList<>();
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  /** Tests only: runs on the writer thread before each change is applied (failure injection). */
  volatile Consumer<Change> beforeApply;

  private volatile long lastLagNanos;

  TenancySnapshot snapshot() {
    return snapshot.get();
  }

  WatchCache cache(ResourceKind kind) {
    return caches.get(kind);
  }

  WatchCache serveCache(ResourceKind kind, int capacity) {
    return caches.computeIfAbsent(kind, k -> new WatchCache(k.plural(), capacity));
  }

  Subscription addRulesListener(Consumer<RulesChange> listener) {
    rulesListeners.add(listener);
    return () -> rulesListeners.remove(listener);
  }

  Subscription addListener(Consumer<VisibilityChange> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  IndexMetrics metrics() {
    long r = received.get();
    long a = applied.get();
    return new IndexMetrics(
        r, a, r - a, lastLagNanos / 1_000, snapshot.get().revision(), failed.get());
  }

  // ---- hand-off from fabric8 threads -------------------------------------------------------

  void submit(Generation g, EventType type, Change change) {
    long enqueued = System.nanoTime();
    received.incrementAndGet();
    executor.execute(
        () -> {
          try {
            if (!g.stopped) {
              Consumer<Change> hook = beforeApply;
              if (hook != null) {
                hook.accept(change);
              }
              apply(g, type, change);
            }
          } catch (RuntimeException e) {
            failed(g, type + " " + change.key(), e);
          } finally {
            applied.incrementAndGet();
            lastLagNanos = System.nanoTime() - enqueued;
          }
        });
  }

  void submitBeginList(Generation g) {
    executor.execute(
        () -> {
          try {
            WatchCache cache = caches.get(g.kind);
            if (!g.stopped && cache != null) {
              cache.beginRelist();
            }
          } catch (RuntimeException e) {
            failed(g, "the start of a list", e);
          }
        });
  }

  void submitEndList(Generation g, String listResourceVersion) {
    executor.execute(
        () -> {
          try {
            if (!g.stopped) {
              endList(g, CachedObject.parseResourceVersion(listResourceVersion));
            }
          } catch (RuntimeException e) {
            failed(g, "the end of a list at " + listResourceVersion, e);
          }
        });
  }

  /**
   * A failure applying one event is a bug, never a reason to stop: the writer logs it, counts it
   * ({@code eventsFailed}) and goes on with the next event, so every later event is applied and the
   * queue-depth and lag figures stay right. The skipped event's object is repaired by the next
   * event for it or the next re-list.
   */
  private void failed(Generation g, String what, RuntimeException e) {
    failed.incrementAndGet();
    LOG.error("index writer: applying {} of {} failed; skipped", what, g.kind.plural(), e);
  }

  // ---- writer thread -----------------------------------------------------------------------

  void apply(Generation g, EventType type, Change change) {
    if (g.firstList) {
      g.seenInFirstList.add(change.key());
    }
    WatchCache cache = caches.get(g.kind);
    CachedObject before = cache == null ? null : cache.get(change.key());
    if (cache != null && change.object() != null) {
      cache.apply(type, change.object());
    }
    if (change.model() != null) {
      CachedObject previous = previousObject(type, before, change.object());
      boolean namespaceEvent = g.kind.equals(ResourceKind.NAMESPACES);
      reduce(
          type,
          change.model(),
          ns -> namespaceEvent && ns.equals(change.key()) ? previous : namespaceJson(ns));
    }
  }

  /**
   * The JSON to report as a namespace's previous state: for a deletion, the final state from the
   * watch when it is newer than ours (an inferred deletion's object is stale or slim).
   */
  private static CachedObject previousObject(
      EventType type, CachedObject before, CachedObject given) {
    if (type != EventType.DELETED || given == null) {
      return before;
    }
    return before == null || given.resourceVersionNumber() > before.resourceVersionNumber()
        ? given
        : before;
  }

  /** Ends a list: the first of a generation deletes what it did not confirm. */
  void endList(Generation g, long listResourceVersion) {
    if (g.firstList) {
      g.firstList = false;
      deleteUnconfirmed(g);
      g.seenInFirstList.clear();
    }
    WatchCache cache = caches.get(g.kind);
    if (cache != null) {
      cache.endRelist(listResourceVersion);
    }
    g.lastListAt = Instant.now();
    g.synced.complete(null);
  }

  private void deleteUnconfirmed(Generation g) {
    WatchCache cache = caches.get(g.kind);
    if (cache != null) {
      for (String key : List.copyOf(cache.keys())) {
        if (!g.seenInFirstList.contains(key)) {
          cache.apply(EventType.DELETED, cache.get(key));
        }
      }
    }
    List<TenancyObject> stale = new ArrayList<>();
    for (TenancyObject o : objectsOf(snapshot.get(), g.kind)) {
      if (!g.seenInFirstList.contains(o.key())) {
        stale.add(o);
      }
    }
    for (TenancyObject o : stale) {
      LOG.info("{} {} is gone after the informer restarted", g.kind.plural(), o.key());
      reduce(EventType.DELETED, o, this::namespaceJson);
    }
  }

  private void reduce(
      EventType type, TenancyObject model, Function<String, CachedObject> previousJson) {
    TenancySnapshot current = snapshot.get();
    TenancyReducer.Result r =
        TenancyReducer.apply(current, type, model, previousJson, this::namespaceJson);
    if (r.snapshot() == current) {
      return;
    }
    snapshot.set(r.snapshot());
    RulesChange rules =
        rulesListeners.isEmpty()
            ? null
            : RulesChange.of(
                r.snapshot().revision(), current.current(model), r.snapshot().current(model));
    if (rules != null && !rules.principals().isEmpty()) {
      for (Consumer<RulesChange> l : rulesListeners) {
        try {
          l.accept(rules);
        } catch (RuntimeException e) {
          LOG.warn("rules-change listener failed on {}", model.key(), e);
        }
      }
    }
    for (VisibilityChange c : r.changes()) {
      for (Consumer<VisibilityChange> l : listeners) {
        try {
          l.accept(c);
        } catch (RuntimeException e) {
          LOG.warn("change-feed listener failed on {}", c.namespace(), e);
        }
      }
    }
  }

  private CachedObject namespaceJson(String namespace) {
    WatchCache ns = caches.get(ResourceKind.NAMESPACES);
    return ns == null ? null : ns.get(namespace);
  }

  private static Iterable<? extends TenancyObject> objectsOf(TenancySnapshot s, ResourceKind k) {
    if (k.equals(ResourceKind.TENANTS)) {
      return s.tenants().values();
    } else if (k.equals(ResourceKind.NAMESPACES)) {
      return s.namespaces().values();
    } else if (k.equals(ResourceKind.CAPSULE_CONFIGURATIONS)) {
      return s.configurations();
    } else if (k.equals(ResourceKind.PROXY_SETTINGS)) {
      return s.proxySettings().values();
    } else if (k.equals(ResourceKind.GLOBAL_PROXY_SETTINGS)) {
      return s.globalProxySettings().values();
    }
    return List.of();
  }

  /** Runs {@code task} on the writer thread (tests: wait for everything submitted before it). */
  Future<?> barrier(Runnable task) {
    return executor.submit(task);
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      executor.shutdownNow();
    }
  }
}
