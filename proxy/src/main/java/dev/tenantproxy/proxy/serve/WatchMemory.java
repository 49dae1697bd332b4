package dev.tenantproxy.proxy.serve;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one memory budget of every served watch in the process: the rendered events held back while a
 * client's write queue is full.
 *
 * <p>DESIGN. A bound per watch alone does not bound the heap: 100 clients that stop reading each
 * holding 2 MiB is 200 MiB, above the proxy's default 128 MiB heap; and a per-watch bound small
 * enough to be safe ends clients that are only briefly behind (a fast watcher on a busy machine can
 * be half a second and a few MiB behind a burst of large objects). So two bounds:
 *
 * <ul>
 *   <li>{@link #perWatch()}: one watch never holds more (it ends with 410, as before);
 *   <li>{@link #budget()}: all watches together. When a new line takes the total above it, the
 *       watch holding the MOST is ended with 410 (on its own context), not the one that happens to
 *       add the line: a client that stopped reading long ago holds far more than one that is
 *       briefly behind, so the slow ones go first and the fast ones keep their stream.
 * </ul>
 *
 * Both derive from the maximum heap ({@code -Xmx}) unless {@code --watch-buffer-bytes} sets the
 * budget: the budget is a quarter of the heap, a watch at most a quarter of the budget (32 MiB and
 * 8 MiB at the default {@code -Xmx128m}), so raising the heap raises them. The total may overshoot
 * the budget by what is written while an ended watch's context has not yet run its end; that is a
 * few lines per watch.
 */
public final class WatchMemory {
  /** A watch that holds bytes behind its full write queue. */
  interface Holder {
    /** Bytes it holds now (read from any thread). */
    long heldBytes();

    /** Ends it with 410 on its own context; idempotent. */
    void evict();
  }

  private final long budget;
  private final long perWatch;
  private final AtomicLong held = new AtomicLong();
  private final Set<Holder> holders = ConcurrentHashMap.newKeySet();

  WatchMemory(long budget, long perWatch) {
    if (budget <= 0 || perWatch <= 0) {
      throw new IllegalArgumentException("budget and perWatch must be positive");
    }
    this.budget = budget;
    this.perWatch = perWatch;
  }

  /** The budget for a heap of {@code maxHeapBytes}: a quarter, a quarter of that per watch. */
  public static WatchMemory forHeap(long maxHeapBytes) {
    return ofBudget(Math.max(4L << 20, maxHeapBytes / 4));
  }

  /** {@code budget} for all watches ({@code --watch-buffer-bytes}), a quarter of it per watch. */
  public static WatchMemory ofBudget(long budget) {
    return new WatchMemory(budget, Math.max(1L << 20, budget / 4));
  }

  /** The budget for this JVM's maximum heap. */
  public static WatchMemory forThisHeap() {
    return forHeap(Runtime.getRuntime().maxMemory());
  }

  public long budget() {
    return budget;
  }

  public long perWatch() {
    return perWatch;
  }

  /** Bytes held by all watches now. */
  public long held() {
    return held.get();
  }

  /**
   * {@code holder} now holds {@code bytes} more; if that takes the total above the budget, the
   * watch holding the most is ended (possibly {@code holder} itself).
   */
  void add(Holder holder, long bytes) {
    holders.add(holder);
    if (held.addAndGet(bytes) > budget) {
      Holder largest = holder;
      long most = holder.heldBytes();
      for (Holder h : holders) {
        long b = h.heldBytes();
        if (b > most) {
          most = b;
          largest = h;
        }
      }
      largest.evict();
    }
  }

  /** {@code holder} released {@code bytes}; {@code empty} when it holds nothing any more. */
  void release(Holder holder, long bytes, boolean empty) {
    if (bytes != 0) {
      held.addAndGet(-bytes);
    }
    if (empty) {
      holders.remove(holder);
    }
  }
}
