package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.cache.watchcache.CachedObject;
import dev.tenantproxy.cache.watchcache.EventType;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.NamespaceInfo;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import dev.tenantproxy.proxy.serve.kinds.Namespaces;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A small in-memory index for tests, built through the index's public types: a {@link
 * TenancySnapshot} and a real Namespace {@link WatchCache}, with etcd-like resourceVersions.
 */
public final class Fleet implements Supplier<KindView> {
  static final Caller ALICE = Caller.of("alice", "system:authenticated");
  static final Caller BOB = Caller.of("bob", "wind-devs", "system:authenticated");
  static final Caller ADMIN = Caller.of("admin", "system:masters");

  final WatchCache cache;
  TenancySnapshot snapshot = TenancySnapshot.empty();
  long rv = 100;

  /** Every namespace event applied, for feeding a hub. */
  final List<ServedEvent> applied = new ArrayList<>();

  Fleet() {
    this(1000);
  }

  Fleet(int history) {
    cache = new WatchCache("namespaces", history);
    snapshot =
        snapshot.with(
            new CapsuleConfigurationInfo(
                "default",
                "1",
                List.of(Principal.user("alice"), Principal.group("wind-devs")),
                List.of()));
  }

  /**
   * The standard fleet: solar (alice) with solar-dev, solar-prod; wind (wind-devs) with wind-dev.
   */
  public static Fleet standard() {
    Fleet f = new Fleet();
    f.tenant("solar", Principal.user("alice"));
    f.tenant("wind", Principal.group("wind-devs"));
    f.namespace("solar-dev", "solar", Map.of("env", "dev"), "Active");
    f.namespace("solar-prod", "solar", Map.of("env", "prod"), "Active");
    f.namespace("wind-dev", "wind", Map.of("env", "dev"), "Active");
    f.namespace("kube-system", null, Map.of(), "Active");
    f.synced();
    return f;
  }

  @Override
  public KindView get() {
    return new IndexKindView(Namespaces.INSTANCE, snapshot, cache);
  }

  /** The principals that may see this namespace now (the hub's fan-out key). */
  java.util.Collection<Principal> principalsSeeing(String name) {
    CachedObject o = cache.get(name);
    return o == null
        ? List.of()
        : Namespaces.INSTANCE.principalsSeeing(snapshot, IndexKindView.toServed(o));
  }

  void synced() {
    cache.endRelist(rv);
  }

  void tenant(String name, Principal... owners) {
    List<Owner> os = new ArrayList<>();
    for (Principal p : owners) {
      os.add(new Owner(p, List.of("admin")));
    }
    snapshot = snapshot.with(TenantInfo.of(name, os, List.of()));
  }

  ServedEvent namespace(String name, String tenant, Map<String, String> labels, String phase) {
    Map<String, String> all = new HashMap<>(labels);
    if (tenant != null) {
      all.put(NamespaceInfo.TENANT_LABEL, tenant);
    }
    all.put("kubernetes.io/metadata.name", name);
    long v = ++rv;
    ServedObject ns = object(name, v, all, phase);
    boolean existed = cache.get(name) != null;
    cache.apply(EventType.ADDED, cached(ns));
    snapshot =
        snapshot.with(new NamespaceInfo(name, "uid-" + name, Long.toString(v), phase, all, null));
    ServedEvent e =
        new ServedEvent(existed ? ServedEvent.Type.MODIFIED : ServedEvent.Type.ADDED, ns);
    applied.add(e);
    return e;
  }

  ServedEvent delete(String name) {
    CachedObject last = cache.get(name);
    long v = ++rv;
    ServedObject ns = IndexKindView.toServed(last).withResourceVersion(v);
    cache.apply(EventType.DELETED, cached(ns));
    snapshot = snapshot.without(new NamespaceInfo(name, "", "", "", Map.of(), null));
    ServedEvent e = new ServedEvent(ServedEvent.Type.DELETED, ns);
    applied.add(e);
    return e;
  }

  static ServedObject object(String name, long rv, Map<String, String> labels, String phase) {
    StringBuilder json = new StringBuilder();
    json.append("{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"")
        .append(name)
        .append("\",\"uid\":\"uid-")
        .append(name)
        .append("\",\"resourceVersion\":\"")
        .append(rv)
        .append("\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\",\"labels\":{");
    boolean first = true;
    for (var e : new java.util.TreeMap<>(labels).entrySet()) {
      if (!first) {
        json.append(',');
      }
      first = false;
      json.append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
    }
    json.append("}},\"spec\":{\"finalizers\":[\"kubernetes\"]},\"status\":{\"phase\":\"")
        .append(phase)
        .append("\"}}");
    return ServedObject.parse(json.toString().getBytes(StandardCharsets.UTF_8));
  }

  static CachedObject cached(ServedObject ns) {
    return new CachedObject(
        ns.name(),
        "",
        ns.name(),
        Long.toString(ns.resourceVersion()),
        ns.labels(),
        Map.of("metadata.name", ns.name(), "status.phase", ns.field("status.phase")),
        ns.json());
  }
}
