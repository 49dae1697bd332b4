package dev.tenantproxy.testsupport;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Vert.x for tests.
 *
 * <p><b>Why {@link #onContext}.</b> A Vert.x HTTP client driven from a JUnit thread races: the
 * response's events are emitted on an event loop while the test thread attaches its handlers, so
 * {@code client.request(o).compose(r -> r.send()).compose(r -> r.body())} can lose the body or its
 * end and wait forever (seen in CI as a 30 s timeout on a request the server had answered; Vert.x
 * documents the chained form as racy off the event loop, and 5.0.7 also has a body()/end() race
 * fixed only in later releases). Run on one event-loop context, every callback of an exchange runs
 * on that loop in order, so a handler set in a callback is always in place before the next event.
 * The same holds for WebSockets and raw sockets: attach handlers in the callback that delivers the
 * socket, never after an {@code await} on the test thread.
 */
public final class TestVertx {
  private TestVertx() {}

  /**
   * A Vert.x whose blocked-thread checker looks every 100 ms and reports any task that holds an
   * event loop longer than 2 s (the {@link BlockedEventLoopGuard} turns a report into a failure),
   * each report with the blocked thread's stack (so the guard can tell a blocking call).
   */
  public static Vertx create() {
    return Vertx.vertx(
        new VertxOptions()
            .setBlockedThreadCheckInterval(100)
            .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
            .setMaxEventLoopExecuteTime(2)
            .setMaxEventLoopExecuteTimeUnit(TimeUnit.SECONDS)
            .setWarningExceptionTime(1)
            .setWarningExceptionTimeUnit(TimeUnit.SECONDS));
  }

  /**
   * Runs {@code work} on a new event-loop context of {@code vertx} and completes with its outcome;
   * a call from a test thread is then as safe as one from a verticle.
   */
  public static <T> Future<T> onContext(Vertx vertx, Supplier<Future<T>> work) {
    Context context = vertx.getOrCreateContext();
    Promise<T> result = Promise.promise();
    context.runOnContext(
        v -> {
          try {
            work.get().onComplete(result);
          } catch (RuntimeException e) {
            result.tryFail(e);
          }
        });
    return result.future();
  }
}
