package dev.tenantproxy.proxy.ops;

import dev.tenantproxy.proxy.server.FilterChain;
import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.server.ProxyFilter;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.BooleanSupplier;

/**
 * {@code /healthz}, {@code /livez}, {@code /readyz} and {@code /metrics} on the serving port,
 * without authentication (like a kubelet probe or a Prometheus scrape expect). These paths of the
 * API server itself are therefore not reachable through the proxy.
 */
public final class OpsFilter implements ProxyFilter {
  private final Readiness readiness;
  private final BooleanSupplier shuttingDown;
  private final ProxyMetrics metrics;

  public OpsFilter(Readiness readiness, BooleanSupplier shuttingDown, ProxyMetrics metrics) {
    this.readiness = readiness;
    this.shuttingDown = shuttingDown;
    this.metrics = metrics;
  }

  @Override
  public Future<Void> handle(ProxyExchange exchange, FilterChain chain) {
    HttpMethod m = exchange.request().method();
    if (m != HttpMethod.GET && m != HttpMethod.HEAD) {
      return chain.next(exchange);
    }
    String path = exchange.request().path();
    return switch (path) {
      case "/healthz", "/livez" -> text(exchange, 200, "ok");
      case "/readyz" -> {
        boolean ready = !shuttingDown.getAsBoolean() && readiness.isReady();
        yield text(exchange, ready ? 200 : 503, ready ? "ok" : "not ready");
      }
      case "/metrics" -> {
        exchange.resumeRequest();
        yield exchange
            .response()
            .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            .end(metrics.scrape());
      }
      default -> chain.next(exchange);
    };
  }

  private static Future<Void> text(ProxyExchange exchange, int code, String body) {
    exchange.resumeRequest();
    HttpServerResponse r = exchange.response();
    return r.setStatusCode(code).putHeader("Content-Type", "text/plain; charset=utf-8").end(body);
  }
}
