package dev.tenantproxy.filters.tenancy;

import java.util.Map;
import java.util.Objects;

/**
 * A Namespace as the index needs it.
 *
 * @param ownerTenant the name of the ownerReference of kind {@code Tenant} (group {@code
 *     capsule.clastix.io}, any version), or {@code null}
 */
public record NamespaceInfo(
    String name,
    String uid,
    String resourceVersion,
    String phase,
    Map<String, String> labels,
    String ownerTenant)
    implements TenancyObject {

  /** The label Capsule puts on every tenant namespace. */
  public static final String TENANT_LABEL = "capsule.clastix.io/tenant";

  public NamespaceInfo {
    Objects.requireNonNull(name, "name");
    uid = uid == null ? "" : uid;
    resourceVersion = resourceVersion == null ? "" : resourceVersion;
    phase = phase == null ? "" : phase;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  @Override
  public String key() {
    return name;
  }

  /**
   * The tenant this namespace itself claims: its Tenant ownerReference, else its {@value
   * #TENANT_LABEL} label, else {@code null}. Both change atomically with the namespace object.
   */
  public String claimedTenant() {
    if (ownerTenant != null && !ownerTenant.isEmpty()) {
      return ownerTenant;
    }
    String label = labels.get(TENANT_LABEL);
    return label == null || label.isEmpty() ? null : label;
  }
}
