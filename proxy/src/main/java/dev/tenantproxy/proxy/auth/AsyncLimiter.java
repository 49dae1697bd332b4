package dev.tenantproxy.proxy.auth;

import dev.tenantproxy.filters.status.KubeStatusException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.function.Supplier;

/**
 * At most {@code maxInFlight} asynchronous tasks at once, at most {@code maxQueued} waiting; a task
 * beyond both is refused at once with 429 TooManyRequests (the client retries after {@code
 * Retry-After}). Shared by all event loops; a waiting task starts on the thread that finished the
 * one before it (tasks hand their own results back to their callers' contexts).
 *
 * <p>Why: every distinct unknown bearer token costs one TokenReview; a flood of distinct bad tokens
 * must not become a flood of concurrent requests to the API server, nor an unbounded number of
 * in-flight cache entries. Callers whose token is cached never get here.
 */
final class AsyncLimiter {
  private final int maxInFlight;
  private final int maxQueued;
  private final String what;
  private final Queue<Runnable> waiting = new ArrayDeque<>();
  private int inFlight;

  AsyncLimiter(int maxInFlight, int maxQueued, String what) {
    if (maxInFlight < 1 || maxQueued < 0) {
      throw new IllegalArgumentException("maxInFlight >= 1 and maxQueued >= 0");
    }
    this.maxInFlight = maxInFlight;
    this.maxQueued = maxQueued;
    this.what = what;
  }

  <T> Future<T> submit(Supplier<Future<T>> task) {
    Promise<T> result = Promise.promise();
    Runnable start = () -> run(task, result);
    synchronized (this) {
      if (inFlight < maxInFlight) {
        inFlight++;
      } else if (waiting.size() < maxQueued) {
        waiting.add(start);
        return result.future();
      } else {
        return Future.failedFuture(
            KubeStatusException.tooManyRequests("too many " + what + " in progress, retry later"));
      }
    }
    start.run();
    return result.future();
  }

  private <T> void run(Supplier<Future<T>> task, Promise<T> result) {
    Future<T> f;
    try {
      f = task.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(
        ar -> {
          result.handle(ar);
          Runnable next;
          synchronized (this) {
            next = waiting.poll();
            if (next == null) {
              inFlight--;
            }
          }
          if (next != null) {
            next.run();
          }
        });
  }

  /** Tasks running now (for tests and metrics). */
  synchronized int inFlight() {
    return inFlight;
  }

  /** Tasks waiting now. */
  synchronized int queued() {
    return waiting.size();
  }
}
