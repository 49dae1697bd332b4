package dev.tenantproxy.proxy.passthrough;

import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.upstream.Upstream;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Protocol upgrades (WebSocket, SPDY/3.1): the upgrade request goes upstream over an HTTP/1.1
 * connection with the impersonation headers; on 101 both connections become raw sockets and bytes
 * are relayed both ways with back-pressure until either side closes. A non-101 answer is relayed as
 * an ordinary response (clients then fall back, e.g. kubectl from WebSocket to SPDY).
 */
final class UpgradeRelay {
  private final Upstream upstream;
  private final OpenStreams streams;
  private final int maxBufferBytes;

  UpgradeRelay(Upstream upstream, OpenStreams streams, int maxBufferBytes) {
    this.upstream = upstream;
    this.streams = streams;
    this.maxBufferBytes = maxBufferBytes;
  }

  Future<Void> relay(ProxyExchange exchange, MultiMap out) {
    HttpServerRequest req = exchange.request();
    Promise<Void> done = Promise.promise();
    upstream
        .open(req.method(), req.uri(), true)
        .onComplete(
            opened -> {
              if (opened.failed()) {
                done.fail(opened.cause());
                return;
              }
              HttpClientRequest creq = opened.result();
              creq.headers().addAll(out);
              req.response().closeHandler(v -> creq.reset());
              // an upgrade request carries no body: let its end through so the server side can
              // switch to a raw socket once the upstream said 101
              req.handler(b -> {});
              req.resume();
              creq.connect()
                  .onComplete(
                      answered -> {
                        if (answered.failed()) {
                          done.tryFail(answered.cause());
                          return;
                        }
                        HttpClientResponse cresp = answered.result();
                        if (cresp.statusCode() == 101) {
                          switchProtocols(exchange, cresp, done);
                        } else {
                          relayRefusal(req.response(), cresp, done);
                        }
                      });
            });
    return done.future();
  }

  private void switchProtocols(
      ProxyExchange exchange, HttpClientResponse cresp, Promise<Void> done) {
    NetSocket up = cresp.netSocket();
    up.pause();
    HttpServerResponse resp = exchange.request().response();
    resp.setStatusCode(101);
    ForwardHeaders.toClient(cresp.headers(), resp.headers(), true);
    exchange
        .request()
        .toNetSocket()
        .onComplete(
            switched -> {
              if (switched.failed()) {
                up.close();
                done.tryFail(switched.cause());
                return;
              }
              NetSocket down = switched.result();
              AtomicBoolean closed = new AtomicBoolean();
              Runnable unregister =
                  streams.register(
                      exchange.context(),
                      () -> {
                        down.close();
                        up.close();
                      });
              Runnable closeBoth =
                  () -> {
                    if (closed.compareAndSet(false, true)) {
                      unregister.run();
                      up.close();
                      down.close();
                      done.tryComplete();
                    }
                  };
              up.setWriteQueueMaxSize(maxBufferBytes);
              down.setWriteQueueMaxSize(maxBufferBytes);
              up.closeHandler(v -> closeBoth.run());
              down.closeHandler(v -> closeBoth.run());
              up.exceptionHandler(e -> closeBoth.run());
              down.exceptionHandler(e -> closeBoth.run());
              // half-close is not kept: either side ending ends the relay (as kube's proxy does)
              up.pipeTo(down).onComplete(ar -> closeBoth.run());
              down.pipeTo(up).onComplete(ar -> closeBoth.run());
            });
  }

  private static void relayRefusal(
      HttpServerResponse resp, HttpClientResponse cresp, Promise<Void> done) {
    resp.setStatusCode(cresp.statusCode());
    ForwardHeaders.toClient(cresp.headers(), resp.headers(), false);
    if (!cresp.headers().contains("Content-Length")) {
      resp.setChunked(true);
    }
    cresp
        .pipeTo(resp)
        .onComplete(
            ar -> {
              if (ar.failed() && !resp.ended()) {
                resp.reset();
              }
              done.tryComplete();
            });
  }
}
