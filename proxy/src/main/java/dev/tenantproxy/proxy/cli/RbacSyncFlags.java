package dev.tenantproxy.proxy.cli;

import dev.tenantproxy.proxy.rbacsync.RbacSyncOptions;
import java.net.InetAddress;
import java.time.Duration;
import java.util.UUID;
import picocli.CommandLine.Option;

/** The rbac-sync flags, shared by {@code rbac-sync} and {@code serve --rbac-sync}. */
final class RbacSyncFlags {

  @Option(
      names = "--rbac-sync-tenant-objects",
      defaultValue = "${env:TENANT_PROXY_RBAC_SYNC_TENANT_OBJECTS:-false}",
      description =
          "Also grant owners get/list/watch on their Tenant object by name (default"
              + " ${DEFAULT-VALUE}).")
  boolean tenantObjects;

  @Option(
      names = "--rbac-sync-resync-period",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_RBAC_SYNC_RESYNC_PERIOD:-5m}",
      description = "Full reconcile even without a change (safety net; default ${DEFAULT-VALUE}).")
  Duration resyncPeriod;

  @Option(
      names = "--leader-election-namespace",
      defaultValue = "${env:TENANT_PROXY_LEADER_ELECTION_NAMESPACE:-tenant-proxy}",
      description = "Namespace of the rbac-sync Lease (default ${DEFAULT-VALUE}).")
  String leaseNamespace;

  @Option(
      names = "--leader-election-lease-name",
      defaultValue = "${env:TENANT_PROXY_LEADER_ELECTION_LEASE_NAME:-tenant-proxy-rbac-sync}",
      description = "Name of the rbac-sync Lease (default ${DEFAULT-VALUE}).")
  String leaseName;

  @Option(
      names = "--leader-election-identity",
      defaultValue = "${env:TENANT_PROXY_LEADER_ELECTION_IDENTITY}",
      description = "This replica's identity in the Lease (default: host name + random suffix).")
  String identity;

  @Option(
      names = "--leader-election-lease-duration",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_LEADER_ELECTION_LEASE_DURATION:-15s}",
      description =
          "How long a lease holds without renewal: the takeover bound (default ${DEFAULT-VALUE}).")
  Duration leaseDuration;

  @Option(
      names = "--leader-election-renew-deadline",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_LEADER_ELECTION_RENEW_DEADLINE:-10s}",
      description =
          "How long the leader tries to renew before giving up (default ${DEFAULT-VALUE}).")
  Duration renewDeadline;

  @Option(
      names = "--leader-election-retry-period",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_LEADER_ELECTION_RETRY_PERIOD:-2s}",
      description = "How often the lease is tried or renewed (default ${DEFAULT-VALUE}).")
  Duration retryPeriod;

  /** The validated options; {@link IllegalArgumentException} names the flag and the fix. */
  RbacSyncOptions toOptions() {
    return new RbacSyncOptions(
        tenantObjects,
        leaseNamespace,
        leaseName,
        identity == null || identity.isBlank() ? defaultIdentity() : identity,
        leaseDuration,
        renewDeadline,
        retryPeriod,
        resyncPeriod);
  }

  private static String defaultIdentity() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = "tenant-proxy";
    }
    return host + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
