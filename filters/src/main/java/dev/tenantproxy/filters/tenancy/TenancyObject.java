package dev.tenantproxy.filters.tenancy;

/**
 * An object of one of the kinds the tenancy snapshot is built from, already reduced to the plain
 * data the proxy needs. Immutable.
 */
public sealed interface TenancyObject
    permits TenantInfo,
        NamespaceInfo,
        CapsuleConfigurationInfo,
        ProxySettingInfo,
        GlobalProxySettingsInfo {

  /** The informer key: {@code name}, or {@code namespace/name} for namespaced kinds. */
  String key();

  /** {@code metadata.resourceVersion}, opaque. */
  String resourceVersion();
}
