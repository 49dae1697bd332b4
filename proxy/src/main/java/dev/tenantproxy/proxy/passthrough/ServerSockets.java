package dev.tenantproxy.proxy.passthrough;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetSocket;
import java.lang.reflect.Method;

/**
 * Turns an HTTP/1.1 server connection into a raw socket after writing the 101 head. Vert.x 5.0's
 * {@link HttpServerRequest#toNetSocket()} accepts only GET (and CONNECT) upgrades; SPDY/3.1 exec,
 * attach and port-forward are POST upgrades. For those, the same internal step ({@code
 * Http1xServerResponse#netSocket(method, headers)}) is invoked with GET as the method; the 101 head
 * written is the same. See the package DESIGN note.
 */
final class ServerSockets {
  private static final Method NET_SOCKET = find();

  private ServerSockets() {}

  static Future<NetSocket> toNetSocket(HttpServerRequest request) {
    if (request.method() == HttpMethod.GET || NET_SOCKET == null) {
      return request.toNetSocket();
    }
    HttpServerResponse response = request.response();
    try {
      @SuppressWarnings("unchecked")
      Future<NetSocket> socket =
          (Future<NetSocket>) NET_SOCKET.invoke(response, HttpMethod.GET, request.headers());
      return socket;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static Method find() {
    try {
      Class<?> type = Class.forName("io.vertx.core.http.impl.Http1xServerResponse");
      Method m = type.getDeclaredMethod("netSocket", HttpMethod.class, MultiMap.class);
      m.setAccessible(true);
      return m;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
