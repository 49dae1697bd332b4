package dev.tenantproxy.proxy.serve.namespaces;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.proxy.server.Decision;
import dev.tenantproxy.proxy.server.FilterChain;
import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.server.ProxyFilter;
import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * The serving filter for namespace reads: a Capsule user's list, get and watch of namespaces are
 * answered from the index ({@link Decision#SERVED}); every other request goes on down the onion (to
 * the pass-through). Until the index is synced and the watch hub attached, nothing is served.
 *
 * <p>The request is classified once, by the {@code filters} module's {@link
 * dev.tenantproxy.filters.request.ResourceRequest#classify}, and only when the exchange's {@link
 * ProxyExchange#attributes() attributes} say it is a {@code GET} of namespaces.
 */
public final class NamespacesFilter implements ProxyFilter {
  private final Supplier<NamespaceService> service;

  /**
   * @param service the service, or null while the index is not ready
   */
  public NamespacesFilter(Supplier<NamespaceService> service) {
    this.service = service;
  }

  @Override
  public Future<Void> handle(ProxyExchange exchange, FilterChain chain) {
    NamespaceService s = service.get();
    Caller caller = exchange.caller();
    NamespaceService.Read read =
        s == null ? null : s.match(exchange.request(), exchange.attributes(), caller);
    if (read == null) {
      return chain.next(exchange);
    }
    exchange.decide(Decision.SERVED);
    exchange.resumeRequest();
    return s.serve(exchange.request(), read, caller);
  }
}
