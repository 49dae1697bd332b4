package dev.tenantproxy.filters.bench;

import dev.tenantproxy.filters.tenancy.NamespaceInfo;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The benchmark fleet of {@code benchmarks.md}: 2,000 tenants × 5 namespaces; owners User {@code
 * user-<i>}, Group {@code group-<i/10>}, and for every 10th tenant a ServiceAccount.
 */
public final class VisibilityFleet {
  public static final int TENANTS = 2_000;
  public static final int NAMESPACES_PER_TENANT = 5;

  private VisibilityFleet() {}

  public static String tenantName(int i) {
    return "tenant-" + i;
  }

  public static String namespaceName(int tenant, int j) {
    return "tenant-" + tenant + "-ns-" + j;
  }

  public static String serviceAccount(int tenant) {
    return "system:serviceaccount:" + namespaceName(tenant, 0) + ":robot";
  }

  public static TenantInfo tenant(int i) {
    List<Owner> owners = new ArrayList<>(3);
    owners.add(
        new Owner(Principal.user("user-" + i), List.of("admin", "capsule-namespace-deleter")));
    owners.add(
        new Owner(
            Principal.group("group-" + i / 10), List.of("admin", "capsule-namespace-deleter")));
    if (i % 10 == 0) {
      owners.add(new Owner(Principal.serviceAccount(serviceAccount(i)), List.of("admin")));
    }
    List<String> namespaces = new ArrayList<>(NAMESPACES_PER_TENANT);
    for (int j = 0; j < NAMESPACES_PER_TENANT; j++) {
      namespaces.add(namespaceName(i, j));
    }
    return new TenantInfo(
        tenantName(i),
        UUID.randomUUID().toString(),
        Integer.toString(i + 1),
        "Active",
        owners,
        namespaces,
        List.of(),
        Map.of());
  }

  public static NamespaceInfo namespace(int tenant, int j, long rv) {
    String name = namespaceName(tenant, j);
    return new NamespaceInfo(
        name,
        UUID.randomUUID().toString(),
        Long.toString(rv),
        "Active",
        Map.of("kubernetes.io/metadata.name", name, NamespaceInfo.TENANT_LABEL, tenantName(tenant)),
        tenantName(tenant));
  }

  /** The whole fleet as one snapshot. */
  public static TenancySnapshot snapshot() {
    TenancySnapshot s = TenancySnapshot.empty();
    long rv = 10_000;
    for (int i = 0; i < TENANTS; i++) {
      s = s.with(tenant(i));
      for (int j = 0; j < NAMESPACES_PER_TENANT; j++) {
        s = s.with(namespace(i, j, rv++));
      }
    }
    return s.withRevision(1);
  }
}
