package dev.tenantproxy.cache.watchcache;

import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.pcollections.TreePMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current objects of one served kind plus a bounded ring of its recent events keyed by
 * resourceVersion, fed by the one informer of that kind (like the API server's own cacher).
 *
 * <p><b>Reads.</b> {@link #list()} and {@link #get} are lock-free (an immutable persistent map
 * published through a volatile field). {@link #since} and {@link #watch} take a short lock.
 *
 * <p><b>History.</b> An event from the upstream watch is keyed by its object's RV, which is larger
 * than every RV before it. {@code since(N)} returns the events after N, or throws 410 Expired
 * ({@code too old resource version: N (M)}) when N is older than M, the oldest RV the ring still
 * answers for (the RV of the last evicted event, or of the list the cache was synced from).
 *
 * <p><b>Re-lists (gaps).</b> When the informer re-lists (after a 410 on its own watch, or when the
 * index is restarted with fresh informers) fabric8 reports the differences as adds, updates and
 * deletes whose RVs may be older than what the cache has seen, and deletes carry the last state the
 * informer knew. The cache applies them like the API server would have sent them (ADDED / MODIFIED
 * / DELETED), delivers them to live watchers, so these stay consistent, and keys them at the
 * cache's current RV marked as <i>synthetic</i>: {@code since(N)} also returns synthetic events
 * keyed exactly at N (a repeated ADDED/MODIFIED/DELETED is harmless to an informer, a missed one is
 * not). When the re-list ends ({@link #endRelist}) the gap is marked: any {@code since(N)} with N
 * older than the RV at which the gap began gets 410, and the cache's RV moves to the list's RV.
 *
 * <p><b>Writers.</b> {@link #apply}, {@link #beginRelist} and {@link #endRelist} are called only by
 * the index's single writer thread.
 */
public final class WatchCache {
  private static final Logger LOG = LoggerFactory.getLogger(WatchCache.class);

  private record State(long resourceVersion, TreePMap<String, CachedObject> objects) {}

  private record Entry(WatchEvent event, boolean synthetic) {}

  private final String resource;
  private final int capacity;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Entry> ring;
  private final List<Watch> watches = new CopyOnWriteArrayList<>();
  private volatile State state = new State(0, TreePMap.empty());
  private volatile boolean synced;
  private long oldestValid = Long.MAX_VALUE;
  private long gapStart = -1;
  private long applied;

  /**
   * @param resource the plural resource name (for messages and metrics), e.g. {@code namespaces}
   * @param capacity how many recent events are kept (at least 1)
   */
  public WatchCache(String resource, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
    }
    this.resource = resource;
    this.capacity = capacity;
    this.ring = new ArrayDeque<>(Math.min(capacity, 1024));
  }

  public String resource() {
    return resource;
  }

  /** Whether the first list from the informer has been applied. Before that, lists are partial. */
  public boolean isSynced() {
    return synced;
  }

  /** The current objects, sorted by key, and their resourceVersion. Lock-free. */
  public Listing list() {
    State s = state;
    return new Listing(
        s.resourceVersion(), Collections.unmodifiableCollection(s.objects().values()));
  }

  /** The current object with this key, or {@code null}. Lock-free. */
  public CachedObject get(String key) {
    return state.objects().get(key);
  }

  /** The RV the current state corresponds to. */
  public long resourceVersion() {
    return state.resourceVersion();
  }

  /** The keys of the current objects. */
  public Set<String> keys() {
    return state.objects().keySet();
  }

  /** How many events the ring holds now. */
  public int historySize() {
    lock.lock();
    try {
      return ring.size();
    } finally {
      lock.unlock();
    }
  }

  /** How many changes were applied since creation (a metric). */
  public long appliedCount() {
    lock.lock();
    try {
      return applied;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The events after {@code resourceVersion}, oldest first.
   *
   * @throws KubeStatusException 410 Expired when the cache no longer holds all of them
   */
  public List<WatchEvent> since(long resourceVersion) {
    lock.lock();
    try {
      return eventsAfter(resourceVersion);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Starts a watch: {@code listener} first gets the events after {@code resourceVersion} (none when
   * it is {@code <= 0}, meaning "from now"), then every new event, with nothing lost or repeated in
   * between.
   *
   * @throws KubeStatusException 410 Expired when {@code resourceVersion} is too old
   */
  public Subscription watch(long resourceVersion, WatchListener listener) {
    Watch w = new Watch(listener);
    lock.lock();
    try {
      if (resourceVersion > 0) {
        for (WatchEvent e : eventsAfter(resourceVersion)) {
          listener.onEvent(e);
        }
      }
      watches.add(w);
    } finally {
      lock.unlock();
    }
    return w;
  }

  // ---- writer side -------------------------------------------------------------------------

  /**
   * Applies one change. ADDED/MODIFIED become ADDED or MODIFIED by whether the key is present; an
   * object whose RV equals the cached one is ignored (fabric8 repeats them on resync); DELETED of
   * an absent key is ignored. Before the first {@link #endRelist} only the state is updated.
   */
  public void apply(EventType type, CachedObject object) {
    lock.lock();
    try {
      State s = state;
      CachedObject old = s.objects().get(object.key());
      TreePMap<String, CachedObject> objects;
      EventType effective;
      if (type == EventType.DELETED) {
        if (old == null) {
          return;
        }
        objects = s.objects().minus(object.key());
        effective = EventType.DELETED;
        if (object.resourceVersionNumber() <= old.resourceVersionNumber()) {
          // an inferred deletion (after a re-list) carries a stale or slim object: use ours
          object = old;
        }
      } else {
        if (old != null && old.resourceVersion().equals(object.resourceVersion())) {
          return;
        }
        objects = s.objects().plus(object.key(), object);
        effective = old == null ? EventType.ADDED : EventType.MODIFIED;
      }
      long rv = object.resourceVersionNumber();
      boolean inOrder = rv > s.resourceVersion();
      long key = inOrder ? rv : s.resourceVersion();
      state = new State(key, objects);
      applied++;
      if (synced) {
        record(new Entry(new WatchEvent(effective, key, object), !inOrder));
      }
    } finally {
      lock.unlock();
    }
  }

  /** The informer is about to re-list: remember where the gap begins. */
  public void beginRelist() {
    lock.lock();
    try {
      if (synced && gapStart < 0) {
        gapStart = state.resourceVersion();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * The informer finished a list at {@code listResourceVersion}: the first one makes the cache
   * synced; a later one marks the gap (watches older than its start get 410).
   */
  public void endRelist(long listResourceVersion) {
    lock.lock();
    try {
      State s = state;
      long rv = Math.max(s.resourceVersion(), listResourceVersion);
      if (rv != s.resourceVersion()) {
        state = new State(rv, s.objects());
      }
      if (!synced) {
        synced = true;
        oldestValid = rv;
      } else if (gapStart >= 0) {
        oldestValid = Math.max(oldestValid, gapStart);
      }
      gapStart = -1;
    } finally {
      lock.unlock();
    }
  }

  private void record(Entry entry) {
    if (ring.size() == capacity) {
      Entry evicted = ring.pollFirst();
      long k = evicted.event().resourceVersion() + (evicted.synthetic() ? 1 : 0);
      oldestValid = Math.max(oldestValid, k);
    }
    ring.addLast(entry);
    for (Watch w : watches) {
      w.deliver(entry.event());
    }
  }

  private List<WatchEvent> eventsAfter(long rv) {
    if (!synced || rv < oldestValid) {
      throw KubeStatusException.expired(
          "too old resource version: " + rv + " (" + (synced ? oldestValid : 0) + ")");
    }
    List<WatchEvent> out = new ArrayList<>();
    Iterator<Entry> it = ring.descendingIterator();
    while (it.hasNext()) {
      Entry e = it.next();
      long k = e.event().resourceVersion();
      if (k > rv || (k == rv && e.synthetic())) {
        out.add(e.event());
      } else {
        break;
      }
    }
    Collections.reverse(out);
    return out;
  }

  private final class Watch implements Subscription {
    private final WatchListener listener;

    Watch(WatchListener listener) {
      this.listener = listener;
    }

    void deliver(WatchEvent event) {
      try {
        listener.onEvent(event);
      } catch (RuntimeException e) {
        LOG.warn("{} watch listener failed; closing it", resource, e);
        close();
      }
    }

    @Override
    public void close() {
      watches.remove(this);
    }
  }
}
