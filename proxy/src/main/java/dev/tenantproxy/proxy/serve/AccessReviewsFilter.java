package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.proxy.server.Decision;
import dev.tenantproxy.proxy.server.FilterChain;
import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.server.ProxyFilter;
import dev.tenantproxy.proxy.upstream.RequestBody;
import dev.tenantproxy.proxy.upstream.Upstream;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/**
 * Makes access reviews agree with what the proxy serves, for Capsule users only, from the registry
 * of served kinds:
 *
 * <ul>
 *   <li>{@code SelfSubjectAccessReview} of get/list/watch on a served kind (its group and resource,
 *       any version, no subresource; for a named get, only an object the caller may see) → {@code
 *       allowed: true}, answered by the proxy (so {@code kubectl auth can-i list namespaces}, k9s
 *       and Lens agree with what works). Served kinds are cluster-scoped: the {@code namespace}
 *       attribute is ignored (k9s v0.50.16 asks {@code list namespaces} in namespace {@code
 *       default}). Every other review is forwarded as the caller, unchanged.
 *   <li>{@code SelfSubjectAccessReview} of list/watch at cluster scope of a namespaced kind the
 *       all-namespaces reads serve, or of resource {@code *} in group {@code ""} or {@code *}
 *       (Lens/Freelens ask {@code watch *} to choose one cluster-wide watch per kind over one per
 *       namespace) → {@code allowed: true}; see the package DESIGN note.
 *   <li>{@code SelfSubjectAccessReview} of update/patch/delete of one object by name of a served
 *       kind → {@code allowed: true} when {@link ServedKind#mayWrite} (the decision the
 *       owner-granted write filter executes) allows it on the kind's watch cache; otherwise
 *       forwarded.
 *   <li>{@code SelfSubjectRulesReview} → forwarded as the caller; the API server's answer gets one
 *       rule {@code get, list, watch} per served kind added to {@code status.resourceRules}.
 * </ul>
 *
 * Review bodies are small: they are read whole (JSON or the Kubernetes protobuf encoding).
 */
public final class AccessReviewsFilter implements ProxyFilter {
  static final String SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
  static final String SSRR = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
  private static final Set<String> SERVED_VERBS = Set.of("get", "list", "watch");

  /** The writes of one object an owner grant lets the proxy execute, by SSAR verb. */
  private static final java.util.Map<String, dev.tenantproxy.filters.visibility.GrantOperation>
      WRITE_VERBS =
          java.util.Map.of(
              "update", dev.tenantproxy.filters.visibility.GrantOperation.UPDATE,
              "patch", dev.tenantproxy.filters.visibility.GrantOperation.UPDATE,
              "delete", dev.tenantproxy.filters.visibility.GrantOperation.DELETE);

  private static final String REASON_ALL_NAMESPACES =
      "tenant-proxy merges the caller's own reads in each namespace of its tenants";
  private static final String REASON_EVERY_KIND =
      "tenant-proxy serves cluster-scope list and watch of every namespaced kind (the caller's own"
          + " reads in each namespace of its tenants, merged) and of the cluster-scoped kinds it"
          + " serves the caller; other cluster-scoped kinds are answered by the API server";
  private static final int MAX_BODY = 64 * 1024;

  /** What the filter reads: the served kinds, their services and who is a Capsule user. */
  public interface Registry {
    List<ServedKind> kinds();

    /** The kind's service once it is served, else null. */
    KindService service(ServedKind kind);

    boolean isCapsuleUser(Caller caller);

    /**
     * Whether the kind is served to this caller (a Capsule user the kind's rules grant something;
     * see {@link ServedKind#serves}); otherwise the API server answers its reviews.
     */
    default boolean serves(ServedKind kind, Caller caller) {
      return isCapsuleUser(caller);
    }

    /**
     * Whether the kind's lists and watches are served to this caller ({@link
     * ServedKind#servesLists}: not for a caller granted gets by name only).
     */
    default boolean servesLists(ServedKind kind, Caller caller) {
      return serves(kind, caller);
    }

    /**
     * Makes the registry know the cluster-scoped kind {@code group/resource} (version may be empty)
     * when the caller's rules name it (a kind served on demand, found by discovery), so that {@link
     * #kinds()} lists it; completes when that is decided. Default: nothing to do.
     */
    default Future<Void> prepare(String group, String version, String resource, Caller caller) {
      return Future.succeededFuture();
    }
  }

  private final Registry registry;
  private final Upstream upstream;
  private final ClusterReads clusterReads;

  /**
   * Cluster-scope reads served by another filter (all-namespaces lists and watches of namespaced
   * kinds): {@code true} when {@code verb} on {@code group/resource} (version may be empty) at
   * cluster scope is answered for a Capsule user.
   */
  @FunctionalInterface
  public interface ClusterReads {
    Future<Boolean> serves(String group, String version, String resource, String verb);
  }

  public AccessReviewsFilter(Registry registry, Upstream upstream) {
    this(registry, upstream, (g, v, r, verb) -> Future.succeededFuture(false));
  }

  public AccessReviewsFilter(Registry registry, Upstream upstream, ClusterReads clusterReads) {
    this.registry = registry;
    this.upstream = upstream;
    this.clusterReads = clusterReads;
  }

  @Override
  public Future<Void> handle(ProxyExchange exchange, FilterChain chain) {
    HttpServerRequest req = exchange.request();
    String path = req.path();
    Caller caller = exchange.caller();
    if (req.method() != HttpMethod.POST
        || caller == null
        || !(SSAR.equals(path) || SSRR.equals(path))
        || !registry.isCapsuleUser(caller)) {
      return chain.next(exchange);
    }
    exchange.decide(Decision.SERVED);
    Future<Buffer> body = req.body();
    ProxyExchange.resume(req);
    return body.compose(
        b -> {
          if (b.length() > MAX_BODY) {
            return exchange.fail(
                dev.tenantproxy.filters.status.KubeStatusException.badRequest(
                    "request body too large"));
          }
          return SSAR.equals(path)
              ? accessReview(exchange, caller, b)
              : rulesReview(exchange, caller, b);
        });
  }

  private Future<Void> accessReview(ProxyExchange exchange, Caller caller, Buffer body) {
    String contentType = exchange.request().getHeader(HttpHeaders.CONTENT_TYPE);
    ResourceAttributes ra = ResourceAttributes.parse(contentType, body.getBytes());
    if (ra == null) {
      exchange.decide(Decision.PASSED);
      return forward(exchange, caller, body, false);
    }
    boolean read = ra.subresource().isEmpty() && SERVED_VERBS.contains(ra.verb());
    return (read
            ? registry.prepare(ra.group(), ra.version(), ra.resource(), caller)
            : Future.<Void>succeededFuture())
        .otherwiseEmpty()
        .compose(
            v -> {
              String reason = reason(ra, caller);
              if (reason != null) {
                return allowed(exchange, ra, reason);
              }
              if (ra.namespace().isEmpty()
                  && ra.name().isEmpty()
                  && ra.subresource().isEmpty()
                  && !(ra.group().isEmpty() && "namespaces".equals(ra.resource()))
                  && (ra.verb().equals("list") || ra.verb().equals("watch"))) {
                return clusterReads
                    .serves(ra.group(), ra.version(), ra.resource(), ra.verb())
                    .otherwise(false)
                    .compose(
                        served -> {
                          if (served) {
                            return allowed(
                                exchange,
                                ra,
                                ra.resource().equals("*")
                                    ? REASON_EVERY_KIND
                                    : REASON_ALL_NAMESPACES);
                          }
                          exchange.decide(Decision.PASSED);
                          return forward(exchange, caller, body, false);
                        });
              }
              exchange.decide(Decision.PASSED);
              return forward(exchange, caller, body, false);
            });
  }

  private static Future<Void> allowed(ProxyExchange exchange, ResourceAttributes ra, String why) {
    JsonObject review =
        new JsonObject()
            .put("kind", "SelfSubjectAccessReview")
            .put("apiVersion", "authorization.k8s.io/v1")
            .put("metadata", new JsonObject().putNull("creationTimestamp"))
            .put("spec", new JsonObject().put("resourceAttributes", ra.toJson()))
            .put("status", new JsonObject().put("allowed", true).put("reason", why));
    // not exchange.respond(): it resumes the request, whose body has already been read
    return exchange
        .response()
        .setStatusCode(201)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(review.toBuffer());
  }

  /**
   * Why the proxy allows this review's read, or null when it is not a read the proxy serves to the
   * caller (then the API server answers it).
   */
  private String reason(ResourceAttributes ra, Caller caller) {
    if (ra.subresource().isEmpty() && !ra.name().isEmpty() && WRITE_VERBS.containsKey(ra.verb())) {
      return writeReason(ra, caller);
    }
    if (!ra.subresource().isEmpty() || !SERVED_VERBS.contains(ra.verb())) {
      return null;
    }
    for (ServedKind kind : registry.kinds()) {
      if (!kind.kind().group().equals(ra.group()) || !kind.kind().plural().equals(ra.resource())) {
        continue;
      }
      if (!registry.serves(kind, caller)
          || (!"get".equals(ra.verb()) && !registry.servesLists(kind, caller))) {
        return null; // nothing granted: the API server's answer stands, as for the read itself
      }
      KindService s = registry.service(kind);
      if (s == null && !kind.startsOnDemand()) {
        return null; // not served yet (the index is not synced): the API server answers
      }
      // A name only matters for get: k9s v0.50.16 asks "list namespaces" with namespace AND name
      // set to its current namespace ("default"), and a served list or watch works whatever the
      // name (it answers the visible part, which may be empty), so "allowed" reveals nothing.
      if (ra.name().isEmpty() || !"get".equals(ra.verb())) {
        return "tenant-proxy serves the " + kind.kind().plural() + " the caller's tenants grant";
      }
      KindView view = s == null ? null : s.view();
      ServedObject o = view == null ? null : view.get(ra.name());
      return o != null && view.seesByName(caller, o)
          ? "tenant-proxy: " + kind.reason(view.snapshot(), caller, o)
          : null;
    }
    return null;
  }

  /**
   * Why the proxy executes this write of one object for the caller (an owner grant, decided by
   * {@link ServedKind#mayWrite}, the decision the write filter takes), or null (the API server
   * answers). Decided on the served kind's watch cache, so once the kind is served (after a first
   * read); the write itself re-reads the object fresh.
   */
  private String writeReason(ResourceAttributes ra, Caller caller) {
    for (ServedKind kind : registry.kinds()) {
      if (!kind.kind().group().equals(ra.group()) || !kind.kind().plural().equals(ra.resource())) {
        continue;
      }
      KindService s = registry.service(kind);
      KindView view = s == null ? null : s.view();
      ServedObject o = view == null ? null : view.get(ra.name());
      if (o == null) {
        return null;
      }
      dev.tenantproxy.filters.visibility.WriteDecision w =
          kind.mayWrite(
              view.snapshot(),
              caller,
              dev.tenantproxy.filters.visibility.ServedObject.of(o.name(), o.labels()),
              WRITE_VERBS.get(ra.verb()));
      return w.allowed() ? "tenant-proxy executes it: " + w.reason() : null;
    }
    return null;
  }

  private Future<Void> rulesReview(ProxyExchange exchange, Caller caller, Buffer body) {
    return forward(exchange, caller, body, true);
  }

  /** Forwards the review as the caller; adds the served kinds' rules to a rules review's answer. */
  private Future<Void> forward(
      ProxyExchange exchange, Caller caller, Buffer body, boolean addRule) {
    HttpServerRequest req = exchange.request();
    return upstream.send(
        HttpMethod.POST,
        req.uri(),
        caller,
        up -> {
          MultiMap h = up.headers();
          String ct = req.getHeader(HttpHeaders.CONTENT_TYPE);
          h.set(HttpHeaders.CONTENT_TYPE, ct == null ? "application/json" : ct);
          String accept = req.getHeader(HttpHeaders.ACCEPT);
          h.set(
              HttpHeaders.ACCEPT,
              addRule ? "application/json" : accept == null ? "application/json" : accept);
          String ua = req.getHeader(HttpHeaders.USER_AGENT);
          if (ua != null) {
            h.set(HttpHeaders.USER_AGENT, ua);
          }
        },
        RequestBody.of(body),
        resp ->
            resp.body()
                .compose(
                    answer -> {
                      Buffer out = answer;
                      String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
                      if (addRule
                          && resp.statusCode() / 100 == 2
                          && type != null
                          && type.startsWith("application/json")) {
                        out =
                            withServedRules(
                                answer,
                                registry.kinds().stream()
                                    .filter(k -> registry.serves(k, caller))
                                    .toList(),
                                k -> registry.servesLists(k, caller));
                      }
                      var r = exchange.response().setStatusCode(resp.statusCode());
                      if (type != null) {
                        r.putHeader(HttpHeaders.CONTENT_TYPE, type);
                      }
                      List<String> warnings = resp.headers().getAll("Warning");
                      if (!warnings.isEmpty()) {
                        r.putHeader("Warning", warnings);
                      }
                      return r.end(out);
                    }));
  }

  static Buffer withServedRules(Buffer answer, List<ServedKind> kinds) {
    return withServedRules(answer, kinds, k -> true);
  }

  /** As above; a kind {@code lists} rejects gets only {@code get}. */
  static Buffer withServedRules(
      Buffer answer, List<ServedKind> kinds, java.util.function.Predicate<ServedKind> lists) {
    JsonObject review = new JsonObject(answer);
    JsonObject status = review.getJsonObject("status");
    if (status == null) {
      status = new JsonObject();
      review.put("status", status);
    }
    JsonArray rules = status.getJsonArray("resourceRules");
    if (rules == null) {
      rules = new JsonArray();
      status.put("resourceRules", rules);
    }
    for (ServedKind kind : kinds) {
      rules.add(
          new JsonObject()
              .put(
                  "verbs",
                  lists.test(kind)
                      ? new JsonArray().add("get").add("list").add("watch")
                      : new JsonArray().add("get"))
              .put("apiGroups", new JsonArray().add(kind.kind().group()))
              .put("resources", new JsonArray().add(kind.kind().plural())));
    }
    return review.toBuffer();
  }
}
