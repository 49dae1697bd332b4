package dev.tenantproxy.cache.informer;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.Objects;

/**
 * A kind the index informs on: API group (empty for core), version, kind, plural resource name and
 * scope. The constants are the tenancy kinds; cluster-scoped kinds served on demand (nodes, storage
 * classes, ...) are described the same way, e.g. {@code new ResourceKind("", "v1", "Node", "nodes",
 * false)}.
 */
public record ResourceKind(
    String group, String version, String kind, String plural, boolean namespaced) {

  public static final ResourceKind TENANTS =
      new ResourceKind("capsule.clastix.io", "v1beta2", "Tenant", "tenants", false);
  public static final ResourceKind NAMESPACES =
      new ResourceKind("", "v1", "Namespace", "namespaces", false);
  public static final ResourceKind CAPSULE_CONFIGURATIONS =
      new ResourceKind(
          "capsule.clastix.io", "v1beta2", "CapsuleConfiguration", "capsuleconfigurations", false);
  public static final ResourceKind PROXY_SETTINGS =
      new ResourceKind("capsule.clastix.io", "v1beta1", "ProxySetting", "proxysettings", true);
  public static final ResourceKind GLOBAL_PROXY_SETTINGS =
      new ResourceKind(
          "capsule.clastix.io", "v1beta1", "GlobalProxySettings", "globalproxysettings", false);

  public ResourceKind {
    group = group == null ? "" : group;
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(plural, "plural");
  }

  /** {@code group/version}, or {@code version} for the core group. */
  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** {@code plural.group/version}, e.g. {@code tenants.capsule.clastix.io/v1beta2}. */
  public String displayName() {
    return (group.isEmpty() ? plural : plural + "." + group) + "/" + version;
  }

  ResourceDefinitionContext context() {
    return new ResourceDefinitionContext.Builder()
        .withGroup(group)
        .withVersion(version)
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(namespaced)
        .build();
  }
}
