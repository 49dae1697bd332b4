package dev.tenantproxy.proxy.server;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.status.KubeStatusException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-request state travelling through the filter onion: the HTTP request (paused on arrival), the
 * authenticated caller, the effective caller (after impersonation), the request attributes, the
 * decision and timing. Created and used on one event loop.
 */
public final class ProxyExchange {
  private final HttpServerRequest request;
  private final Context context;
  private final long startNanos;
  private final RequestAttributes attributes;
  private final Map<Class<?>, Object> attachments = new ConcurrentHashMap<>(4);
  private Caller authenticated;
  private Caller caller;
  private Decision decision = Decision.PASSED;

  public ProxyExchange(HttpServerRequest request, Context context, long startNanos) {
    this.request = request;
    this.context = context;
    this.startNanos = startNanos;
    this.attributes = RequestAttributes.parse(request.method(), request.path(), request.query());
  }

  public HttpServerRequest request() {
    return request;
  }

  public HttpServerResponse response() {
    return request.response();
  }

  /** The Vert.x context (event loop) of this request. */
  public Context context() {
    return context;
  }

  public long startNanos() {
    return startNanos;
  }

  public RequestAttributes attributes() {
    return attributes;
  }

  /** The identity that authenticated (before impersonation); null before authentication. */
  public Caller authenticatedCaller() {
    return authenticated;
  }

  /** The effective identity: the impersonated one if the caller impersonates, else the caller. */
  public Caller caller() {
    return caller;
  }

  /** Sets the authenticated identity (also the effective one until impersonation changes it). */
  public void authenticated(Caller who) {
    this.authenticated = who;
    this.caller = who;
  }

  /** Sets the effective identity after an allowed impersonation. */
  public void impersonating(Caller who) {
    this.caller = who;
  }

  public Decision decision() {
    return decision;
  }

  public void decide(Decision d) {
    this.decision = d;
  }

  /** Attaches per-request state for a filter further in (or out). */
  public <T> void put(Class<T> type, T value) {
    attachments.put(type, value);
  }

  public <T> T get(Class<T> type) {
    return type.cast(attachments.get(type));
  }

  /**
   * Lets the paused request's remaining events (its end, a body) flow. Safe on a request that has
   * already ended: an HTTP/2 stream the client reset is ended, and Vert.x throws on {@code
   * resume()} there (an exception that, escaping a callback, would leave the exchange unanswered).
   */
  public void resumeRequest() {
    resume(request);
  }

  /** {@link #resumeRequest()} for a request without its exchange. */
  public static void resume(HttpServerRequest request) {
    if (!request.isEnded()) {
      request.resume();
    }
  }

  /** Answers with a JSON body produced by the proxy (decision SERVED). */
  public Future<Void> respond(int status, String contentType, Buffer body) {
    decide(Decision.SERVED);
    resumeRequest();
    return request
        .response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, contentType)
        .end(body);
  }

  /** Fails the exchange with a Status (the outermost layer writes it). */
  public Future<Void> fail(KubeStatusException status) {
    return Future.failedFuture(status);
  }
}
