package dev.tenantproxy.filters.tenancy;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import org.pcollections.HashPMap;
import org.pcollections.HashTreePMap;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * One immutable, internally consistent view of the tenancy objects, with the indexes the visibility
 * queries need (principal → tenants, tenant → namespaces, namespace → tenant), so that a query
 * costs O(what the caller owns), never O(all tenants).
 *
 * <p>All maps are persistent (pcollections): {@code with...}/{@code without...} return a new
 * snapshot that shares everything but the changed paths with this one, so applying one event to a
 * fleet of 10,000 namespaces copies O(log n) nodes. The revision is assigned by the single writer
 * that publishes snapshots ({@link #withRevision}).
 *
 * <h2>Which tenant a namespace belongs to (the membership rule)</h2>
 *
 * <ol>
 *   <li>Only existing Namespace objects belong to tenants; a name in {@code status.namespaces}
 *       without a Namespace object is ignored (there is nothing to show).
 *   <li>The namespace's own claim wins: its Tenant ownerReference, else its {@code
 *       capsule.clastix.io/tenant} label ({@link NamespaceInfo#claimedTenant()}). Both change
 *       atomically with the namespace, while {@code status.namespaces} lags behind the controller.
 *   <li>A namespace without a claim belongs to the tenant whose {@code status.namespaces} lists it
 *       when exactly one does; when several do (a move in progress) it belongs to none (no leak).
 * </ol>
 *
 * A claim naming a tenant that does not exist (yet) records the membership; nobody owns it until
 * the Tenant appears.
 */
public final class TenancySnapshot {

  private static final TenancySnapshot EMPTY =
      new TenancySnapshot(
          0,
          TreePMap.empty(),
          TreePMap.empty(),
          TreePMap.empty(),
          TreePMap.empty(),
          TreePMap.empty(),
          HashTreePMap.empty(),
          TreePMap.empty(),
          TreePMap.empty(),
          TreePMap.empty(),
          HashTreePMap.empty());

  private final long revision;
  private final TreePMap<String, TenantInfo> tenants;
  private final TreePMap<String, NamespaceInfo> namespaces;
  private final TreePMap<String, CapsuleConfigurationInfo> configurations;
  private final TreePMap<String, ProxySettingInfo> proxySettings;
  private final TreePMap<String, GlobalProxySettingsInfo> globalProxySettings;
  private final HashPMap<Principal, TreePSet<String>> tenantsByPrincipal;
  private final TreePMap<String, TreePSet<String>> namespacesByTenant;
  private final TreePMap<String, String> tenantByNamespace;
  private final TreePMap<String, TreePSet<String>> statusClaims;
  private final HashPMap<Principal, TreePSet<String>> namespacesByPrincipal;

  /**
   * {@link #namespacesVisibleTo} answers already looked up in this snapshot (every served list asks
   * it for each of the caller's principals; a hash-trie lookup in a fleet of thousands of
   * principals walks a dozen tree nodes, this map one or two). A memo of an immutable snapshot:
   * never stale, it goes with the snapshot; at most {@link #VISIBLE_MEMO_LIMIT} principals.
   */
  private final java.util.concurrent.ConcurrentHashMap<Principal, TreePSet<String>> visibleMemo =
      new java.util.concurrent.ConcurrentHashMap<>();

  static final int VISIBLE_MEMO_LIMIT = 4096;

  private TenancySnapshot(
      long revision,
      TreePMap<String, TenantInfo> tenants,
      TreePMap<String, NamespaceInfo> namespaces,
      TreePMap<String, CapsuleConfigurationInfo> configurations,
      TreePMap<String, ProxySettingInfo> proxySettings,
      TreePMap<String, GlobalProxySettingsInfo> globalProxySettings,
      HashPMap<Principal, TreePSet<String>> tenantsByPrincipal,
      TreePMap<String, TreePSet<String>> namespacesByTenant,
      TreePMap<String, String> tenantByNamespace,
      TreePMap<String, TreePSet<String>> statusClaims,
      HashPMap<Principal, TreePSet<String>> namespacesByPrincipal) {
    this.revision = revision;
    this.tenants = tenants;
    this.namespaces = namespaces;
    this.configurations = configurations;
    this.proxySettings = proxySettings;
    this.globalProxySettings = globalProxySettings;
    this.tenantsByPrincipal = tenantsByPrincipal;
    this.namespacesByTenant = namespacesByTenant;
    this.tenantByNamespace = tenantByNamespace;
    this.statusClaims = statusClaims;
    this.namespacesByPrincipal = namespacesByPrincipal;
  }

  /** The snapshot before any event: revision 0, nothing in it. */
  public static TenancySnapshot empty() {
    return EMPTY;
  }

  /** Monotonically increasing per published snapshot; 0 for the empty one. */
  public long revision() {
    return revision;
  }

  public TenancySnapshot withRevision(long newRevision) {
    return new Edit(this).revision(newRevision).build();
  }

  // ---- reads -------------------------------------------------------------------------------

  /** The tenant named {@code name}, or {@code null}. */
  public TenantInfo tenant(String name) {
    return tenants.get(name);
  }

  /** The namespace named {@code name}, or {@code null}. */
  public NamespaceInfo namespace(String name) {
    return namespaces.get(name);
  }

  /** All tenants by name (sorted, unmodifiable). */
  public SortedMap<String, TenantInfo> tenants() {
    return tenants;
  }

  /** All namespaces by name (sorted, unmodifiable). */
  public SortedMap<String, NamespaceInfo> namespaces() {
    return namespaces;
  }

  /** The CapsuleConfiguration named {@code name}, or {@code null}. */
  public CapsuleConfigurationInfo configuration(String name) {
    return configurations.get(name);
  }

  public Collection<CapsuleConfigurationInfo> configurations() {
    return configurations.values();
  }

  /** ProxySettings by {@code namespace/name} (sorted, unmodifiable). */
  public SortedMap<String, ProxySettingInfo> proxySettings() {
    return proxySettings;
  }

  /** GlobalProxySettings by name (sorted, unmodifiable). */
  public SortedMap<String, GlobalProxySettingsInfo> globalProxySettings() {
    return globalProxySettings;
  }

  /** Names of the tenants whose {@code status.owners} contain {@code principal} (sorted). */
  public SortedSet<String> tenantsOwnedBy(Principal principal) {
    TreePSet<String> set = tenantsByPrincipal.get(principal);
    return set == null ? TreePSet.empty() : set;
  }

  /** Names of the existing namespaces that belong to {@code tenant} (sorted). */
  public SortedSet<String> namespacesOfTenant(String tenant) {
    TreePSet<String> set = namespacesByTenant.get(tenant);
    return set == null ? TreePSet.empty() : set;
  }

  /**
   * Names of the existing namespaces whose tenant has {@code principal} among its owners (sorted):
   * the union of {@link #namespacesOfTenant} over {@link #tenantsOwnedBy}, kept as its own index so
   * that a principal owning many tenants (a group) is answered without merging.
   */
  public SortedSet<String> namespacesVisibleTo(Principal principal) {
    TreePSet<String> set = visibleMemo.get(principal);
    if (set != null) {
      return set;
    }
    set = namespacesByPrincipal.get(principal);
    if (set == null) {
      set = TreePSet.empty();
    }
    if (visibleMemo.size() < VISIBLE_MEMO_LIMIT) {
      visibleMemo.putIfAbsent(principal, set);
    }
    return set;
  }

  /** How many principals {@link #namespacesVisibleTo} remembers (tests). */
  int visibleMemoSize() {
    return visibleMemo.size();
  }

  /** The tenant an existing namespace belongs to (see the class comment), or {@code null}. */
  public String tenantOfNamespace(String namespace) {
    return tenantByNamespace.get(namespace);
  }

  // ---- writes (each returns a new snapshot with the same revision) -------------------------

  /** Adds or replaces {@code object} (by its kind and key). */
  public TenancySnapshot with(TenancyObject object) {
    Objects.requireNonNull(object, "object");
    Edit e = new Edit(this);
    if (object instanceof TenantInfo t) {
      e.putTenant(t);
    } else if (object instanceof NamespaceInfo n) {
      e.putNamespace(n);
    } else if (object instanceof CapsuleConfigurationInfo c) {
      e.configurations = e.configurations.plus(c.key(), c);
    } else if (object instanceof ProxySettingInfo p) {
      e.proxySettings = e.proxySettings.plus(p.key(), p);
    } else if (object instanceof GlobalProxySettingsInfo g) {
      e.globalProxySettings = e.globalProxySettings.plus(g.key(), g);
    }
    return e.build();
  }

  /** Removes the object of {@code object}'s kind with {@code object}'s key (if present). */
  public TenancySnapshot without(TenancyObject object) {
    Objects.requireNonNull(object, "object");
    Edit e = new Edit(this);
    if (object instanceof TenantInfo t) {
      e.removeTenant(t.key());
    } else if (object instanceof NamespaceInfo n) {
      e.removeNamespace(n.key());
    } else if (object instanceof CapsuleConfigurationInfo c) {
      e.configurations = e.configurations.minus(c.key());
    } else if (object instanceof ProxySettingInfo p) {
      e.proxySettings = e.proxySettings.minus(p.key());
    } else if (object instanceof GlobalProxySettingsInfo g) {
      e.globalProxySettings = e.globalProxySettings.minus(g.key());
    }
    return e.build();
  }

  /** The object of the same kind and key as {@code probe} in this snapshot, or {@code null}. */
  public TenancyObject current(TenancyObject probe) {
    if (probe instanceof TenantInfo) {
      return tenants.get(probe.key());
    } else if (probe instanceof NamespaceInfo) {
      return namespaces.get(probe.key());
    } else if (probe instanceof CapsuleConfigurationInfo) {
      return configurations.get(probe.key());
    } else if (probe instanceof ProxySettingInfo) {
      return proxySettings.get(probe.key());
    } else {
      return globalProxySettings.get(probe.key());
    }
  }

  /** The mutable working copy of one write; every field is a persistent structure. */
  private static final class Edit {
    long revision;
    TreePMap<String, TenantInfo> tenants;
    TreePMap<String, NamespaceInfo> namespaces;
    TreePMap<String, CapsuleConfigurationInfo> configurations;
    TreePMap<String, ProxySettingInfo> proxySettings;
    TreePMap<String, GlobalProxySettingsInfo> globalProxySettings;
    HashPMap<Principal, TreePSet<String>> tenantsByPrincipal;
    TreePMap<String, TreePSet<String>> namespacesByTenant;
    TreePMap<String, String> tenantByNamespace;
    TreePMap<String, TreePSet<String>> statusClaims;
    HashPMap<Principal, TreePSet<String>> namespacesByPrincipal;

    Edit(TenancySnapshot s) {
      revision = s.revision;
      tenants = s.tenants;
      namespaces = s.namespaces;
      configurations = s.configurations;
      proxySettings = s.proxySettings;
      globalProxySettings = s.globalProxySettings;
      tenantsByPrincipal = s.tenantsByPrincipal;
      namespacesByTenant = s.namespacesByTenant;
      tenantByNamespace = s.tenantByNamespace;
      statusClaims = s.statusClaims;
      namespacesByPrincipal = s.namespacesByPrincipal;
    }

    Edit revision(long r) {
      revision = r;
      return this;
    }

    void putTenant(TenantInfo t) {
      TenantInfo old = tenants.get(t.name());
      tenants = tenants.plus(t.name(), t);
      reindexTenant(old, t);
    }

    void removeTenant(String name) {
      TenantInfo old = tenants.get(name);
      if (old != null) {
        tenants = tenants.minus(name);
        reindexTenant(old, null);
      }
    }

    private void reindexTenant(TenantInfo old, TenantInfo now) {
      String name = old != null ? old.name() : now.name();
      var oldOwners = old == null ? Set.<Principal>of() : old.ownerPrincipals();
      var newOwners = now == null ? Set.<Principal>of() : now.ownerPrincipals();
      TreePSet<String> owned = namespacesByTenant.get(name);
      for (Principal p : oldOwners) {
        if (!newOwners.contains(p)) {
          tenantsByPrincipal = SetIndex.remove(tenantsByPrincipal, p, name);
          if (owned != null) {
            namespacesByPrincipal = SetIndex.removeAll(namespacesByPrincipal, p, owned);
          }
        }
      }
      for (Principal p : newOwners) {
        if (!oldOwners.contains(p)) {
          tenantsByPrincipal = SetIndex.add(tenantsByPrincipal, p, name);
          if (owned != null) {
            namespacesByPrincipal = SetIndex.addAll(namespacesByPrincipal, p, owned);
          }
        }
      }
      var oldNs = old == null ? List.<String>of() : old.statusNamespaces();
      var newNs = now == null ? List.<String>of() : now.statusNamespaces();
      for (String ns : oldNs) {
        if (!newNs.contains(ns)) {
          statusClaims = SetIndex.remove(statusClaims, ns, name);
          recompute(ns);
        }
      }
      for (String ns : newNs) {
        if (!oldNs.contains(ns)) {
          statusClaims = SetIndex.add(statusClaims, ns, name);
          recompute(ns);
        }
      }
    }

    void putNamespace(NamespaceInfo n) {
      namespaces = namespaces.plus(n.name(), n);
      recompute(n.name());
    }

    void removeNamespace(String name) {
      if (namespaces.containsKey(name)) {
        namespaces = namespaces.minus(name);
        recompute(name);
      }
    }

    /** Re-derives which tenant {@code ns} belongs to and updates both directions of the index. */
    private void recompute(String ns) {
      String before = tenantByNamespace.get(ns);
      String after = effectiveTenant(namespaces.get(ns), statusClaims.get(ns));
      if (Objects.equals(before, after)) {
        return;
      }
      if (before != null) {
        namespacesByTenant = SetIndex.remove(namespacesByTenant, before, ns);
        tenantByNamespace = tenantByNamespace.minus(ns);
        TenantInfo t = tenants.get(before);
        if (t != null) {
          for (Owner o : t.owners()) {
            namespacesByPrincipal = SetIndex.remove(namespacesByPrincipal, o.principal(), ns);
          }
        }
      }
      if (after != null) {
        namespacesByTenant = SetIndex.add(namespacesByTenant, after, ns);
        tenantByNamespace = tenantByNamespace.plus(ns, after);
        TenantInfo t = tenants.get(after);
        if (t != null) {
          for (Owner o : t.owners()) {
            namespacesByPrincipal = SetIndex.add(namespacesByPrincipal, o.principal(), ns);
          }
        }
      }
    }

    private static String effectiveTenant(NamespaceInfo ns, TreePSet<String> claims) {
      if (ns == null) {
        return null;
      }
      String claimed = ns.claimedTenant();
      if (claimed != null) {
        return claimed;
      }
      return claims != null && claims.size() == 1 ? claims.first() : null;
    }

    TenancySnapshot build() {
      return new TenancySnapshot(
          revision,
          tenants,
          namespaces,
          configurations,
          proxySettings,
          globalProxySettings,
          tenantsByPrincipal,
          namespacesByTenant,
          tenantByNamespace,
          statusClaims,
          namespacesByPrincipal);
    }
  }
}
