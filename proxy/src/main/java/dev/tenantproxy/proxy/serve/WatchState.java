package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.filters.identity.Caller;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What one watch has been sent, and the decision for the next change of an object, as the API
 * server's cache watcher decides for a filtered watch:
 *
 * <pre>
 *   should = exists && visible && matches(selectors)
 *   should,  not sent          -> ADDED    (the object)
 *   should,  sent, newer       -> MODIFIED (the object)
 *   !should, sent              -> DELETED  (deleted: its last state; else the object last sent,
 *                                            at the resourceVersion of the change)
 *   !should, not sent          -> nothing
 * </pre>
 *
 * Not thread-safe: owned by the watch hub's thread.
 */
final class WatchState {
  private final Caller caller;
  private final ObjectFilter filter;
  private final Optional<String> exactName;
  private final Map<String, ServedObject> sent = new HashMap<>();

  WatchState(Caller caller, ObjectFilter filter) {
    this.caller = caller;
    this.filter = filter;
    this.exactName = filter.exactName();
  }

  Caller caller() {
    return caller;
  }

  ObjectFilter filter() {
    return filter;
  }

  /** Whether this watch can ever be interested in {@code name} (a pinned name excludes others). */
  boolean mayConcern(String name) {
    return exactName.isEmpty() || exactName.get().equals(name);
  }

  boolean hasSent(String name) {
    return sent.containsKey(name);
  }

  Iterable<String> sentNames() {
    return sent.keySet();
  }

  /** Records that the client holds this object (a resumed watch starts from what it listed). */
  void assumeSent(ServedObject object) {
    sent.put(object.name(), object);
  }

  /**
   * Decides what this watch must be told about one object.
   *
   * @param name the object's name
   * @param current its current object, or its last state when {@code exists} is false (may then be
   *     null when unknown)
   * @param exists false when the object was deleted
   * @param visible whether the caller may see it now
   * @param changeResourceVersion the resourceVersion of the change (for DELETED of an object that
   *     only left the caller's view)
   * @return the event, or null when the watch must not be told anything
   */
  WatchMessage.Event decide(
      String name,
      ServedObject current,
      boolean exists,
      boolean visible,
      long changeResourceVersion) {
    boolean should =
        exists && visible && current != null && mayConcern(name) && filter.matches(current);
    ServedObject had = sent.get(name);
    if (should) {
      sent.put(name, current);
      if (had == null) {
        return new WatchMessage.Event("ADDED", current);
      }
      return had.resourceVersion() == current.resourceVersion()
          ? null
          : new WatchMessage.Event("MODIFIED", current);
    }
    if (had == null) {
      return null;
    }
    sent.remove(name);
    if (!exists && current != null) {
      return new WatchMessage.Event("DELETED", current);
    }
    long rv = Math.max(changeResourceVersion, had.resourceVersion());
    if (current != null) {
      rv = Math.max(rv, current.resourceVersion());
    }
    return new WatchMessage.Event("DELETED", had.withResourceVersion(rv));
  }

  int sentCount() {
    return sent.size();
  }
}
