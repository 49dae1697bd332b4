package dev.tenantproxy.filters.tenancy;

import java.util.List;
import java.util.Objects;

/** A capsule-proxy {@code GlobalProxySettings} ({@code v1beta1}, cluster-scoped). */
public record GlobalProxySettingsInfo(String name, String resourceVersion, List<Rule> rules)
    implements TenancyObject {

  public GlobalProxySettingsInfo {
    Objects.requireNonNull(name, "name");
    resourceVersion = resourceVersion == null ? "" : resourceVersion;
    rules = rules == null ? List.of() : List.copyOf(rules);
  }

  @Override
  public String key() {
    return name;
  }

  /** One {@code spec.rules[]} entry. */
  public record Rule(List<Principal> subjects, List<ClusterResource> clusterResources) {
    public Rule {
      subjects = subjects == null ? List.of() : List.copyOf(subjects);
      clusterResources = clusterResources == null ? List.of() : List.copyOf(clusterResources);
    }
  }
}
