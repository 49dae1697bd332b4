package dev.tenantproxy.cache.watchcache;

/**
 * Receives the events of a {@link WatchCache#watch watch}. Called on the index's writer thread (or
 * on the thread that opened the watch, for its backlog), one event at a time and in order. It must
 * not block: hand the event to a Vert.x context ({@code context.runOnContext}) and return.
 */
@FunctionalInterface
public interface WatchListener {
  void onEvent(WatchEvent event);
}
