package dev.tenantproxy.proxy.serve.kinds;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.json.ItemMeta;
import dev.tenantproxy.filters.json.WatchFilter;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import dev.tenantproxy.filters.visibility.Visibility;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The decision for each event of one caller's v1beta1 tenant watch (read upstream as the proxy),
 * the rule of the served kinds' watches ({@code WatchState}) over what this watch has sent:
 *
 * <pre>
 *   owned now, not held  -> ADDED    (whatever the API server's type: an owner was added)
 *   owned now, held      -> the API server's type (an ADDED of a held tenant as MODIFIED)
 *   not owned, held      -> DELETED  (an owner was removed, or the tenant was deleted)
 *   not owned, not held  -> nothing
 * </pre>
 *
 * "Owned" is the index's ({@link Visibility#ownedTenants}, {@code status.owners}), computed once
 * per snapshot (not per event). The index and this watch see the same Tenant change on two streams,
 * so an event may arrive before the index has applied it: an ADDED/MODIFIED whose resourceVersion
 * is newer than the index's for that tenant is deferred ({@link WatchFilter.Decider#LATER}) until
 * the index has it, for at most {@code maxLag}; after that it is decided on the index as it is.
 *
 * <p>Not thread-safe: used on the watch's context only.
 */
final class OwnershipTransitions implements WatchFilter.Decider {
  private final Supplier<TenancySnapshot> snapshots;
  private final Caller caller;
  private final LongSupplier nanoClock;
  private final long maxLagNanos;
  private final Set<String> held = new HashSet<>();

  private TenancySnapshot ownedOf;
  private Set<String> owned = Set.of();
  private long waitingSince = -1;
  private int ownedComputations;

  /**
   * @param holdsOwned whether the client already holds the tenants owned now (a watch continuing a
   *     list from its resourceVersion); false when the API server sends the initial state
   */
  OwnershipTransitions(
      Supplier<TenancySnapshot> snapshots,
      Caller caller,
      boolean holdsOwned,
      LongSupplier nanoClock,
      Duration maxLag) {
    this.snapshots = snapshots;
    this.caller = caller;
    this.nanoClock = nanoClock;
    this.maxLagNanos = maxLag.toNanos();
    if (holdsOwned) {
      held.addAll(owned(snapshots.get()));
    }
  }

  /** The tenants the caller owns in {@code snapshot}, recomputed only when the snapshot changed. */
  private Set<String> owned(TenancySnapshot snapshot) {
    if (snapshot != ownedOf) {
      owned = snapshot == null ? Set.of() : Visibility.ownedTenants(snapshot, caller);
      ownedOf = snapshot;
      ownedComputations++;
    }
    return owned;
  }

  @Override
  public String decide(String type, ItemMeta object, String resourceVersion) {
    String name = object.name();
    TenancySnapshot snapshot = snapshots.get();
    boolean deleted = type.equals("DELETED");
    if (!deleted && behind(snapshot, name, resourceVersion)) {
      long now = nanoClock.getAsLong();
      if (waitingSince < 0) {
        waitingSince = now;
      }
      if (now - waitingSince < maxLagNanos) {
        return LATER;
      }
    }
    waitingSince = -1;
    if (!deleted && owned(snapshot).contains(name)) {
      if (held.add(name)) {
        return "ADDED";
      }
      return type.equals("ADDED") ? "MODIFIED" : type;
    }
    return held.remove(name) ? "DELETED" : null;
  }

  /** Whether the index has not yet applied the tenant's change at {@code resourceVersion}. */
  private static boolean behind(TenancySnapshot snapshot, String name, String resourceVersion) {
    long event = parse(resourceVersion);
    if (event < 0 || snapshot == null) {
      return false;
    }
    TenantInfo tenant = snapshot.tenant(name);
    if (tenant == null) {
      return true;
    }
    long indexed = parse(tenant.resourceVersion());
    return indexed >= 0 && indexed < event;
  }

  private static long parse(String resourceVersion) {
    try {
      return resourceVersion == null || resourceVersion.isEmpty()
          ? -1
          : Long.parseLong(resourceVersion);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** How often the owned set was computed (once per snapshot seen; for tests). */
  int ownedComputations() {
    return ownedComputations;
  }
}
