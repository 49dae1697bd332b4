package dev.tenantproxy.proxy.explain;

import dev.tenantproxy.filters.visibility.ClusterKind;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A cluster-scoped kind {@code tenant-proxy explain} lists: its {@link ClusterKind}, the version
 * and kind to list it with, and the names an admin may type for it ({@code nodes}, {@code node},
 * {@code no}, ...).
 */
public record ExplainKind(ClusterKind kind, String version, String kindName, List<String> aliases) {

  public ExplainKind {
    aliases = List.copyOf(aliases);
  }

  /** The kinds with a tenant rule, in display order. */
  public static final List<ExplainKind> BUILT_IN =
      List.of(
          new ExplainKind(ClusterKind.NODES, "v1", "Node", List.of("nodes", "node", "no")),
          new ExplainKind(
              ClusterKind.STORAGE_CLASSES,
              "v1",
              "StorageClass",
              List.of("storageclasses", "storageclass", "sc")),
          new ExplainKind(
              ClusterKind.INGRESS_CLASSES,
              "v1",
              "IngressClass",
              List.of("ingressclasses", "ingressclass")),
          new ExplainKind(
              ClusterKind.PRIORITY_CLASSES,
              "v1",
              "PriorityClass",
              List.of("priorityclasses", "priorityclass", "pc")),
          new ExplainKind(
              ClusterKind.RUNTIME_CLASSES,
              "v1",
              "RuntimeClass",
              List.of("runtimeclasses", "runtimeclass")),
          new ExplainKind(
              ClusterKind.PERSISTENT_VOLUMES,
              "v1",
              "PersistentVolume",
              List.of("persistentvolumes", "persistentvolume", "pv")),
          new ExplainKind(
              ClusterKind.TENANTS, "v1beta2", "Tenant", List.of("tenants", "tenant", "tnt")));

  /** {@code resource.group} (or {@code resource} for the core group), as kubectl names it. */
  public String displayName() {
    return kind.displayName();
  }

  /** {@code group/version}, or {@code version} for the core group. */
  public String apiVersion() {
    return kind.group().isEmpty() ? version : kind.group() + "/" + version;
  }

  /**
   * The built-in kind an admin named ({@code nodes}, {@code sc}, {@code storageclasses.storage
   * .k8s.io}, ...), case-insensitive.
   */
  public static Optional<ExplainKind> byName(String typed) {
    String t = typed.toLowerCase(Locale.ROOT);
    for (ExplainKind k : BUILT_IN) {
      if (k.aliases.contains(t) || k.displayName().equals(t)) {
        return Optional.of(k);
      }
      for (String a : k.aliases) {
        if (!k.kind.group().isEmpty() && t.equals(a + "." + k.kind.group())) {
          return Optional.of(k);
        }
      }
    }
    return Optional.empty();
  }
}
