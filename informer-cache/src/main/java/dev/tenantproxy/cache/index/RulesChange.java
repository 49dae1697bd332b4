package dev.tenantproxy.cache.index;

import dev.tenantproxy.filters.tenancy.GlobalProxySettingsInfo;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.ProxySettingInfo;
import dev.tenantproxy.filters.tenancy.TenancyObject;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A Tenant, ProxySetting or GlobalProxySettings changed, so the cluster-scoped visibility rules of
 * some principals may have changed (a tenant's {@code spec.nodeSelector} or allowed classes, its
 * owners, a {@code clusterResources} rule): the principals it names before or after. Published on
 * the index's writer thread after the snapshot of {@code revision}, like {@link VisibilityChange}.
 * Served cluster-scoped kinds whose rules read tenant specs re-decide these principals' watches.
 *
 * @param revision the snapshot revision this change belongs to
 * @param principals the owners (Tenant) or subjects (ProxySetting, GlobalProxySettings) named by
 *     the object before or after the change
 */
public record RulesChange(long revision, Set<Principal> principals) {

  public RulesChange {
    principals = Set.copyOf(principals);
  }

  /**
   * The change of one rule-bearing object between two states ({@code null}: absent), or {@code
   * null} when the object bears no cluster-scoped rules (namespaces, CapsuleConfigurations).
   */
  public static RulesChange of(long revision, TenancyObject before, TenancyObject after) {
    Set<Principal> out = new LinkedHashSet<>();
    boolean rules = false;
    for (TenancyObject o : new TenancyObject[] {before, after}) {
      if (o instanceof TenantInfo t) {
        rules = true;
        out.addAll(t.ownerPrincipals());
      } else if (o instanceof ProxySettingInfo p) {
        rules = true;
        p.subjects().forEach(s -> out.add(s.principal()));
      } else if (o instanceof GlobalProxySettingsInfo g) {
        rules = true;
        g.rules().forEach(r -> out.addAll(r.subjects()));
      }
    }
    return rules ? new RulesChange(revision, out) : null;
  }
}
