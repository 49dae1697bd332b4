package dev.tenantproxy.proxy.serve.kinds;

import dev.tenantproxy.cache.watchcache.CachedObject;
import dev.tenantproxy.cache.watchcache.EventType;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.ClassKind;
import dev.tenantproxy.filters.tenancy.ClassPolicy;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import dev.tenantproxy.proxy.serve.IndexKindView;
import dev.tenantproxy.proxy.serve.Lister;
import dev.tenantproxy.proxy.serve.ServedEvent;
import dev.tenantproxy.proxy.serve.ServedObject;
import dev.tenantproxy.proxy.serve.WatchHub;
import dev.tenantproxy.proxy.serve.WatchMessage;
import dev.tenantproxy.proxy.serve.WatchSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Cluster-scoped objects in a watch cache, and tenants with grants, for descriptor tests. */
final class ClusterObjects {
  private final WatchCache cache;
  private final String kind;
  private long rv = 10;

  ClusterObjects(WatchCache cache, String kind) {
    this.cache = cache;
    this.kind = kind;
  }

  /** Applies an ADDED or MODIFIED event of object {@code name} and returns it as served. */
  ServedEvent put(String name, Map<String, String> labels) {
    StringBuilder l = new StringBuilder();
    labels.forEach(
        (k, v) ->
            l.append(l.length() == 0 ? "" : ",")
                .append('"')
                .append(k)
                .append("\":\"")
                .append(v)
                .append('"'));
    String json =
        "{\"kind\":\""
            + kind
            + "\",\"metadata\":{\"name\":\""
            + name
            + "\",\"resourceVersion\":\""
            + (++rv)
            + "\",\"labels\":{"
            + l
            + "}}}";
    boolean existed = cache.get(name) != null;
    CachedObject o =
        new CachedObject(
            name,
            "",
            name,
            Long.toString(rv),
            labels,
            Map.of("metadata.name", name),
            json.getBytes(StandardCharsets.UTF_8));
    cache.apply(existed ? EventType.MODIFIED : EventType.ADDED, o);
    return new ServedEvent(
        existed ? ServedEvent.Type.MODIFIED : ServedEvent.Type.ADDED, IndexKindView.toServed(o));
  }

  void synced() {
    cache.endRelist(rv);
  }

  /**
   * A tenant owned by {@code owner}, who holds {@code grants} (owner proxySettings kinds, each with
   * operation List), with a {@code spec.storageClasses} policy (or none).
   */
  static TenantInfo tenant(
      String name, String owner, List<String> grants, ClassPolicy storageClasses) {
    return tenant(name, owner, grants, ClassKind.STORAGE_CLASSES, storageClasses);
  }

  /** Like {@link #tenant(String, String, List, ClassPolicy)}, with a policy for {@code kind}. */
  static TenantInfo tenant(
      String name, String owner, List<String> grants, ClassKind kind, ClassPolicy policy) {
    Principal p = Principal.user(owner);
    return new TenantInfo(
        name,
        "uid-" + name,
        "1",
        "Active",
        List.of(new Owner(p, List.of("admin"))),
        List.of(),
        List.of(
            new TenantInfo.SpecOwner(
                p,
                grants.stream()
                    .map(g -> new TenantInfo.OwnerProxySetting(g, List.of("List")))
                    .toList())),
        Map.of(),
        policy == null ? Map.of() : Map.of(kind, policy));
  }

  static List<String> names(Lister.Page page) {
    return page.items().stream().map(ServedObject::name).toList();
  }

  /** Opens a watch of {@code caller} on {@code hub}; its events land in the returned list. */
  static List<String> watch(WatchHub hub, Caller caller) {
    List<String> got = new ArrayList<>();
    hub.watch(
        new WatchSpec(caller, null, 0, false),
        batch -> {
          for (WatchMessage m : batch) {
            if (m instanceof WatchMessage.Event e) {
              got.add(e.type() + " " + e.object().name());
            }
          }
        });
    return got;
  }
}
