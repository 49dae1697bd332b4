package dev.tenantproxy.proxy.serve.namespaces;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.proxy.passthrough.ForwardHeaders;
import dev.tenantproxy.proxy.server.Decision;
import dev.tenantproxy.proxy.server.FilterChain;
import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.server.ProxyFilter;
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
import java.util.function.Supplier;

/**
 * Makes access reviews agree with what the proxy serves, for Capsule users only:
 *
 * <ul>
 *   <li>{@code SelfSubjectAccessReview} of get/list/watch on core {@code namespaces} (no
 *       subresource; the namespace field is ignored; a name only restricts get, to a namespace the
 *       caller may see — a list or watch is allowed whatever name is set) → {@code allowed: true},
 *       answered by the proxy (so {@code kubectl auth can-i list namespaces}, k9s and Lens agree
 *       with what works). Every other review is forwarded as the caller, unchanged.
 *   <li>{@code SelfSubjectRulesReview} → forwarded as the caller; the API server's answer gets the
 *       rule {@code get, list, watch} on {@code namespaces} added to {@code status.resourceRules}.
 * </ul>
 *
 * Review bodies are small: they are read whole (JSON or the Kubernetes protobuf encoding).
 */
public final class AccessReviewsFilter implements ProxyFilter {
  static final String SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
  static final String SSRR = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
  private static final Set<String> SERVED_VERBS = Set.of("get", "list", "watch");
  private static final String REASON = "tenant-proxy serves the namespaces of the caller's tenants";
  private static final int MAX_BODY = 64 * 1024;

  private final Supplier<NamespaceService> service;
  private final Upstream upstream;

  public AccessReviewsFilter(Supplier<NamespaceService> service, Upstream upstream) {
    this.service = service;
    this.upstream = upstream;
  }

  @Override
  public Future<Void> handle(ProxyExchange exchange, FilterChain chain) {
    HttpServerRequest req = exchange.request();
    String path = req.path();
    NamespaceService s = service.get();
    Caller caller = exchange.caller();
    if (req.method() != HttpMethod.POST
        || s == null
        || caller == null
        || !(SSAR.equals(path) || SSRR.equals(path))
        || !s.view().isCapsuleUser(caller)) {
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
              ? accessReview(exchange, s, caller, b)
              : rulesReview(exchange, caller, b);
        });
  }

  private Future<Void> accessReview(
      ProxyExchange exchange, NamespaceService s, Caller caller, Buffer body) {
    String contentType = exchange.request().getHeader(HttpHeaders.CONTENT_TYPE);
    ResourceAttributes ra = ResourceAttributes.parse(contentType, body.getBytes());
    if (ra == null
        || !ra.group().isEmpty()
        || !"namespaces".equals(ra.resource())
        || !ra.subresource().isEmpty()
        || !SERVED_VERBS.contains(ra.verb())
        // A name only matters for get: k9s v0.50.16 asks "list namespaces" with namespace AND name
        // set to its current namespace ("default"), and a served list or watch works whatever the
        // name (it answers the visible part, which may be empty), so "allowed" reveals nothing.
        || ("get".equals(ra.verb())
            && !ra.name().isEmpty()
            && !s.view().canSee(caller, ra.name()))) {
      exchange.decide(Decision.PASSED);
      return forward(exchange, caller, body, false);
    }
    JsonObject review =
        new JsonObject()
            .put("kind", "SelfSubjectAccessReview")
            .put("apiVersion", "authorization.k8s.io/v1")
            .put("metadata", new JsonObject().putNull("creationTimestamp"))
            .put("spec", new JsonObject().put("resourceAttributes", ra.toJson()))
            .put("status", new JsonObject().put("allowed", true).put("reason", REASON));
    // not exchange.respond(): it resumes the request, whose body has already been read
    return exchange
        .response()
        .setStatusCode(201)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(review.toBuffer());
  }

  private Future<Void> rulesReview(ProxyExchange exchange, Caller caller, Buffer body) {
    return forward(exchange, caller, body, true);
  }

  /** Forwards the review as the caller; adds the namespaces rule to a rules review's answer. */
  private Future<Void> forward(
      ProxyExchange exchange, Caller caller, Buffer body, boolean addRule) {
    HttpServerRequest req = exchange.request();
    return upstream
        .open(HttpMethod.POST, req.uri())
        .compose(
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
              ForwardHeaders.addImpersonation(h, caller);
              return up.send(body);
            })
        .compose(
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
                            out = withNamespacesRule(answer);
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

  static Buffer withNamespacesRule(Buffer answer) {
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
    rules.add(
        new JsonObject()
            .put("verbs", new JsonArray().add("get").add("list").add("watch"))
            .put("apiGroups", new JsonArray().add(""))
            .put("resources", new JsonArray().add("namespaces")));
    return review.toBuffer();
  }
}
