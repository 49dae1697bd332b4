package dev.tenantproxy.proxy.serve.kinds;

import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.visibility.CallerView;
import dev.tenantproxy.filters.visibility.ClusterVisibility;
import dev.tenantproxy.filters.visibility.GrantOperation;
import dev.tenantproxy.filters.visibility.ServedObject;
import dev.tenantproxy.filters.visibility.Visibility;
import dev.tenantproxy.filters.visibility.WriteDecision;
import dev.tenantproxy.proxy.passthrough.ForwardHeaders;
import dev.tenantproxy.proxy.serve.ServedKind;
import dev.tenantproxy.proxy.server.AsProxy;
import dev.tenantproxy.proxy.server.Decision;
import dev.tenantproxy.proxy.server.FilterChain;
import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.server.ProxyFilter;
import dev.tenantproxy.proxy.server.RequestAttributes;
import dev.tenantproxy.proxy.upstream.Upstream;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Owner-granted writes of the rule-driven cluster-scoped kinds (nodes, the class kinds, persistent
 * volumes: every {@link ClusterRuleKind}): a Capsule user's {@code PUT} / {@code PATCH} (grant
 * {@code Update}) or {@code DELETE} (grant {@code Delete}) of one object, executed upstream with
 * the proxy's own identity when {@link CallerView#mayWrite} allows it. One filter for every kind;
 * see the DESIGN note in this package's {@code package-info.java}.
 *
 * <ul>
 *   <li>The caller holds no grant of the operation for the kind ({@link CallerView#holdsGrant}), is
 *       not a Capsule user, or the request is not a write of one object of a served version
 *       (subresources, {@code deletecollection}, upgrades): passed on, so the API server answers
 *       the caller as itself.
 *   <li>Otherwise the object is read upstream with the proxy's credentials (fresh, not the watch
 *       cache, so a label just removed counts). Missing, or not visible to the caller: the API
 *       server's own 404 for a missing object, nothing forwarded. Visible but not selected by a
 *       tenant that gives the grant: passed on as the caller (the API server's 403). Allowed: the
 *       exchange is marked {@link AsProxy} and passed on; the pass-through sends it without {@code
 *       Impersonate-*} and streams the answer back, body, query ({@code dryRun}, {@code
 *       fieldManager}, ...) and content type (every patch type) untouched.
 * </ul>
 */
public final class ClusterWritesFilter implements ProxyFilter {
  private final List<ClusterRuleKind> kinds;
  private final Supplier<TenancySnapshot> snapshots;
  private final Upstream upstream;

  /**
   * @param kinds the served kinds; the rule-driven cluster-scoped ones among them are written
   * @param snapshots the index's current snapshot
   */
  public ClusterWritesFilter(
      List<ServedKind> kinds, Supplier<TenancySnapshot> snapshots, Upstream upstream) {
    this.kinds =
        kinds.stream()
            .filter(ClusterRuleKind.class::isInstance)
            .map(ClusterRuleKind.class::cast)
            .toList();
    this.snapshots = snapshots;
    this.upstream = upstream;
  }

  @Override
  public Future<Void> handle(ProxyExchange exchange, FilterChain chain) {
    HttpMethod m = exchange.request().method();
    RequestAttributes a = exchange.attributes();
    Caller caller = exchange.caller();
    if ((m != HttpMethod.PUT && m != HttpMethod.PATCH && m != HttpMethod.DELETE)
        || caller == null
        || !a.resourceRequest()
        || a.name().isEmpty()
        || !a.subresource().isEmpty()
        || !a.namespace().isEmpty()
        || ForwardHeaders.isUpgrade(exchange.request().headers())) {
      return chain.next(exchange);
    }
    ClusterRuleKind kind = kindOf(a);
    if (kind == null) {
      return chain.next(exchange);
    }
    TenancySnapshot snapshot = snapshots.get();
    if (snapshot == null || !Visibility.isCapsuleUser(snapshot, caller)) {
      return chain.next(exchange);
    }
    GrantOperation op = m == HttpMethod.DELETE ? GrantOperation.DELETE : GrantOperation.UPDATE;
    if (!ClusterVisibility.view(snapshot, caller, kind.rules()).holdsGrant(op)) {
      return chain.next(exchange); // the API server answers the caller as itself
    }
    ResourceKind rk = kind.kind();
    String name = a.name();
    return current(rk, name)
        .compose(
            labels -> {
              // decided on the snapshot current now (the read above took a round trip)
              TenancySnapshot now = snapshots.get();
              CallerView view = ClusterVisibility.view(now, caller, kind.rules());
              ServedObject object = labels == null ? null : ServedObject.of(name, labels);
              if (object == null
                  || !view.isVisible(object, dev.tenantproxy.filters.visibility.Access.GET)) {
                exchange.decide(Decision.DENIED);
                exchange.resumeRequest();
                return Future.failedFuture(
                    KubeStatusException.notFound(rk.group(), rk.plural(), name));
              }
              WriteDecision w = kind.mayWrite(now, caller, object, op); // shared with reviews
              if (!w.allowed()) {
                return chain.next(exchange); // visible, not writable: the API server's 403
              }
              exchange.put(AsProxy.class, new AsProxy(w.reason(), refused(rk, a, caller)));
              return chain.next(exchange);
            });
  }

  private ClusterRuleKind kindOf(RequestAttributes a) {
    for (ClusterRuleKind k : kinds) {
      ResourceKind rk = k.kind();
      if (rk.group().equals(a.apiGroup())
          && rk.version().equals(a.apiVersion())
          && rk.plural().equals(a.resource())) {
        return k;
      }
    }
    return null;
  }

  /**
   * The object's labels read with the proxy's credentials; null when it does not exist. Any other
   * answer fails with 503 (the caller learns nothing about the proxy's account).
   */
  private Future<Map<String, String>> current(ResourceKind rk, String name) {
    String path =
        (rk.group().isEmpty() ? "/api/" + rk.version() : "/apis/" + rk.apiVersion())
            + "/"
            + rk.plural()
            + "/"
            + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    return upstream
        .getJson(path)
        .compose(
            a -> {
              if (a.status() == 404) {
                return Future.succeededFuture(null);
              }
              if (a.status() != 200) {
                return Future.failedFuture(
                    KubeStatusException.serviceUnavailable(
                        "tenant-proxy cannot read "
                            + rk.plural()
                            + " \""
                            + name
                            + "\" now (the API server answered "
                            + a.status()
                            + ")"));
              }
              return Future.succeededFuture(labels(a.body().toString()));
            });
  }

  private static Map<String, String> labels(String body) {
    JsonObject labels =
        new JsonObject(body)
            .getJsonObject("metadata", new JsonObject())
            .getJsonObject("labels", new JsonObject());
    Map<String, String> out = new HashMap<>();
    labels.forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
    return out;
  }

  /**
   * The Status the caller gets when the API server refuses the proxy's own request (its ClusterRole
   * lacks the verb): the API server's wording for the caller, plus why.
   */
  private static KubeStatusException refused(ResourceKind rk, RequestAttributes a, Caller caller) {
    String qualified = rk.group().isEmpty() ? rk.plural() : rk.plural() + "." + rk.group();
    return KubeStatusException.forbidden(
        qualified
            + " \""
            + a.name()
            + "\" is forbidden: User \""
            + caller.user()
            + "\" cannot "
            + a.verb()
            + " resource \""
            + rk.plural()
            + "\" in API group \""
            + rk.group()
            + "\" at the cluster scope: the owner grant allows it, but tenant-proxy itself may not"
            + " "
            + a.verb()
            + " "
            + qualified
            + " (ask the cluster administrator: the proxy's ClusterRole, chart value"
            + " clusterWrites.enabled)",
        a.name(),
        rk.group(),
        rk.plural());
  }
}
