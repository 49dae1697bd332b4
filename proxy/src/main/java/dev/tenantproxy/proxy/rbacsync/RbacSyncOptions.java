package dev.tenantproxy.proxy.rbacsync;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link RbacSync} needs besides a client and an index.
 *
 * @param tenantObjects also grant get/list/watch on the Tenant object itself
 * @param leaseNamespace namespace of the leader-election Lease
 * @param leaseName name of the Lease
 * @param identity this replica's holder identity
 * @param leaseDuration how long a lease is valid without renewal (takeover bound)
 * @param renewDeadline how long the leader keeps trying to renew before it gives up
 * @param retryPeriod how often acquisition/renewal is tried
 * @param resyncPeriod how often a full reconcile runs even without a trigger (safety net)
 */
public record RbacSyncOptions(
    boolean tenantObjects,
    String leaseNamespace,
    String leaseName,
    String identity,
    Duration leaseDuration,
    Duration renewDeadline,
    Duration retryPeriod,
    Duration resyncPeriod) {

  public RbacSyncOptions {
    Objects.requireNonNull(leaseNamespace, "leaseNamespace");
    Objects.requireNonNull(leaseName, "leaseName");
    Objects.requireNonNull(identity, "identity");
    if (!(leaseDuration.compareTo(renewDeadline) > 0
        && renewDeadline.compareTo(retryPeriod) > 0
        && !retryPeriod.isZero()
        && !retryPeriod.isNegative())) {
      throw new IllegalArgumentException(
          "--leader-election-lease-duration ("
              + leaseDuration
              + ") must exceed --leader-election-renew-deadline ("
              + renewDeadline
              + "), which must exceed --leader-election-retry-period ("
              + retryPeriod
              + ") > 0");
    }
    if (resyncPeriod.isZero() || resyncPeriod.isNegative()) {
      throw new IllegalArgumentException("--rbac-sync-resync-period must be positive");
    }
  }
}
