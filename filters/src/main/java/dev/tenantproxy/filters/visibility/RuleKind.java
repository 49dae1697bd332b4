package dev.tenantproxy.filters.visibility;

/** Which rule made an object visible (see {@link Reason}). */
public enum RuleKind {
  /** A node whose labels match an owned tenant's {@code spec.nodeSelector}. */
  NODE_SELECTOR,
  /** A class named in the tenant's {@code allowed} list. */
  ALLOWED_NAME,
  /** A class whose name matches the tenant's {@code allowedRegex}. */
  ALLOWED_REGEX,
  /** A class whose labels match the tenant's {@code matchLabels} / {@code matchExpressions}. */
  SELECTOR,
  /** The tenant's {@code default} class. */
  DEFAULT,
  /** A PersistentVolume labelled {@code capsule.clastix.io/tenant} with an owned tenant. */
  PV_TENANT_LABEL,
  /** A Tenant the caller owns. */
  OWNED_TENANT,
  /** A {@code clusterResources} rule of a ProxySetting in a tenant namespace. */
  PROXY_SETTING_RULE,
  /** A {@code clusterResources} rule of a GlobalProxySettings. */
  GLOBAL_PROXY_SETTINGS_RULE
}
