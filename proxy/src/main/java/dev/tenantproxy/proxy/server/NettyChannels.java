package dev.tenantproxy.proxy.server;

import io.netty.channel.Channel;
import io.vertx.core.http.HttpConnection;

/** The Netty channel under a Vert.x connection, for the handlers the proxy adds or reads. */
public final class NettyChannels {
  private NettyChannels() {}

  /** The Netty channel under {@code connection}; null if Vert.x does not expose it. */
  public static Channel of(HttpConnection connection) {
    // Vert.x 5 has no public API to reach a connection's Netty channel; every HttpConnection the
    // server hands out (Http1xServerConnection, Http2ServerConnection), and the client's pooled
    // HTTP/2 connections (Http2ClientConnection), is an internal ConnectionBase. This is the one
    // place the proxy relies on that internal type.
    return connection instanceof io.vertx.core.net.impl.ConnectionBase base ? base.channel() : null;
  }
}
