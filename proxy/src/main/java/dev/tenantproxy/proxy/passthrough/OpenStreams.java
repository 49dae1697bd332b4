package dev.tenantproxy.proxy.passthrough;

import io.vertx.core.Context;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Long-lived streams (watches, logs, upgraded connections) currently open, so that a graceful
 * shutdown can end them cleanly instead of waiting for them. Thread-safe.
 */
public final class OpenStreams {

  /** One open stream: ends itself on its own context. */
  public interface Stream {
    void endForShutdown();
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

  /** Ends every open stream (each on its own event loop). */
  public void endAll() {
    closing = true;
    for (Registered r : open) {
      r.context().runOnContext(v -> r.stream().endForShutdown());
    }
  }
}
