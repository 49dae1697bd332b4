package dev.tenantproxy.proxy.passthrough;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.upstream.UpgradeResponse;
import dev.tenantproxy.proxy.upstream.Upstream;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Protocol upgrades (WebSocket, SPDY/3.1): the upgrade request goes upstream on its own HTTP/1.1
 * connection with the impersonation headers; on 101 both connections become raw sockets and bytes
 * are relayed both ways with back-pressure until either side closes. A non-101 answer is relayed as
 * an ordinary response (clients then fall back, e.g. kubectl from WebSocket to SPDY).
 */
final class UpgradeRelay {
  private static final Logger LOG = LoggerFactory.getLogger(UpgradeRelay.class);
  private static final int MAX_REFUSAL_BODY = 1 << 20;

  private final Upstream upstream;
  private final OpenStreams streams;
  private final int maxBufferBytes;

  UpgradeRelay(Upstream upstream, OpenStreams streams, int maxBufferBytes) {
    this.upstream = upstream;
    this.streams = streams;
    this.maxBufferBytes = maxBufferBytes;
  }

  Future<Void> relay(ProxyExchange exchange, MultiMap out, Caller caller) {
    HttpServerRequest req = exchange.request();
    Promise<Void> done = Promise.promise();
    // an upgrade request carries no body: let its end through
    req.handler(b -> {});
    ProxyExchange.resume(req);
    upstream
        .upgrade(req.method(), req.uri(), out, caller)
        .onComplete(
            answered -> {
              if (answered.failed()) {
                done.fail(answered.cause());
                return;
              }
              UpgradeResponse up = answered.result();
              LOG.debug("upgrade {} answered {}", req.path(), up.status());
              if (req.response().closed()) {
                up.socket().close();
                done.tryComplete();
              } else if (up.status() == 101) {
                switchProtocols(exchange, up, done);
              } else {
                relayRefusal(req.response(), up, done);
              }
            });
    return done.future();
  }

  private void switchProtocols(ProxyExchange exchange, UpgradeResponse answer, Promise<Void> done) {
    NetSocket up = answer.socket();
    HttpServerResponse resp = exchange.request().response();
    resp.setStatusCode(101);
    ForwardHeaders.toClient(answer.headers(), resp.headers(), true);
    ServerSockets.toNetSocket(exchange.request())
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
                      exchange.context(), () -> Future.join(down.close(), up.close()).mapEmpty());
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
              if (answer.leftover().length() > 0) {
                down.write(answer.leftover());
              }
              // either side ending ends the relay (as the API server's own proxy does)
              up.pipeTo(down).onComplete(ar -> closeBoth.run());
              down.pipeTo(up).onComplete(ar -> closeBoth.run());
            });
  }

  /** Relays a non-101 answer (usually a small Status) as an ordinary response, bounded. */
  private static void relayRefusal(
      HttpServerResponse resp, UpgradeResponse answer, Promise<Void> done) {
    NetSocket socket = answer.socket();
    MultiMap h = answer.headers();
    long length = parseLength(h.get("Content-Length"));
    boolean chunked = h.contains("Transfer-Encoding", "chunked", true);
    Buffer body = Buffer.buffer().appendBuffer(answer.leftover());
    Promise<Buffer> complete = Promise.promise();
    Runnable check =
        () -> {
          if (length >= 0 && body.length() >= length) {
            complete.tryComplete(body.getBuffer(0, (int) length));
          } else if (chunked && RawChunks.complete(body)) {
            complete.tryComplete(RawChunks.decode(body));
          } else if (body.length() > MAX_REFUSAL_BODY) {
            complete.tryFail(new IllegalStateException("upgrade refusal body too large"));
          }
        };
    socket.handler(
        b -> {
          body.appendBuffer(b);
          check.run();
        });
    socket.endHandler(v -> complete.tryComplete(chunked ? RawChunks.decode(body) : body));
    socket.exceptionHandler(complete::tryFail);
    check.run();
    socket.resume();
    complete
        .future()
        .onComplete(
            ar -> {
              socket.close();
              if (ar.failed()) {
                done.tryFail(ar.cause());
                return;
              }
              resp.setStatusCode(answer.status());
              ForwardHeaders.toClient(h, resp.headers(), false);
              resp.headers().remove("Content-Length");
              resp.end(ar.result()).onComplete(x -> done.tryComplete());
            });
  }

  private static long parseLength(String v) {
    try {
      return v == null ? -1 : Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
