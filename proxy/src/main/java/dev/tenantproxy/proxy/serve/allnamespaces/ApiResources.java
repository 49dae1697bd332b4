package dev.tenantproxy.proxy.serve.allnamespaces;

import dev.tenantproxy.proxy.upstream.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The API server's discovery of one group/version ({@code GET /api/v1}, {@code GET
 * /apis/GROUP/VERSION}), fetched with the proxy's own credentials on first use and cached: an entry
 * is refreshed after {@code ttlMillis}, and a resource the cached entry does not know (a CRD just
 * installed) triggers a refresh at most every {@code missRefreshMillis}. Concurrent lookups of one
 * group/version share one request. Nothing is hard-coded: core kinds, {@code apps} and CRDs are
 * found the same way. One instance serves the all-namespaces reads (namespaced resources) and the
 * cluster-scoped kinds served on demand ({@link #clusterScoped}).
 */
public final class ApiResources {

  /** One resource the API server serves (no subresources), namespaced or cluster-scoped. */
  public record Resource(
      String group,
      String version,
      String resource,
      String kind,
      List<String> verbs,
      boolean namespaced) {
    public boolean lists() {
      return verbs.contains("list");
    }

    public boolean watches() {
      return verbs.contains("watch");
    }

    public boolean gets() {
      return verbs.contains("get");
    }
  }

  private record Entry(Map<String, Resource> resources, long fetchedAt) {}

  private final Upstream upstream;
  private final LongSupplier clock;
  private final long ttlMillis;
  private final long missRefreshMillis;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Map<String, Future<Entry>> fetching = new ConcurrentHashMap<>();

  ApiResources(Upstream upstream, LongSupplier clock, long ttlMillis, long missRefreshMillis) {
    this.upstream = upstream;
    this.clock = clock;
    this.ttlMillis = ttlMillis;
    this.missRefreshMillis = missRefreshMillis;
  }

  /**
   * The namespaced resource {@code group/version/resource}, or empty when the API server does not
   * serve it namespaced (cluster-scoped, unknown, or discovery failed: the request then passes
   * through and the API server answers as it would).
   */
  Future<Optional<Resource>> namespaced(String group, String version, String resource) {
    return lookup(group, version, resource).map(r -> r.filter(Resource::namespaced));
  }

  /**
   * The cluster-scoped resource {@code group/version/resource}, or empty when the API server does
   * not serve it at cluster scope (namespaced, unknown, or discovery failed). A CRD created after
   * the proxy started is found by the refresh on a miss.
   */
  public Future<Optional<Resource>> clusterScoped(String group, String version, String resource) {
    return lookup(group, version, resource).map(r -> r.filter(x -> !x.namespaced()));
  }

  /** A group, version or resource as the API server names them (DNS labels, dots); else none. */
  private static final java.util.regex.Pattern NAME =
      java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  /**
   * Whether the names can be put in a discovery path as they are: they come from request paths and
   * access-review bodies, and must never make the proxy request another path with its credentials.
   */
  static boolean validNames(String group, String version, String resource) {
    return (group.isEmpty() || NAME.matcher(group).matches())
        && (version.isEmpty() || NAME.matcher(version).matches())
        && NAME.matcher(resource).matches();
  }

  private Future<Optional<Resource>> lookup(String group, String version, String resource) {
    if (!validNames(group, version, resource) || version.isEmpty()) {
      return Future.succeededFuture(Optional.empty());
    }
    String gv = group.isEmpty() ? version : group + "/" + version;
    long now = clock.getAsLong();
    Entry e = entries.get(gv);
    if (e != null) {
      Resource r = e.resources().get(resource);
      boolean fresh = now - e.fetchedAt() < ttlMillis;
      if (r != null && fresh) {
        return Future.succeededFuture(Optional.of(r));
      }
      if (fresh && now - e.fetchedAt() < missRefreshMillis) {
        return Future.succeededFuture(Optional.ofNullable(r));
      }
    }
    return fetch(group, version, gv)
        .map(fetched -> Optional.ofNullable(fetched.resources().get(resource)))
        .otherwise(
            failure -> {
              Entry stale = entries.get(gv);
              return stale == null
                  ? Optional.empty()
                  : Optional.ofNullable(stale.resources().get(resource));
            });
  }

  private final Map<String, String> preferred = new ConcurrentHashMap<>();

  /**
   * As {@link #namespaced}, for a group whose version may be empty (access reviews often name
   * none): the group's preferred version from {@code GET /apis/GROUP} (core: {@code v1}).
   */
  Future<Optional<Resource>> namespacedInGroup(String group, String version, String resource) {
    return inGroup(group, version, resource).map(r -> r.filter(Resource::namespaced));
  }

  /** As {@link #clusterScoped}, for a version that may be empty (the group's preferred one). */
  public Future<Optional<Resource>> clusterScopedInGroup(
      String group, String version, String resource) {
    return inGroup(group, version, resource).map(r -> r.filter(x -> !x.namespaced()));
  }

  private Future<Optional<Resource>> inGroup(String group, String version, String resource) {
    if (!validNames(group, version, resource)) {
      return Future.succeededFuture(Optional.empty());
    }
    if (!version.isEmpty()) {
      return lookup(group, version, resource);
    }
    if (group.isEmpty()) {
      return lookup("", "v1", resource);
    }
    String known = preferred.get(group);
    if (known != null) {
      return lookup(group, known, resource);
    }
    return upstream
        .getJson("/apis/" + group)
        .map(
            a -> {
              if (a.status() != 200) {
                return "";
              }
              JsonObject pv = new JsonObject(a.body()).getJsonObject("preferredVersion");
              return pv == null ? "" : pv.getString("version", "");
            })
        .compose(
            v -> {
              if (v.isEmpty()) {
                return Future.succeededFuture(Optional.<Resource>empty());
              }
              preferred.put(group, v);
              return lookup(group, v, resource);
            })
        .otherwise(Optional.empty());
  }

  private Future<Entry> fetch(String group, String version, String gv) {
    Future<Entry> running = fetching.get(gv);
    if (running != null) {
      return running;
    }
    Promise<Entry> promise = Promise.promise();
    Future<Entry> prior = fetching.putIfAbsent(gv, promise.future());
    if (prior != null) {
      return prior;
    }
    String path = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    upstream
        .getJson(path)
        .map(a -> read(group, version, a))
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                entries.put(gv, ar.result());
              }
              fetching.remove(gv, promise.future());
              promise.handle(ar);
            });
    return promise.future();
  }

  private Entry read(String group, String version, Upstream.Answer answer) {
    if (answer.status() != 200) {
      // 404: no such group/version, nothing to serve
      return new Entry(Map.of(), clock.getAsLong());
    }
    return parse(group, version, new JsonObject(answer.body()));
  }

  private Entry parse(String group, String version, JsonObject list) {
    Map<String, Resource> out = new HashMap<>();
    JsonArray resources = list.getJsonArray("resources", new JsonArray());
    for (int i = 0; i < resources.size(); i++) {
      JsonObject r = resources.getJsonObject(i);
      String name = r.getString("name", "");
      if (name.isEmpty() || name.contains("/")) {
        continue;
      }
      JsonArray verbs = r.getJsonArray("verbs", new JsonArray());
      List<String> v = verbs.stream().map(String::valueOf).toList();
      out.put(
          name,
          new Resource(
              group, version, name, r.getString("kind", ""), v, r.getBoolean("namespaced", false)));
    }
    return new Entry(Map.copyOf(out), clock.getAsLong());
  }
}
