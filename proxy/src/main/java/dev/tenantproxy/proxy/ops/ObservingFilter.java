package dev.tenantproxy.proxy.ops;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.proxy.server.AsProxy;
import dev.tenantproxy.proxy.server.Decision;
import dev.tenantproxy.proxy.server.FilterChain;
import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.server.ProxyFilter;
import dev.tenantproxy.proxy.server.RequestAttributes;
import dev.tenantproxy.proxy.server.StatusResponses;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outer layer of every API request: turns failures into {@code Status} responses (through
 * {@link StatusResponses}, the one place), records metrics and writes ONE audit line per request
 * (user, effective user, verb, resource, namespace, decision, code) when its response head goes
 * out. Never logs a token or an Authorization header.
 */
public final class ObservingFilter implements ProxyFilter {
  private static final Logger AUDIT = LoggerFactory.getLogger("tenantproxy.audit");

  private final ProxyMetrics metrics;

  public ObservingFilter(ProxyMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public Future<Void> handle(ProxyExchange exchange, FilterChain chain) {
    HttpServerResponse resp = exchange.response();
    AtomicBoolean recorded = new AtomicBoolean();
    resp.headersEndHandler(v -> record(exchange, resp.getStatusCode(), recorded));
    Future<Void> inner;
    try {
      inner = chain.next(exchange);
    } catch (RuntimeException e) {
      inner = Future.failedFuture(e);
    }
    return inner
        .recover(
            failure -> {
              KubeStatusException status = StatusResponses.toStatus(failure);
              exchange.decide(status.code() >= 500 ? Decision.ERROR : Decision.DENIED);
              exchange.resumeRequest();
              return StatusResponses.send(resp, status).recover(e -> Future.succeededFuture());
            })
        .andThen(ar -> record(exchange, resp.getStatusCode(), recorded));
  }

  private void record(ProxyExchange exchange, int code, AtomicBoolean recorded) {
    if (!recorded.compareAndSet(false, true)) {
      return;
    }
    long nanos = System.nanoTime() - exchange.startNanos();
    RequestAttributes a = exchange.attributes();
    Decision decision = exchange.decision();
    metrics.request(a, code, decision, nanos);
    if (AUDIT.isInfoEnabled()) {
      Caller who = exchange.authenticatedCaller();
      Caller as = exchange.caller();
      var event =
          AUDIT
              .atInfo()
              .addKeyValue("user", who == null ? "" : who.user())
              .addKeyValue("as", as == null || as == who ? "" : as.user())
              .addKeyValue("verb", a.verb())
              .addKeyValue("resource", a.resourceRequest() ? qualified(a) : a.path())
              .addKeyValue("namespace", a.namespace())
              .addKeyValue("name", a.name())
              .addKeyValue("decision", decision.label())
              .addKeyValue("code", code)
              .addKeyValue("ms", nanos / 1_000_000);
      AsProxy asProxy = exchange.get(AsProxy.class);
      if (asProxy != null) {
        event = event.addKeyValue("upstreamAs", "proxy").addKeyValue("grant", asProxy.grant());
      }
      event.log("audit");
    }
  }

  private static String qualified(RequestAttributes a) {
    String r = a.subresource().isEmpty() ? a.resource() : a.resource() + "/" + a.subresource();
    return a.apiGroup().isEmpty() ? r : r + "." + a.apiGroup();
  }
}
