package dev.tenantproxy.proxy.serve.kinds;

import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.filters.render.TableColumns;
import dev.tenantproxy.filters.selector.FieldLabels;
import dev.tenantproxy.filters.visibility.ClusterKind;
import dev.tenantproxy.proxy.serve.ServedKind;

/**
 * Core v1 nodes (cluster-scoped), one {@link ClusterRuleKind}: a caller sees the nodes whose labels
 * contain every entry of the {@code spec.nodeSelector} of a tenant it owns (no grant needed), or
 * that a {@code clusterResources} rule of a ProxySetting or GlobalProxySettings naming nodes with
 * {@code List} selects. An owner of tenants without a nodeSelector, and no rule, is not served (the
 * API server answers, usually 403).
 *
 * <p>Table columns: the API server's for nodes ({@link TableColumns#nodes()}). Field selectors:
 * {@code metadata.name}, {@code spec.unschedulable}.
 */
public final class Nodes {
  /** Core v1 nodes, as the index informs on them. */
  public static final ResourceKind NODES = new ResourceKind("", "v1", "Node", "nodes", false);

  public static final ServedKind INSTANCE =
      new ClusterRuleKind(NODES, ClusterKind.NODES, FieldLabels.nodes(), TableColumns.nodes());

  private Nodes() {}
}
