package dev.tenantproxy.proxy.server;

import io.vertx.core.Future;

/** The rest of the onion below the current filter. */
@FunctionalInterface
public interface FilterChain {

  /** Runs the next filter (the innermost is the pass-through to the API server). */
  Future<Void> next(ProxyExchange exchange);

  /** A chain over {@code filters} in order; exceptions thrown by a filter fail its future. */
  static FilterChain of(java.util.List<ProxyFilter> filters) {
    return new Chain(java.util.List.copyOf(filters), 0);
  }
}

final class Chain implements FilterChain {
  private final java.util.List<ProxyFilter> filters;
  private final int index;

  Chain(java.util.List<ProxyFilter> filters, int index) {
    this.filters = filters;
    this.index = index;
  }

  @Override
  public Future<Void> next(ProxyExchange exchange) {
    if (index >= filters.size()) {
      return Future.failedFuture(
          dev.tenantproxy.filters.status.KubeStatusException.internal("no filter answered"));
    }
    try {
      return filters.get(index).handle(exchange, new Chain(filters, index + 1));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
