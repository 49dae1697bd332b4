package dev.tenantproxy.filters.tenancy;

import java.util.List;
import java.util.Map;

/** Small builders for tenancy objects in tests. */
public final class Fixtures {
  private Fixtures() {}

  public static TenantInfo tenant(String name, List<Principal> owners, String... statusNamespaces) {
    return TenantInfo.of(
        name,
        owners.stream().map(p -> new Owner(p, List.of("admin"))).toList(),
        List.of(statusNamespaces));
  }

  /** A namespace claimed by {@code tenant} through the Capsule label (null: unclaimed). */
  public static NamespaceInfo namespace(String name, String tenant) {
    return new NamespaceInfo(
        name,
        "uid-" + name,
        "1",
        "Active",
        tenant == null
            ? Map.of("kubernetes.io/metadata.name", name)
            : Map.of("kubernetes.io/metadata.name", name, NamespaceInfo.TENANT_LABEL, tenant),
        null);
  }

  public static TenancySnapshot snapshot(TenancyObject... objects) {
    TenancySnapshot s = TenancySnapshot.empty();
    for (TenancyObject o : objects) {
      s = s.with(o);
    }
    return s;
  }
}
