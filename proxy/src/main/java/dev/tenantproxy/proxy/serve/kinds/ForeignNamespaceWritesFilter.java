package dev.tenantproxy.proxy.serve.kinds;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.filters.visibility.Visibility;
import dev.tenantproxy.proxy.serve.KindView;
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
import java.util.function.Supplier;

/**
 * Writes by a Capsule user ({@code PUT}, {@code PATCH}, {@code DELETE}, dry-run and subresources
 * included) on a namespace outside the caller's view are answered like a missing namespace (404
 * NotFound) and never reach the API server.
 *
 * <p>Why: Capsule binds {@code capsule-namespace-provisioner} (namespaces: create, patch)
 * cluster-wide to its users and relies on its admission webhook to refuse patches of other tenants'
 * namespaces. The proxy depends on no webhook, and the API server's answers for an existing and a
 * missing namespace differ (a patch of another tenant's namespace would even succeed without the
 * webhook): answered here, a namespace outside the view and a missing one get the same 404.
 *
 * <p>The index may lag a namespace the caller has just created. Before answering 404, the proxy
 * reads the namespace with its own credentials: when it exists and carries the tenant label of a
 * tenant the caller owns (ownership from the index), the write passes through. That costs one
 * upstream GET per write to a namespace outside the view, a rare request.
 */
public final class ForeignNamespaceWritesFilter implements ProxyFilter {
  static final String TENANT_LABEL = "capsule.clastix.io/tenant";

  private final Supplier<KindView> views;
  private final Upstream upstream;

  /**
   * @param views the index's view, or null while namespaces are not served yet (then everything
   *     passes through, as every namespace request does then)
   */
  public ForeignNamespaceWritesFilter(Supplier<KindView> views, Upstream upstream) {
    this.views = views;
    this.upstream = upstream;
  }

  @Override
  public Future<Void> handle(ProxyExchange exchange, FilterChain chain) {
    HttpMethod m = exchange.request().method();
    RequestAttributes a = exchange.attributes();
    if ((m != HttpMethod.PUT && m != HttpMethod.PATCH && m != HttpMethod.DELETE)
        || !a.resourceRequest()
        || !a.apiGroup().isEmpty()
        || !a.resource().equals("namespaces")
        || a.name().isEmpty()) {
      return chain.next(exchange);
    }
    KindView view = views.get();
    Caller caller = exchange.caller();
    String name = a.name();
    if (view == null
        || caller == null
        || !view.isCapsuleUser(caller)
        || view.canSee(caller, name)) {
      return chain.next(exchange);
    }
    return ownedTenantOf(name)
        .compose(
            tenant -> {
              if (tenant != null
                  && Visibility.ownedTenants(views.get().snapshot(), caller).contains(tenant)) {
                return chain.next(exchange); // the index lags a namespace of the caller's tenant
              }
              exchange.decide(Decision.DENIED);
              exchange.resumeRequest();
              return Future.failedFuture(KubeStatusException.notFound("", "namespaces", name));
            });
  }

  /** The namespace's tenant label read with the proxy's credentials; null when none or missing. */
  private Future<String> ownedTenantOf(String name) {
    String path = "/api/v1/namespaces/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
    return upstream
        .getJson(path)
        .map(
            a -> {
              if (a.status() != 200) {
                return null;
              }
              JsonObject labels =
                  new JsonObject(a.body())
                      .getJsonObject("metadata", new JsonObject())
                      .getJsonObject("labels", new JsonObject());
              return labels.getString(TENANT_LABEL);
            });
  }
}
