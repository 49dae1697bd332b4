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
 * A cluster-scoped kind whose visibility is the filters module's cluster-scoped rules ({@link
 * ClusterVisibility} for one {@link ClusterKind}): nodes (tenant {@code spec.nodeSelector}), the
 * class kinds (a tenant's allowed-class policy, with a {@code List} grant), persistent volumes (the
 * {@code capsule.clastix.io/tenant} label, with a {@code List} grant), and any of them named by a
 * {@code clusterResources} rule of a ProxySetting or GlobalProxySettings. One descriptor class for
 * all of them; each kind is an instance with its own resource, rule, field labels and Table columns
 * (see {@code Nodes}, {@code StorageClasses}, ...). Started on demand.
 *
 * <p>Served only to callers the rules give something ({@link CallerView#grantsAnything}): a Capsule
 * user with nothing granted reads the kind from the API server as itself (its RBAC answers, usually
 * 403), never an empty list.
 *
 * <p>Live: the rules live in Tenants, ProxySettings and GlobalProxySettings, not in the object, so
 * the kind follows the index's {@code RulesChange} feed; an object's own label change is an event
 * of the kind, routed to the principals whose rules select it now plus the watches that hold it.
 */
final class ClusterRuleKind implements ServedKind {
  private final ResourceKind kind;
  private final ClusterKind rules;
  private final FieldLabels fieldLabels;
  private final TableColumns columns;

  /**
   * @param kind the resource, as the index informs on it
   * @param rules the same kind as the visibility rules name it (group and resource must agree)
   */
  ClusterRuleKind(
      ResourceKind kind, ClusterKind rules, FieldLabels fieldLabels, TableColumns columns) {
    if (kind.namespaced()
        || !kind.group().equals(rules.group())
        || !kind.plural().equals(rules.resource())) {
      throw new IllegalArgumentException(
          "a cluster-scoped kind and its rules: " + kind.displayName() + ", " + rules);
    }
    this.kind = kind;
    this.rules = rules;
    this.fieldLabels = fieldLabels;
    this.columns = columns;
  }

  /** The kind as the visibility rules name it. */
  ClusterKind rules() {
    return rules;
  }

  @Override
  public ResourceKind kind() {
    return kind;
  }

  @Override
  public Future<WatchCache> cache(TenancyIndex index) {
    return index.serve(kind);
  }

  @Override
  public FieldLabels fieldLabels() {
    return fieldLabels;
  }

  @Override
  public TableColumns columns() {
    return columns;
  }

  /** Served when a rule gives the caller gets ({@code [Get]}-only rules included). */
  @Override
  public boolean serves(TenancySnapshot snapshot, Caller caller) {
    return Visibility.isCapsuleUser(snapshot, caller)
        && ClusterVisibility.view(snapshot, caller, rules).grantsAnything(Access.GET);
  }

  /** Lists and watches only when a rule gives {@code List}. */
  @Override
  public boolean servesLists(TenancySnapshot snapshot, Caller caller) {
    return Visibility.isCapsuleUser(snapshot, caller)
        && ClusterVisibility.view(snapshot, caller, rules).grantsAnything(Access.LIST);
  }

  @Override
  public boolean seesByName(TenancySnapshot snapshot, Caller caller, ServedObject object) {
    return ClusterVisibility.view(snapshot, caller, rules)
        .isVisible(rulesObject(object), Access.GET);
  }

  @Override
  public boolean followsRulesChanges() {
    return true;
  }

  @Override
  public boolean sees(TenancySnapshot snapshot, Caller caller, ServedObject object) {
    return ClusterVisibility.view(snapshot, caller, rules)
        .isVisible(rulesObject(object), Access.LIST);
  }

  @Override
  public String reason(TenancySnapshot snapshot, Caller caller, ServedObject object) {
    // GET: every rule that lists also gets, and a [Get]-only rule is the reason for a get by name
    Decision d =
        ClusterVisibility.view(snapshot, caller, rules).decide(rulesObject(object), Access.GET);
    return d.visible()
        ? d.reasons().get(0).describe()
        : "no rule selects " + rules.displayName() + " " + object.name();
  }

  @Override
  public Collection<Principal> principalsSeeing(TenancySnapshot snapshot, ServedObject object) {
    return ClusterVisibility.principalsSeeing(snapshot, rules, rulesObject(object));
  }

  /** Compiles the caller's rules once for the whole list. */
  @Override
  public SortedSet<String> visibleNames(TenancySnapshot snapshot, Caller caller, KindView view) {
    CallerView callerView = ClusterVisibility.view(snapshot, caller, rules);
    SortedSet<String> out = new TreeSet<>();
    for (String name : view.names()) {
      ServedObject o = view.get(name);
      if (o != null && callerView.isVisible(rulesObject(o), Access.LIST)) {
        out.add(name);
      }
    }
    return out;
  }

  /** The caller's {@link CallerView#mayWrite} for this kind (see {@code ClusterWritesFilter}). */
  @Override
  public dev.tenantproxy.filters.visibility.WriteDecision mayWrite(
      TenancySnapshot snapshot,
      Caller caller,
      dev.tenantproxy.filters.visibility.ServedObject object,
      dev.tenantproxy.filters.visibility.GrantOperation op) {
    return ClusterVisibility.view(snapshot, caller, rules).mayWrite(object, op);
  }

  private static dev.tenantproxy.filters.visibility.ServedObject rulesObject(ServedObject o) {
    return dev.tenantproxy.filters.visibility.ServedObject.of(o.name(), o.labels());
  }

  @Override
  public String toString() {
    return kind.displayName();
  }
}
