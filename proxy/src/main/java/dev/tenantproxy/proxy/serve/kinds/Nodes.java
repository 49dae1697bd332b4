package dev.tenantproxy.proxy.serve.kinds;

import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.cache.informer.TenancyIndex;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.render.TableColumns;
import dev.tenantproxy.filters.selector.FieldLabels;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.visibility.Access;
import dev.tenantproxy.filters.visibility.CallerView;
import dev.tenantproxy.filters.visibility.ClusterKind;
import dev.tenantproxy.filters.visibility.ClusterVisibility;
import dev.tenantproxy.filters.visibility.Decision;
import dev.tenantproxy.filters.visibility.Visibility;
import dev.tenantproxy.proxy.serve.KindView;
import dev.tenantproxy.proxy.serve.ServedKind;
import dev.tenantproxy.proxy.serve.ServedObject;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Core v1 nodes (cluster-scoped), started on demand: a caller sees the nodes the cluster-scoped
 * rules of the filters module give it ({@link ClusterVisibility}, {@link ClusterKind#NODES}):
 * labels containing every entry of the {@code spec.nodeSelector} of a tenant it owns (no grant
 * needed), or selected by a {@code clusterResources} rule of a ProxySetting or GlobalProxySettings
 * naming nodes with {@code List}.
 *
 * <p>Served only to callers those rules give something ({@link CallerView#grantsAnything}): an
 * owner of tenants without a nodeSelector, and no rule, reads nodes from the API server as itself
 * (its RBAC answers, usually 403), never an empty list.
 *
 * <p>Live: the rules live in Tenants, ProxySettings and GlobalProxySettings, not in the node, so
 * the kind follows the index's {@code RulesChange} feed; a node's own label change is an event of
 * the kind, routed to the principals whose rules select it now plus the watches that hold it.
 *
 * <p>Table columns: the API server's for nodes ({@link TableColumns#nodes()}). Field selectors:
 * {@code metadata.name}, {@code spec.unschedulable}.
 */
public final class Nodes implements ServedKind {
  public static final Nodes INSTANCE = new Nodes();

  /** Core v1 nodes, as the index informs on them. */
  public static final ResourceKind NODES = new ResourceKind("", "v1", "Node", "nodes", false);

  private Nodes() {}

  @Override
  public ResourceKind kind() {
    return NODES;
  }

  @Override
  public Future<WatchCache> cache(TenancyIndex index) {
    return index.serve(NODES);
  }

  @Override
  public FieldLabels fieldLabels() {
    return FieldLabels.nodes();
  }

  @Override
  public TableColumns columns() {
    return TableColumns.nodes();
  }

  @Override
  public boolean serves(TenancySnapshot snapshot, Caller caller) {
    return Visibility.isCapsuleUser(snapshot, caller)
        && ClusterVisibility.view(snapshot, caller, ClusterKind.NODES).grantsAnything(Access.LIST);
  }

  @Override
  public boolean followsRulesChanges() {
    return true;
  }

  @Override
  public boolean sees(TenancySnapshot snapshot, Caller caller, ServedObject object) {
    return ClusterVisibility.view(snapshot, caller, ClusterKind.NODES)
        .isVisible(rulesObject(object), Access.LIST);
  }

  @Override
  public String reason(TenancySnapshot snapshot, Caller caller, ServedObject object) {
    Decision d =
        ClusterVisibility.view(snapshot, caller, ClusterKind.NODES)
            .decide(rulesObject(object), Access.LIST);
    return d.visible() ? d.reasons().get(0).describe() : "no rule selects node " + object.name();
  }

  @Override
  public Collection<Principal> principalsSeeing(TenancySnapshot snapshot, ServedObject object) {
    return ClusterVisibility.principalsSeeing(snapshot, ClusterKind.NODES, rulesObject(object));
  }

  /** Compiles the caller's rules once for the whole list. */
  @Override
  public SortedSet<String> visibleNames(TenancySnapshot snapshot, Caller caller, KindView view) {
    CallerView rules = ClusterVisibility.view(snapshot, caller, ClusterKind.NODES);
    SortedSet<String> out = new TreeSet<>();
    for (String name : view.names()) {
      ServedObject o = view.get(name);
      if (o != null && rules.isVisible(rulesObject(o), Access.LIST)) {
        out.add(name);
      }
    }
    return out;
  }

  private static dev.tenantproxy.filters.visibility.ServedObject rulesObject(ServedObject o) {
    return dev.tenantproxy.filters.visibility.ServedObject.of(o.name(), o.labels());
  }
}
