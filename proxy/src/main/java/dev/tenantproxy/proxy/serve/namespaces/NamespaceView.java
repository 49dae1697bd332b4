package dev.tenantproxy.proxy.serve.namespaces;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.Principal;
import java.util.Collection;
import java.util.List;
import java.util.SortedSet;

/**
 * What serving namespaces reads: the tenancy index (who sees what) and the Namespace watch cache
 * (current objects, its resourceVersion and how far back it can replay). Implementations are
 * lock-free reads of immutable state; one view is taken per request.
 */
public interface NamespaceView {

  /** The watch cache's current resourceVersion (the newest Namespace event applied). */
  long resourceVersion();

  /** The current object, or {@code null} when no such namespace exists. */
  NamespaceObject get(String name);

  /** Whether Capsule treats the caller as one of its users (only those are served). */
  boolean isCapsuleUser(Caller caller);

  /** The names of the namespaces the caller may see, sorted. */
  SortedSet<String> visibleNamespaces(Caller caller);

  /** Whether the caller may see this namespace. */
  boolean canSee(Caller caller, String name);

  /** Whether the caller owns this tenant (through any of its principals). */
  boolean ownsTenant(Caller caller, String tenant);

  /**
   * The principals (tenant owners) that may see this namespace now; empty when none. Used to route
   * an event to the watchers that may have to receive it without scanning all watchers.
   */
  Collection<Principal> principalsSeeing(String name);

  /**
   * The Namespace events after {@code resourceVersion}, oldest first.
   *
   * @throws dev.tenantproxy.filters.status.KubeStatusException 410 Expired ({@code too old resource
   *     version: N (M)}) when the cache no longer holds all of them
   */
  List<NamespaceEvent> eventsSince(long resourceVersion);

  /** Whether the cache can still replay everything after {@code resourceVersion}. */
  default boolean canReplayFrom(long resourceVersion) {
    try {
      eventsSince(resourceVersion);
      return true;
    } catch (dev.tenantproxy.filters.status.KubeStatusException e) {
      return false;
    }
  }
}
