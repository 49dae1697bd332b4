package dev.tenantproxy.filters.visibility;

import dev.tenantproxy.filters.tenancy.ClassKind;
import java.util.List;
import java.util.Objects;

/**
 * A cluster-scoped kind as the visibility rules see it: its API group and plural resource, the
 * tenant rule that applies to it, and the {@code kind} of the owner grants ({@code
 * spec.owners[].proxySettings[].kind}) that cover it. Any other cluster-scoped kind ({@link
 * #of(String, String)}) is visible only through {@code clusterResources} rules.
 *
 * @param tenantRule the tenant rule, {@code null} when only ProxySetting / GlobalProxySettings
 *     rules apply
 * @param classKind the allowed-class policy for the class kinds, else {@code null}
 * @param grantKind the grant kind ({@code Nodes}, {@code StorageClasses}, ...), else {@code null}
 */
public record ClusterKind(
    String group, String resource, TenantRule tenantRule, ClassKind classKind, String grantKind) {

  /** How a kind is made visible by the tenants a caller owns. */
  public enum TenantRule {
    /** Nodes: labels match {@code spec.nodeSelector}; owners need no grant. */
    NODE_SELECTOR,
    /** Classes: {@code allowed}, {@code allowedRegex}, selector, {@code default}; List grant. */
    CLASS_POLICY,
    /** PersistentVolumes: label {@code capsule.clastix.io/tenant}; List grant. */
    PV_TENANT_LABEL,
    /** Tenants: the owned ones; no grant. */
    OWNED_TENANT
  }

  /** The label that ties a PersistentVolume to a tenant. */
  public static final String TENANT_LABEL = "capsule.clastix.io/tenant";

  public static final ClusterKind NODES =
      new ClusterKind("", "nodes", TenantRule.NODE_SELECTOR, null, "Nodes");
  public static final ClusterKind STORAGE_CLASSES =
      new ClusterKind(
          "storage.k8s.io",
          "storageclasses",
          TenantRule.CLASS_POLICY,
          ClassKind.STORAGE_CLASSES,
          "StorageClasses");
  public static final ClusterKind INGRESS_CLASSES =
      new ClusterKind(
          "networking.k8s.io",
          "ingressclasses",
          TenantRule.CLASS_POLICY,
          ClassKind.INGRESS_CLASSES,
          "IngressClasses");
  public static final ClusterKind PRIORITY_CLASSES =
      new ClusterKind(
          "scheduling.k8s.io",
          "priorityclasses",
          TenantRule.CLASS_POLICY,
          ClassKind.PRIORITY_CLASSES,
          "PriorityClasses");
  public static final ClusterKind RUNTIME_CLASSES =
      new ClusterKind(
          "node.k8s.io",
          "runtimeclasses",
          TenantRule.CLASS_POLICY,
          ClassKind.RUNTIME_CLASSES,
          "RuntimeClasses");
  public static final ClusterKind PERSISTENT_VOLUMES =
      new ClusterKind(
          "", "persistentvolumes", TenantRule.PV_TENANT_LABEL, null, "PersistentVolumes");
  public static final ClusterKind TENANTS =
      new ClusterKind("capsule.clastix.io", "tenants", TenantRule.OWNED_TENANT, null, null);

  /** The kinds with a tenant rule, in display order. */
  public static final List<ClusterKind> WITH_TENANT_RULES =
      List.of(
          NODES,
          STORAGE_CLASSES,
          INGRESS_CLASSES,
          PRIORITY_CLASSES,
          RUNTIME_CLASSES,
          PERSISTENT_VOLUMES,
          TENANTS);

  public ClusterKind {
    group = group == null ? "" : group;
    Objects.requireNonNull(resource, "resource");
    if ((tenantRule == TenantRule.CLASS_POLICY) != (classKind != null)) {
      throw new IllegalArgumentException("a class policy kind needs its ClassKind, and only it");
    }
  }

  /** The kind with a tenant rule for {@code group}/{@code resource}, else a rules-only kind. */
  public static ClusterKind of(String group, String resource) {
    String g = group == null ? "" : group;
    for (ClusterKind k : WITH_TENANT_RULES) {
      if (k.group.equals(g) && k.resource.equals(resource)) {
        return k;
      }
    }
    return new ClusterKind(g, resource, null, null, null);
  }

  /** {@code resource.group}, or {@code resource} for the core group. */
  public String displayName() {
    return group.isEmpty() ? resource : resource + "." + group;
  }
}
