package dev.tenantproxy.proxy.auth;

import dev.tenantproxy.proxy.config.ProxyConfig.CallerLimits;
import dev.tenantproxy.proxy.server.FilterChain;
import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.server.ProxyFilter;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Per-caller bounds, like kube-apiserver's priority and fairness seen from one client: at most
 * {@link CallerLimits#maxWatches()} open watches and {@link CallerLimits#maxInflight()} other
 * requests in flight per authenticated user; beyond either the request gets 429 TooManyRequests
 * with {@code Retry-After} (one noisy caller cannot take the proxy's capacity from the others).
 * Keyed by the authenticated user, not the impersonated one, so impersonation cannot multiply a
 * caller's share. Long-running streams that are not watches (upgrades: exec, attach, port-forward;
 * {@code follow=true} logs) are not counted.
 *
 * <p>Each caller's two bounds are {@link AsyncLimiter}s without a queue; a caller's entry exists
 * only while it has a request in flight (the map stays bounded by the callers active now).
 */
public final class CallerLimitsFilter implements ProxyFilter {
  private final CallerLimits limits;
  private final ConcurrentHashMap<String, Slot> callers = new ConcurrentHashMap<>();

  /** One caller's limiters and how many of its requests hold the entry. */
  private static final class Slot {
    final AsyncLimiter watches;
    final AsyncLimiter inflight;
    int holders;

    Slot(CallerLimits limits) {
      watches = new AsyncLimiter(limits.maxWatches(), 0, "watches of this caller");
      inflight = new AsyncLimiter(limits.maxInflight(), 0, "requests of this caller");
    }
  }

  public CallerLimitsFilter(CallerLimits limits) {
    this.limits = limits;
  }

  @Override
  public Future<Void> handle(ProxyExchange exchange, FilterChain chain) {
    boolean watch = exchange.attributes().isWatch();
    if (!watch && longRunning(exchange)) {
      return chain.next(exchange);
    }
    String user = exchange.authenticatedCaller().user();
    Slot slot =
        callers.compute(
            user,
            (k, s) -> {
              Slot held = s == null ? new Slot(limits) : s;
              held.holders++;
              return held;
            });
    Supplier<Future<Void>> next = () -> chain.next(exchange);
    Future<Void> result;
    try {
      result = (watch ? slot.watches : slot.inflight).submit(next);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result.andThen(
        ar -> callers.computeIfPresent(user, (k, s) -> --s.holders == 0 ? null : s));
  }

  private static boolean longRunning(ProxyExchange exchange) {
    var req = exchange.request();
    if (req.headers().contains(HttpHeaders.UPGRADE)) {
      return true;
    }
    String follow = req.getParam("follow");
    return "true".equalsIgnoreCase(follow) || "1".equals(follow);
  }

  /** Callers with a request in flight now (for tests). */
  int activeCallers() {
    return callers.size();
  }
}
