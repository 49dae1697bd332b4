package dev.tenantproxy.proxy.auth;

import dev.tenantproxy.proxy.server.FilterChain;
import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.server.ProxyFilter;
import io.vertx.core.Future;

/** Sets the authenticated caller on the exchange, or fails it with 401. */
public final class AuthenticationFilter implements ProxyFilter {
  private final Authenticator authenticator;

  public AuthenticationFilter(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  @Override
  public Future<Void> handle(ProxyExchange exchange, FilterChain chain) {
    return authenticator
        .authenticate(exchange.request())
        .compose(
            caller -> {
              exchange.authenticated(caller);
              return chain.next(exchange);
            });
  }
}
