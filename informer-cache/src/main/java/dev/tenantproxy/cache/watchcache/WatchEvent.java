package dev.tenantproxy.cache.watchcache;

import java.util.Objects;

/**
 * One event in a watch cache's history.
 *
 * @param resourceVersion the position of the event in the cache's history: the object's RV for
 *     events from the upstream watch; for events synthesized after an informer re-list, the cache's
 *     RV at that moment (see {@link WatchCache})
 * @param object the object after the event; for DELETED the last state the cache knew
 */
public record WatchEvent(EventType type, long resourceVersion, CachedObject object) {
  public WatchEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(object, "object");
  }
}
