package dev.tenantproxy.proxy.passthrough;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.proxy.server.AsProxy;
import dev.tenantproxy.proxy.server.Decision;
import dev.tenantproxy.proxy.server.FilterChain;
import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.server.ProxyFilter;
import dev.tenantproxy.proxy.upstream.RequestBody;
import dev.tenantproxy.proxy.upstream.Upstream;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.Pipe;

/**
 * The innermost layer: forwards the request to the API server as the effective caller and streams
 * the answer back with back-pressure (see the package DESIGN note).
 */
public final class PassThroughFilter implements ProxyFilter {

  /** Counters the pass-through reports to. */
  public interface Observer {
    void upstreamRequest();

    void watchOpened();

    void watchClosed();
  }

  /**
   * Bodies up to this size (with a {@code Content-Length}) are copied as they stream to the API
   * server, so that a request it did not process can be sent again: SelfSubjectReviews, most
   * creates and patches. Larger ones are only streamed. A bound per request: in-flight requests
   * times this is the most the copies hold.
   */
  static final long RESENDABLE_BODY_BYTES = 64 * 1024;

  private final Upstream upstream;
  private final ForwardHeaders headers;
  private final OpenStreams streams;
  private final int maxBufferBytes;
  private final Observer observer;
  private final UpgradeRelay relay;

  public PassThroughFilter(
      Upstream upstream,
      ForwardHeaders headers,
      OpenStreams streams,
      int maxBufferBytes,
      Observer observer) {
    this.upstream = upstream;
    this.headers = headers;
    this.streams = streams;
    this.maxBufferBytes = maxBufferBytes;
    this.observer = observer;
    this.relay = new UpgradeRelay(upstream, streams, maxBufferBytes);
  }

  @Override
  public Future<Void> handle(ProxyExchange exchange, FilterChain chain) {
    AsProxy asProxy = exchange.get(AsProxy.class);
    exchange.decide(asProxy == null ? Decision.PASSED : Decision.EXECUTED);
    HttpServerRequest req = exchange.request();
    boolean upgrade =
        req.version() != HttpVersion.HTTP_2 && ForwardHeaders.isUpgrade(req.headers());
    SocketAddress remote = req.remoteAddress();
    MultiMap out =
        headers.toUpstream(req.headers(), upgrade, remote == null ? null : remote.hostAddress());
    // an owner-granted write goes with the proxy's own identity, everything else in the caller's
    Caller as = asProxy == null ? exchange.caller() : null;
    observer.upstreamRequest();
    if (upgrade) {
      return relay.relay(exchange, out, as);
    }
    HttpServerResponse resp = req.response();
    if (resp.closed()) {
      // the client went away (an HTTP/2 stream reset) while authentication ran: nothing to send
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    boolean withBody = hasBody(req);
    RequestBody body;
    if (withBody) {
      // streamed with back-pressure; a small one is also copied as it passes, so that the request
      // can be sent again if the API server did not process it (upstream/Unprocessed)
      String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
      body =
          RequestBody.streamed(
              req,
              length != null && parseLength(length) <= RESENDABLE_BODY_BYTES
                  ? parseLength(length)
                  : 0);
    } else {
      exchange.resumeRequest();
      body = RequestBody.none();
    }
    upstream
        .send(
            req.method(),
            req.uri(),
            as,
            creq -> {
              if (resp.closed()) {
                // the client went away while the request waited for a connection
                creq.reset();
                return;
              }
              creq.headers().addAll(out);
              if (!withBody) {
                creq.headers().remove(HttpHeaders.CONTENT_LENGTH);
              } else if (!creq.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
                creq.setChunked(true);
              }
              // client gone: cancel the upstream request (and its watch)
              resp.closeHandler(v -> creq.reset());
              resp.exceptionHandler(e -> creq.reset());
            },
            body,
            cresp -> {
              respond(exchange, cresp, done);
              return Future.<Void>succeededFuture();
            })
        .onFailure(
            e -> {
              if (resp.closed()) {
                done.tryComplete();
              } else {
                done.tryFail(e);
              }
            });
    return done.future();
  }

  private void respond(ProxyExchange exchange, HttpClientResponse cresp, Promise<Void> done) {
    HttpServerResponse resp = exchange.request().response();
    if (resp.closed()) {
      cresp.request().reset();
      done.tryComplete();
      return;
    }
    AsProxy asProxy = exchange.get(AsProxy.class);
    if (asProxy != null && (cresp.statusCode() == 401 || cresp.statusCode() == 403)) {
      // the API server refused the proxy itself (its own RBAC lacks the verb): the caller gets a
      // Status in its own name, never the proxy's account in the API server's message
      cresp.body().onComplete(ignored -> done.tryFail(asProxy.refused()));
      return;
    }
    resp.setStatusCode(cresp.statusCode());
    if (cresp.statusMessage() != null) {
      resp.setStatusMessage(cresp.statusMessage());
    }
    ForwardHeaders.toClient(cresp.headers(), resp.headers(), false);
    boolean lengthKnown = cresp.headers().contains(HttpHeaders.CONTENT_LENGTH);
    if (!lengthKnown && exchange.request().version() != HttpVersion.HTTP_2) {
      resp.setChunked(true);
    }
    resp.setWriteQueueMaxSize(maxBufferBytes);
    boolean watch = exchange.attributes().isWatch() && cresp.statusCode() == 200;
    Pipe<io.vertx.core.buffer.Buffer> pipe = cresp.pipe();
    pipe.endOnFailure(false);
    Runnable unregister = () -> {};
    java.util.concurrent.atomic.AtomicBoolean shutdownEnd =
        new java.util.concurrent.atomic.AtomicBoolean();
    if (!lengthKnown) {
      if (watch) {
        observer.watchOpened();
      }
      unregister =
          streams.register(
              exchange.context(),
              () -> {
                // graceful shutdown: stop relaying and end the client's stream cleanly
                shutdownEnd.set(true);
                pipe.close();
                Future<Void> end = resp.ended() ? Future.succeededFuture() : resp.end();
                return end.eventually(() -> cresp.request().reset());
              });
    }
    Runnable ended = unregister;
    if (exchange.request().method() == HttpMethod.HEAD) {
      resp.headers().remove(HttpHeaders.TRANSFER_ENCODING);
    }
    pipe.to(resp)
        .onComplete(
            piped -> {
              ended.run();
              if (watch && !lengthKnown) {
                observer.watchClosed();
              }
              if (piped.failed() && !shutdownEnd.get()) {
                if (!resp.ended() && !resp.closed()) {
                  if (watch && !lengthKnown) {
                    // the API server went away mid-watch: end the watch as it ends one itself
                    // (a clean end, the client re-watches from its last resourceVersion);
                    // any other body is reset so a truncated one never looks complete
                    resp.end();
                  } else {
                    resp.reset();
                  }
                }
                cresp.request().reset();
              }
              done.tryComplete();
            });
  }

  private static long parseLength(String length) {
    try {
      return Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private static boolean hasBody(HttpServerRequest req) {
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      return !length.trim().equals("0");
    }
    if (req.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      return true;
    }
    if (req.version() == HttpVersion.HTTP_2 && !req.isEnded()) {
      HttpMethod m = req.method();
      return m == HttpMethod.POST
          || m == HttpMethod.PUT
          || m == HttpMethod.PATCH
          || m == HttpMethod.DELETE;
    }
    return false;
  }
}
