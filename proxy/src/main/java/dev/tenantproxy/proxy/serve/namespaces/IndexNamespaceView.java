package dev.tenantproxy.proxy.serve.namespaces;

import dev.tenantproxy.cache.watchcache.CachedObject;
import dev.tenantproxy.cache.watchcache.EventType;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.cache.watchcache.WatchEvent;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import dev.tenantproxy.filters.visibility.Visibility;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;

/**
 * A {@link NamespaceView} over one {@link TenancySnapshot} (who sees what) and the Namespace {@link
 * WatchCache} (the objects). Both are lock-free reads; the snapshot is taken once per view.
 */
public final class IndexNamespaceView implements NamespaceView {
  private final TenancySnapshot snapshot;
  private final WatchCache cache;

  public IndexNamespaceView(TenancySnapshot snapshot, WatchCache cache) {
    this.snapshot = snapshot;
    this.cache = cache;
  }

  @Override
  public long resourceVersion() {
    return cache.resourceVersion();
  }

  @Override
  public NamespaceObject get(String name) {
    CachedObject o = cache.get(name);
    return o == null ? null : toNamespace(o);
  }

  @Override
  public boolean isCapsuleUser(Caller caller) {
    return Visibility.isCapsuleUser(snapshot, caller);
  }

  @Override
  public SortedSet<String> visibleNamespaces(Caller caller) {
    return Visibility.visibleNamespaces(snapshot, caller);
  }

  @Override
  public boolean canSee(Caller caller, String name) {
    return Visibility.canSee(snapshot, caller, name);
  }

  @Override
  public boolean ownsTenant(Caller caller, String tenant) {
    return Visibility.ownedTenants(snapshot, caller).contains(tenant);
  }

  @Override
  public Collection<Principal> principalsSeeing(String name) {
    String tenant = snapshot.tenantOfNamespace(name);
    if (tenant == null) {
      return List.of();
    }
    TenantInfo t = snapshot.tenant(tenant);
    return t == null ? Set.of() : t.ownerPrincipals();
  }

  @Override
  public List<NamespaceEvent> eventsSince(long resourceVersion) {
    List<WatchEvent> events = cache.since(resourceVersion);
    List<NamespaceEvent> out = new ArrayList<>(events.size());
    for (WatchEvent e : events) {
      out.add(toEvent(e));
    }
    return out;
  }

  /** The serving form of a cached Namespace. */
  static NamespaceObject toNamespace(CachedObject o) {
    return new NamespaceObject(
        o.name(),
        Math.max(0, o.resourceVersionNumber()),
        o.labels(),
        o.fields().getOrDefault("status.phase", ""),
        o.json());
  }

  /**
   * The serving form of a watch-cache event. The object carries the event's position as its
   * resourceVersion only when they differ (a re-list's synthetic event), so that the order the hub
   * sees is the cache's.
   */
  static NamespaceEvent toEvent(WatchEvent e) {
    NamespaceObject ns = toNamespace(e.object());
    NamespaceEvent.Type type =
        switch (e.type()) {
          case ADDED -> NamespaceEvent.Type.ADDED;
          case MODIFIED -> NamespaceEvent.Type.MODIFIED;
          case DELETED -> NamespaceEvent.Type.DELETED;
        };
    if (e.type() == EventType.DELETED && ns.resourceVersion() < e.resourceVersion()) {
      ns = ns.withResourceVersion(e.resourceVersion());
    }
    return new NamespaceEvent(type, ns);
  }
}
