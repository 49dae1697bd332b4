package dev.tenantproxy.proxy.upstream;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

/**
 * The API server as seen by the proxy: requests carry the proxy's own credentials; callers add
 * {@code Impersonate-*} headers. Two connection pools: HTTP/2 (ALPN, falls back to HTTP/1.1) for
 * ordinary requests and HTTP/1.1 for protocol upgrades (exec, attach, port-forward, WebSocket).
 */
public interface Upstream {

  /**
   * Opens a request with the proxy's credentials already set ({@code Authorization} for a token;
   * client certificates are part of the TLS connection).
   *
   * @param uri the request URI (path and query), e.g. {@code /api/v1/namespaces?watch=true}
   * @param upgrade whether the request will be upgraded (uses the HTTP/1.1 pool)
   */
  Future<HttpClientRequest> open(HttpMethod method, String uri, boolean upgrade);

  /**
   * POSTs a JSON document and returns the JSON answer; a non-2xx status fails the future with
   * {@link UpstreamStatusException}.
   */
  Future<JsonObject> postJson(String path, JsonObject body);

  /** Closes the pools. */
  Future<Void> close();

  static Upstream create(
      io.vertx.core.Vertx vertx, UpstreamCredentials credentials, int connectTimeoutMs) {
    return new VertxUpstream(vertx, credentials, connectTimeoutMs);
  }
}
