package dev.tenantproxy.proxy.passthrough;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Long-lived streams (watches, logs, upgraded connections) currently open, so that a graceful
 * shutdown can end them cleanly instead of waiting for them. Thread-safe.
 */
public final class OpenStreams {

  /** One open stream: ends itself on its own context. */
  public interface Stream {
    /** Ends the stream; the future completes once the end is written. */
    Future<Void> endForShutdown();
  }

  private record Registered(Context context, Stream stream) {}

  private final Set<Registered> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;

  /** Registers a stream; returns the handle to call when it ends by itself. */
  public Runnable register(Context context, Stream stream) {
    Registered r = new Registered(context, stream);
    if (closing) {
      context.runOnContext(v -> stream.endForShutdown());
      return () -> {};
    }
    open.add(r);
    return () -> open.remove(r);
  }

  public int size() {
    return open.size();
  }

  /** Ends every open stream (each on its own event loop); completes when all are ended. */
  public Future<Void> endAll() {
    closing = true;
    List<Future<Void>> ended = new ArrayList<>();
    for (Registered r : open) {
      Promise<Void> p = Promise.promise();
      r.context()
          .runOnContext(
              v -> {
                try {
                  r.stream().endForShutdown().onComplete(ar -> p.tryComplete());
                } catch (RuntimeException e) {
                  p.tryComplete();
                }
              });
      ended.add(p.future());
    }
    return Future.join(ended).mapEmpty();
  }
}
