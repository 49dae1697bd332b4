package dev.tenantproxy.proxy.upstream;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

/**
 * The API server as seen by the proxy: requests carry the proxy's own credentials; callers add
 * {@code Impersonate-*} headers. Ordinary requests share an HTTP/2 pool (ALPN, falls back to
 * HTTP/1.1); protocol upgrades (exec, attach, port-forward, WebSocket) each get their own HTTP/1.1
 * connection.
 */
public interface Upstream {

  /**
   * Opens a request with the proxy's credentials already set ({@code Authorization} for a token;
   * client certificates are part of the TLS connection).
   *
   * @param uri the request URI (path and query), e.g. {@code /api/v1/namespaces?watch=true}
   */
  Future<HttpClientRequest> open(HttpMethod method, String uri);

  /**
   * Sends an upgrade request (WebSocket, SPDY/3.1) on a fresh HTTP/1.1 connection with the proxy's
   * credentials and answers with the parsed response head and the raw socket.
   */
  Future<UpgradeResponse> upgrade(HttpMethod method, String uri, io.vertx.core.MultiMap headers);

  /**
   * POSTs a JSON document and returns the JSON answer; a non-2xx status fails the future with
   * {@link UpstreamStatusException}.
   */
  Future<JsonObject> postJson(String path, JsonObject body);

  /** A status and body the API server answered. */
  record Answer(int status, io.vertx.core.buffer.Buffer body) {}

  /**
   * GETs {@code path} with the proxy's credentials as JSON and returns the API server's status and
   * body, whatever the status (the caller decides what a 404 or a 403 means); fails only when no
   * answer arrives.
   */
  default Future<Answer> getJson(String path) {
    return open(HttpMethod.GET, path)
        .compose(
            req -> {
              req.putHeader("Accept", "application/json");
              return req.send()
                  .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b)));
            });
  }

  /** Closes the pools. */
  Future<Void> close();

  static Upstream create(
      io.vertx.core.Vertx vertx, UpstreamCredentials credentials, int connectTimeoutMs) {
    return new VertxUpstream(vertx, credentials, connectTimeoutMs);
  }
}
