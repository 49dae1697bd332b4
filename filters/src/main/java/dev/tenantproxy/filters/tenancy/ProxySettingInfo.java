package dev.tenantproxy.filters.tenancy;

import java.util.List;
import java.util.Objects;

/**
 * A capsule-proxy {@code ProxySetting} ({@code v1beta1}, namespaced); it applies to the tenant that
 * owns its namespace.
 */
public record ProxySettingInfo(
    String namespace, String name, String resourceVersion, List<Subject> subjects)
    implements TenancyObject {

  public ProxySettingInfo {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    resourceVersion = resourceVersion == null ? "" : resourceVersion;
    subjects = subjects == null ? List.of() : List.copyOf(subjects);
  }

  @Override
  public String key() {
    return namespace + "/" + name;
  }

  /** One {@code spec.subjects[]} entry. */
  public record Subject(
      Principal principal,
      List<ClusterResource> clusterResources,
      List<TenantInfo.OwnerProxySetting> proxySettings) {
    public Subject {
      Objects.requireNonNull(principal, "principal");
      clusterResources = clusterResources == null ? List.of() : List.copyOf(clusterResources);
      proxySettings = proxySettings == null ? List.of() : List.copyOf(proxySettings);
    }
  }
}
