package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import java.util.Collection;
import java.util.List;
import java.util.SortedSet;

/**
 * What serving one kind reads: the tenancy index (who sees what, through the kind's rule) and the
 * kind's watch cache (current objects, its resourceVersion and how far back it can replay).
 * Implementations are lock-free reads of immutable state; one view is taken per request.
 */
public interface KindView {

  /** The kind this view serves. */
  ServedKind kind();

  /** The tenancy snapshot the view decides with. */
  TenancySnapshot snapshot();

  /** The watch cache's current resourceVersion (the newest event applied). */
  long resourceVersion();

  /** The current object, or {@code null} when no such object exists. */
  ServedObject get(String name);

  /** The names of every current object, sorted. */
  Collection<String> names();

  /** Whether Capsule treats the caller as one of its users (only those are served). */
  boolean isCapsuleUser(Caller caller);

  /** Whether the kind is served to this caller ({@link ServedKind#serves}); else pass through. */
  default boolean serves(Caller caller) {
    return isCapsuleUser(caller);
  }

  /**
   * Whether the kind's lists and watches are served to this caller ({@link
   * ServedKind#servesLists}); a caller served only gets by name lists through the API server.
   */
  default boolean servesLists(Caller caller) {
    return serves(caller);
  }

  /** Whether the caller may get this object by name ({@link ServedKind#seesByName}). */
  default boolean seesByName(Caller caller, ServedObject object) {
    return sees(caller, object);
  }

  /** The names of the objects the caller may see, sorted. */
  SortedSet<String> visible(Caller caller);

  /** Whether the caller may see this object (the kind's rule). */
  boolean sees(Caller caller, ServedObject object);

  /** Whether the caller may see the current object of this name (false when there is none). */
  default boolean canSee(Caller caller, String name) {
    ServedObject o = get(name);
    return o != null && sees(caller, o);
  }

  /**
   * The principals that may see the current object of this name; empty when none. Used to route an
   * event to the watchers that may have to receive it without scanning all watchers.
   */
  Collection<Principal> principalsSeeing(ServedObject object);

  /**
   * The events after {@code resourceVersion}, oldest first.
   *
   * @throws KubeStatusException 410 Expired ({@code too old resource version: N (M)}) when the
   *     cache no longer holds all of them
   */
  List<ServedEvent> eventsSince(long resourceVersion);

  /** Whether the cache can still replay everything after {@code resourceVersion}. */
  default boolean canReplayFrom(long resourceVersion) {
    try {
      eventsSince(resourceVersion);
      return true;
    } catch (KubeStatusException e) {
      return false;
    }
  }
}
