package dev.tenantproxy.proxy.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations port ({@code --ops-port}): {@code /healthz}, {@code /livez}, {@code /readyz} and
 * {@code /metrics} over plain HTTP, without authentication, as kubelet probes and Prometheus
 * scrapes expect. It is a listener of its own, so the API server's paths of the same names stay
 * reachable through the serving port like any other path. It serves nothing of any tenant: metric
 * labels carry verbs, resources, codes and decisions, never a user, namespace or token.
 */
public final class OpsServer {
  private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);

  private final HttpServer server;

  private OpsServer(HttpServer server) {
    this.server = server;
  }

  /**
   * Listens on {@code host:port} (0 picks a free port).
   *
   * @param shuttingDown true once a graceful shutdown began ({@code /readyz} answers 503)
   */
  public static Future<OpsServer> start(
      Vertx vertx,
      String host,
      int port,
      Readiness readiness,
      BooleanSupplier shuttingDown,
      ProxyMetrics metrics) {
    HttpServer server =
        vertx.createHttpServer(
            new HttpServerOptions().setCompressionSupported(false).setIdleTimeout(120));
    server.requestHandler(r -> handle(r, readiness, shuttingDown, metrics));
    return server.listen(port, host).map(OpsServer::new);
  }

  private static void handle(
      HttpServerRequest request,
      Readiness readiness,
      BooleanSupplier shuttingDown,
      ProxyMetrics metrics) {
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      text(request, 405, "method not allowed");
      return;
    }
    switch (request.path()) {
      case "/healthz", "/livez" -> text(request, 200, "ok");
      case "/readyz" -> {
        boolean ready;
        try {
          ready = !shuttingDown.getAsBoolean() && readiness.isReady();
        } catch (RuntimeException e) {
          LOG.warn("readiness check failed: {}", e.toString());
          text(request, 500, "internal error");
          return;
        }
        text(request, ready ? 200 : 503, ready ? "ok" : "not ready");
      }
      case "/metrics" ->
          request
              .response()
              .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
              .end(metrics.scrape());
      default ->
          text(request, 404, "not found: the ops port serves /healthz /livez /readyz /metrics");
    }
  }

  private static void text(HttpServerRequest request, int code, String body) {
    request
        .response()
        .setStatusCode(code)
        .putHeader("Content-Type", "text/plain; charset=utf-8")
        .end(body);
  }

  /** The port it listens on. */
  public int port() {
    return server.actualPort();
  }

  /** Stops listening. */
  public Future<Void> close() {
    return server.close();
  }
}
