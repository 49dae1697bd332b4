package dev.tenantproxy.proxy.server;

import io.vertx.core.Future;

/**
 * One layer of the request onion. A filter sees the request on the way in (through {@link
 * ProxyExchange}) and the outcome on the way out (the future returned by {@code chain.next}).
 *
 * <p>A filter either answers the exchange itself ({@link ProxyExchange#respond} / {@link
 * ProxyExchange#fail}, or by writing {@link ProxyExchange#response()} and returning the future that
 * completes when the response ends) or delegates with {@code chain.next(exchange)}. Failing the
 * returned future with a {@link dev.tenantproxy.filters.status.KubeStatusException} makes the
 * outermost layer answer with that {@code Status}; that is the only place failures become
 * responses.
 *
 * <p>Filters run on the event loop of the connection: they must never block. A filter instance is
 * shared by all event loops and must be thread-safe (usually stateless).
 */
@FunctionalInterface
public interface ProxyFilter {

  /**
   * Handles one exchange.
   *
   * @return a future completing when the response is finished (ended, or failed)
   */
  Future<Void> handle(ProxyExchange exchange, FilterChain chain);
}
