package dev.tenantproxy.proxy.serve.namespaces;

import dev.tenantproxy.filters.status.KubeStatusException;

/** What the watch hub hands one watcher, in order. */
public sealed interface WatchMessage {

  /** An ADDED / MODIFIED / DELETED event for the watcher. */
  record Event(String type, NamespaceObject object) implements WatchMessage {}

  /**
   * A BOOKMARK at {@code resourceVersion}; {@code initialEventsEnd} ends a WatchList's initial
   * events.
   */
  record Bookmark(long resourceVersion, boolean initialEventsEnd) implements WatchMessage {}

  /** An ERROR event; the watch ends after it. */
  record Error(KubeStatusException status) implements WatchMessage {}
}
