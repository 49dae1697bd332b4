package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.proxy.server.Decision;
import dev.tenantproxy.proxy.server.FilterChain;
import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.server.ProxyFilter;
import io.vertx.core.Future;

/**
 * The one serving filter of every served kind: a Capsule user's list, get and watch of a served
 * kind are answered from the index ({@link Decision#SERVED}); every other request goes on down the
 * onion (to the pass-through). Until a kind is served (its cache synced and its hub attached), its
 * reads pass through.
 *
 * <p>The request is classified once, by the {@code filters} module's {@link
 * dev.tenantproxy.filters.request.ResourceRequest#classify}, and only when the exchange's {@link
 * ProxyExchange#attributes() attributes} say it is a {@code GET} of a served kind.
 */
final class ServingFilter implements ProxyFilter {
  private final ServedKinds registry;

  ServingFilter(ServedKinds registry) {
    this.registry = registry;
  }

  @Override
  public Future<Void> handle(ProxyExchange exchange, FilterChain chain) {
    Caller caller = exchange.caller();
    Future<KindService> service =
        registry.serviceFor(exchange.request().method(), exchange.attributes(), caller);
    if (service == null) {
      return chain.next(exchange);
    }
    return service.compose(
        s -> {
          KindService.Read read =
              s == null ? null : s.match(exchange.request(), exchange.attributes(), caller);
          if (read == null) {
            return chain.next(exchange);
          }
          exchange.decide(Decision.SERVED);
          exchange.resumeRequest();
          return s.serve(exchange.request(), read, caller);
        });
  }
}
