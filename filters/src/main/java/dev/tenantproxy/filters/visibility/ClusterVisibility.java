package dev.tenantproxy.filters.visibility;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.ProxySettingInfo;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Who sees which cluster-scoped objects (nodes, classes, persistent volumes, tenants, and any kind
 * a {@code clusterResources} rule names), and why: one mechanism for every kind (see the package
 * DESIGN note for the rules and how grants combine). Pure functions over one {@link
 * TenancySnapshot}.
 *
 * <pre>{@code
 * CallerView view = ClusterVisibility.view(snapshot, caller, ClusterKind.NODES);
 * if (!view.grantsAnything(Access.LIST)) { passThrough(); }      // the API server's own answer
 * view.decide(ServedObject.of(name, labels), Access.LIST).visible();
 * ClusterVisibility.principalsSeeing(snapshot, ClusterKind.NODES, node); // watch fan-out
 * }</pre>
 */
public final class ClusterVisibility {
  private ClusterVisibility() {}

  /** The rules of {@code kind} that apply to {@code caller}, compiled for per-object questions. */
  public static CallerView view(TenancySnapshot snapshot, Caller caller, ClusterKind kind) {
    SortedSet<String> tenants = new TreeSet<>(Visibility.ownedTenants(snapshot, caller));
    if (kind.grantKind() != null && kind.tenantRule() != ClusterKind.TenantRule.OWNED_TENANT) {
      // tenants in which a ProxySetting grants this kind to the caller (deprecated form)
      for (ProxySettingInfo ps : snapshot.proxySettings().values()) {
        String tenant = snapshot.tenantOfNamespace(ps.namespace());
        if (tenant == null || tenants.contains(tenant)) {
          continue;
        }
        for (ProxySettingInfo.Subject s : ps.subjects()) {
          if (Visibility.matches(caller, s.principal())
              && s.proxySettings().stream().anyMatch(g -> kind.grantKind().equals(g.kind()))) {
            tenants.add(tenant);
          }
        }
      }
    }
    return new CallerView(snapshot, caller, kind, tenants);
  }

  /**
   * The principals for whom {@code object} is visible by {@link Access#LIST} (list and watch): a
   * caller sees it exactly when it matches one of them ({@link Visibility#matches}). For routing
   * watch events; costs O(tenants) for nodes and classes, O(1) tenants for persistent volumes and
   * tenants, plus the ProxySettings and GlobalProxySettings.
   */
  public static Set<Principal> principalsSeeing(
      TenancySnapshot snapshot, ClusterKind kind, ServedObject object) {
    Rules rules = new Rules(snapshot, kind);
    Set<Principal> out = new LinkedHashSet<>();
    for (TenantInfo t : candidateTenants(snapshot, kind, object)) {
      for (ClusterRule r : rules.ofTenant(t)) {
        if (r.list() && r.matches(object)) {
          out.addAll(r.principals().keySet());
        }
      }
    }
    for (ClusterRule r : rules.clusterResourceRules()) {
      if (r.list() && r.matches(object)) {
        out.addAll(r.principals().keySet());
      }
    }
    return out;
  }

  /**
   * The kinds without a tenant rule that {@code clusterResources} rules applying to {@code caller}
   * name concretely (no {@code "*"}), sorted by group and resource: what {@code tenant-proxy
   * explain} lists beyond the built-in kinds. A ProxySetting counts only in a tenant namespace.
   */
  public static List<ClusterKind> kindsNamedByRules(TenancySnapshot snapshot, Caller caller) {
    java.util.TreeMap<String, ClusterKind> out = new java.util.TreeMap<>();
    List<dev.tenantproxy.filters.tenancy.ClusterResource> named = new ArrayList<>();
    for (ProxySettingInfo ps : snapshot.proxySettings().values()) {
      String tenant = snapshot.tenantOfNamespace(ps.namespace());
      if (tenant == null || snapshot.tenant(tenant) == null) {
        continue;
      }
      for (ProxySettingInfo.Subject s : ps.subjects()) {
        if (Visibility.matches(caller, s.principal())) {
          named.addAll(s.clusterResources());
        }
      }
    }
    for (var g : snapshot.globalProxySettings().values()) {
      for (var rule : g.rules()) {
        if (rule.subjects().stream().anyMatch(p -> Visibility.matches(caller, p))) {
          named.addAll(rule.clusterResources());
        }
      }
    }
    for (var cr : named) {
      for (String group : cr.apiGroups()) {
        for (String resource : cr.resources()) {
          if (group.equals("*") || resource.equals("*")) {
            continue;
          }
          ClusterKind k = ClusterKind.of(group, resource);
          if (k.tenantRule() == null) {
            out.put(group + "/" + resource, k);
          }
        }
      }
    }
    return List.copyOf(out.values());
  }

  private static Iterable<TenantInfo> candidateTenants(
      TenancySnapshot snapshot, ClusterKind kind, ServedObject object) {
    if (kind.tenantRule() == null) {
      return List.of();
    }
    String named =
        switch (kind.tenantRule()) {
          case PV_TENANT_LABEL -> object.labels().get(ClusterKind.TENANT_LABEL);
          case OWNED_TENANT -> object.name();
          default -> null;
        };
    if (kind.tenantRule() == ClusterKind.TenantRule.PV_TENANT_LABEL
        || kind.tenantRule() == ClusterKind.TenantRule.OWNED_TENANT) {
      List<TenantInfo> one = new ArrayList<>(1);
      TenantInfo t = named == null ? null : snapshot.tenant(named);
      if (t != null) {
        one.add(t);
      }
      return one;
    }
    return snapshot.tenants().values();
  }
}
