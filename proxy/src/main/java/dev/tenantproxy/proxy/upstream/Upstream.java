package dev.tenantproxy.proxy.upstream;

import dev.tenantproxy.filters.identity.Caller;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The API server as seen by the proxy: requests carry either the proxy's own credentials ({@link
 * #open(HttpMethod, String)}) or a caller's identity ({@link #open(HttpMethod, String, Caller)}),
 * asserted as configured ({@code CallerAssertion}: {@code Impersonate-*} on the proxy's own
 * connections, or {@code X-Remote-*} on connections authenticated with the {@link FrontProxyClient}
 * certificate). Ordinary requests share HTTP/2 pools (ALPN, falls back to HTTP/1.1); protocol
 * upgrades (exec, attach, port-forward, WebSocket) each get their own HTTP/1.1 connection.
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
   * Opens a request in {@code caller}'s name: the API server authorizes it as the caller. A null
   * caller opens it with the proxy's own identity ({@link #open(HttpMethod, String)}). Headers the
   * caller of this method adds must not include identity headers ({@code
   * passthrough/ForwardHeaders} strips them from clients' requests).
   *
   * <p>This default asserts by impersonation on the proxy's own connections, which is what an
   * upstream with one set of credentials can do (test doubles); {@link #create} honours the
   * configured assertion.
   */
  default Future<HttpClientRequest> open(HttpMethod method, String uri, Caller caller) {
    Future<HttpClientRequest> opened = open(method, uri);
    if (caller == null) {
      return opened;
    }
    return opened.map(
        req -> {
          CallerAssertion.IMPERSONATION.addTo(req.headers(), caller);
          return req;
        });
  }

  /**
   * Sends a request in {@code caller}'s name (null: the proxy's own identity) with {@code body},
   * and reads the answer with {@code read}, called as the response head arrives (before any of its
   * body). A request the API server did not process (its stream refused, or above the last stream
   * of a GOAWAY) is opened and sent again ({@code Unprocessed}); {@code prepare} sets the headers
   * of each attempt's request (the same rules as for {@link #open(HttpMethod, String, Caller)}).
   */
  default <T> Future<T> send(
      HttpMethod method,
      String uri,
      Caller caller,
      Consumer<HttpClientRequest> prepare,
      RequestBody body,
      Function<HttpClientResponse, Future<T>> read) {
    return Unprocessed.send(() -> open(method, uri, caller), prepare, body, read, () -> {});
  }

  /** Requests sent again because the API server did not process them, since start. */
  default long resent() {
    return 0;
  }

  /**
   * Sends an upgrade request (WebSocket, SPDY/3.1) on a fresh HTTP/1.1 connection in {@code
   * caller}'s name (null: the proxy's own identity), asserted as {@link #open(HttpMethod, String,
   * Caller)} does, and answers with the parsed response head and the raw socket.
   */
  Future<UpgradeResponse> upgrade(
      HttpMethod method, String uri, io.vertx.core.MultiMap headers, Caller caller);

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
    return send(
        HttpMethod.GET,
        path,
        null,
        req -> req.putHeader("Accept", "application/json"),
        RequestBody.none(),
        resp -> resp.body().map(b -> new Answer(resp.statusCode(), b)));
  }

  /** Closes the pools. */
  Future<Void> close();

  /**
   * The watch of the front-proxy client certificate's files, when it is reloaded from them; null
   * otherwise (impersonation, a certificate held in memory, no reload interval).
   */
  default dev.tenantproxy.proxy.tls.CertificateFiles frontProxyFiles() {
    return null;
  }

  /** An upstream that asserts callers by impersonation. */
  static Upstream create(
      io.vertx.core.Vertx vertx, UpstreamCredentials credentials, int connectTimeoutMs) {
    return new VertxUpstream(vertx, credentials, null, connectTimeoutMs);
  }

  /**
   * An upstream that asserts callers by request headers on connections authenticated with {@code
   * frontProxy} (by impersonation when it is null); the proxy's own requests use {@code
   * credentials} either way.
   */
  static Upstream create(
      io.vertx.core.Vertx vertx,
      UpstreamCredentials credentials,
      FrontProxyClient frontProxy,
      int connectTimeoutMs) {
    return new VertxUpstream(vertx, credentials, frontProxy, connectTimeoutMs);
  }

  /**
   * Like {@link #create(io.vertx.core.Vertx, UpstreamCredentials, FrontProxyClient, int)}, and a
   * {@code frontProxy} read from files ({@link FrontProxyClient#fromFiles}) is reloaded when they
   * change, checked every {@code reloadInterval} (the serving certificate's {@code
   * --tls-reload-interval}): requests and upgrades opened from then on use the new certificate, the
   * connections made with the previous one take no new request and are closed once their streams
   * end, at the latest after a grace ({@code FrontProxyPool}).
   */
  static Upstream create(
      io.vertx.core.Vertx vertx,
      UpstreamCredentials credentials,
      FrontProxyClient frontProxy,
      java.time.Duration reloadInterval,
      int connectTimeoutMs) {
    return new VertxUpstream(
        vertx,
        credentials,
        frontProxy,
        reloadInterval,
        FrontProxyPool.RETIREMENT_GRACE,
        connectTimeoutMs);
  }
}
