package dev.tenantproxy.proxy.auth;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * A bounded, time-to-live cache of asynchronous lookups shared by all event loops. See the package
 * DESIGN note: concurrent identical lookups share one in-flight future; the TTL of an entry is
 * chosen from its value (positive / negative); failures are not cached; the oldest entries are
 * evicted beyond {@code maxEntries}; every caller is answered on its own Vert.x context.
 *
 * @param <K> key (never a secret: callers hash tokens before)
 * @param <V> value
 */
public final class AsyncTtlCache<K, V> {

  /** What one {@link #get} did, for metrics. */
  public enum Outcome {
    HIT,
    MISS,
    COALESCED
  }

  private static final class Entry<V> {
    final Future<V> future;
    volatile long expiresAtNanos = Long.MAX_VALUE; // in flight until completed

    Entry(Future<V> future) {
      this.future = future;
    }
  }

  private final int maxEntries;
  private final ToLongFunction<V> ttlNanos;
  private final LongSupplier clock;
  private final LinkedHashMap<K, Entry<V>> entries = new LinkedHashMap<>(64, 0.75f, true);

  /**
   * @param maxEntries bound of the cache
   * @param ttlNanos TTL of a successful value, in nanoseconds (0 = do not keep)
   * @param clock nanosecond clock ({@code System::nanoTime})
   */
  public AsyncTtlCache(int maxEntries, ToLongFunction<V> ttlNanos, LongSupplier clock) {
    this.maxEntries = maxEntries;
    this.ttlNanos = ttlNanos;
    this.clock = clock;
  }

  /**
   * The cached value for {@code key}, or the result of {@code loader} (called at most once for
   * concurrent identical keys). The returned future completes on the caller's context.
   */
  public Future<V> get(K key, Function<K, Future<V>> loader, OutcomeListener listener) {
    Entry<V> entry;
    Outcome outcome;
    boolean load = false;
    Promise<V> loading = null;
    long now = clock.getAsLong();
    synchronized (entries) {
      entry = entries.get(key);
      if (entry != null && entry.expiresAtNanos - now <= 0) {
        entries.remove(key);
        entry = null;
      }
      if (entry == null) {
        loading = Promise.promise();
        entry = new Entry<>(loading.future());
        entries.put(key, entry);
        evict(now);
        load = true;
        outcome = Outcome.MISS;
      } else {
        outcome = entry.future.isComplete() ? Outcome.HIT : Outcome.COALESCED;
      }
    }
    listener.record(outcome);
    if (load) {
      Entry<V> mine = entry;
      Future<V> loaded;
      try {
        loaded = loader.apply(key);
      } catch (RuntimeException e) {
        loaded = Future.failedFuture(e);
      }
      Promise<V> p = loading;
      loaded.onComplete(
          ar -> {
            if (ar.succeeded()) {
              long ttl = ttlNanos.applyAsLong(ar.result());
              if (ttl > 0) {
                mine.expiresAtNanos = clock.getAsLong() + ttl;
              } else {
                remove(key, mine);
              }
            } else {
              remove(key, mine);
            }
            p.handle(ar);
          });
    }
    return onCallerContext(entry.future);
  }

  /** Number of entries, in flight included. */
  public int size() {
    synchronized (entries) {
      return entries.size();
    }
  }

  private void remove(K key, Entry<V> expected) {
    synchronized (entries) {
      entries.remove(key, expected);
    }
  }

  private void evict(long now) {
    if (entries.size() <= maxEntries) {
      return;
    }
    Iterator<Map.Entry<K, Entry<V>>> it = entries.entrySet().iterator();
    while (it.hasNext() && entries.size() > maxEntries) {
      Map.Entry<K, Entry<V>> e = it.next();
      Entry<V> v = e.getValue();
      // oldest first (access order); in-flight entries stay so their waiters share one lookup
      if (v.future.isComplete() || v.expiresAtNanos - now <= 0) {
        it.remove();
      }
    }
  }

  private static <T> Future<T> onCallerContext(Future<T> shared) {
    Context ctx = Vertx.currentContext();
    if (ctx == null) {
      return shared;
    }
    Promise<T> promise = Promise.promise();
    shared.onComplete(
        ar -> {
          if (Vertx.currentContext() == ctx) {
            promise.handle(ar);
          } else {
            ctx.runOnContext(v -> promise.handle(ar));
          }
        });
    return promise.future();
  }

  /** Receives the outcome of every lookup. */
  @FunctionalInterface
  public interface OutcomeListener {
    void record(Outcome outcome);
  }
}
