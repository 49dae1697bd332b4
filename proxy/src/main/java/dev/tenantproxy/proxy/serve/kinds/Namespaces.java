package dev.tenantproxy.proxy.serve.kinds;

import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.cache.informer.TenancyIndex;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.render.TableColumns;
import dev.tenantproxy.filters.selector.FieldLabels;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import dev.tenantproxy.filters.visibility.Visibility;
import dev.tenantproxy.proxy.serve.KindView;
import dev.tenantproxy.proxy.serve.ServedKind;
import dev.tenantproxy.proxy.serve.ServedObject;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.SortedSet;

/**
 * Core v1 namespaces: a caller sees the namespaces of the tenants it owns ({@code status.owners});
 * the watch cache is the index's own (always running: tenancy needs it); a namespace joining or
 * leaving a tenant reaches open watches through the index's change feed.
 */
public final class Namespaces implements ServedKind {
  public static final Namespaces INSTANCE = new Namespaces();

  private Namespaces() {}

  @Override
  public ResourceKind kind() {
    return ResourceKind.NAMESPACES;
  }

  @Override
  public Future<WatchCache> cache(TenancyIndex index) {
    return Future.succeededFuture(index.namespaces());
  }

  @Override
  public FieldLabels fieldLabels() {
    return FieldLabels.namespaces();
  }

  @Override
  public TableColumns columns() {
    return TableColumns.namespaces();
  }

  @Override
  public boolean sees(TenancySnapshot snapshot, Caller caller, ServedObject object) {
    return Visibility.canSee(snapshot, caller, object.name());
  }

  @Override
  public String reason(TenancySnapshot snapshot, Caller caller, ServedObject object) {
    return "namespace of tenant "
        + snapshot.tenantOfNamespace(object.name())
        + ", owned by the caller";
  }

  @Override
  public Collection<Principal> principalsSeeing(TenancySnapshot snapshot, ServedObject object) {
    String tenant = snapshot.tenantOfNamespace(object.name());
    if (tenant == null) {
      return List.of();
    }
    TenantInfo t = snapshot.tenant(tenant);
    return t == null ? List.of() : t.ownerPrincipals();
  }

  @Override
  public boolean startsOnDemand() {
    return false;
  }

  @Override
  public boolean followsChangeFeed() {
    return true;
  }

  @Override
  public SortedSet<String> visibleNames(TenancySnapshot snapshot, Caller caller, KindView view) {
    return Visibility.visibleNamespaces(snapshot, caller);
  }
}
