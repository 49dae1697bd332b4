package dev.tenantproxy.proxy.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection in stages, as RFC 9112 §9.6 describes ("lingering close"): everything written
 * reaches the kernel, the write side is half-closed (FIN after the last byte), what the client
 * still sends is read and dropped until it closes its side or the bound passes, and only then is
 * the socket closed.
 *
 * <p>DESIGN: a plain close loses the end of the response whenever the client is still sending. Over
 * HTTP/2 the client keeps writing after the server's last frame (WINDOW_UPDATE as it consumes DATA,
 * PING and SETTINGS acks, its own GOAWAY); over HTTP/1.x a client may still be sending the rest of
 * a refused request. A segment arriving at a socket the server has closed makes the server's kernel
 * answer with RST, and Linux then discards what is still in the socket's send queue: the last DATA
 * / END_STREAM frames (or the end of a body) that had not reached the client yet are lost, and the
 * client sees "Connection reset" (this is how watches ended during a graceful shutdown under load).
 * Netty's {@code close()} and {@code shutdownOutput()} also fail whatever is still in the channel's
 * outbound buffer, so the half-close waits for an empty write (a barrier: its promise completes
 * once every earlier write reached the socket). With the NIO transport the JDK's close of a socket
 * registered with a selector sends FIN at once but closes the descriptor only at that selector's
 * next select: late client bytes either arrive after that or sit unread in the receive queue when
 * it happens, and Linux answers both with RST.
 *
 * <p>The handler sits at the head of the pipeline (nearest the socket), so it sees the close after
 * every other handler has had its say (TLS has sent close_notify, HTTP/2 its GOAWAY). It never
 * holds a connection longer than the bound, never blocks (a timer on the channel's event loop) and
 * releases every dropped buffer. A channel that cannot half-close, or is no longer active, is
 * closed at once.
 */
final class LingeringClose extends ChannelDuplexHandler {
  private static final Logger LOG = LoggerFactory.getLogger(LingeringClose.class);
  static final String NAME = "tenant-proxy-lingering-close";

  /**
   * The longest a closing connection waits for its client to close its side (RFC 9112 leaves it
   * open; Apache httpd lingers 2 s). The proxy takes the shorter of this and the shutdown grace
   * period.
   */
  static final long BOUND_MS = 2_000;

  private final long boundMs;
  // state touched only on the channel's event loop
  private ChannelPromise closing; // the close being lingered; null while open
  private ScheduledFuture<?> bound;
  private boolean closed;

  LingeringClose(long boundMs) {
    this.boundMs = boundMs;
  }

  /** Adds a lingering close, bounded by {@code boundMs}, to an accepted connection. */
  static void install(HttpConnection connection, long boundMs) {
    Channel channel = channel(connection);
    if (channel == null) {
      LOG.debug("no lingering close for {}", connection.getClass().getName());
    } else if (channel.pipeline().get(NAME) == null) {
      channel.pipeline().addFirst(NAME, new LingeringClose(boundMs));
    }
  }

  /** The Netty channel under a Vert.x connection ({@link NettyChannels#of}). */
  static Channel channel(HttpConnection connection) {
    return NettyChannels.of(connection);
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    Channel channel = ctx.channel();
    if (closing != null) {
      // already lingering (or Netty closing on EOF): done when the channel is
      channel.closeFuture().addListener(f -> promise.trySuccess());
      return;
    }
    if (!(channel instanceof DuplexChannel duplex)
        || !channel.isActive()
        || duplex.isOutputShutdown()) {
      ctx.close(promise);
      return;
    }
    closing = promise;
    bound = ctx.executor().schedule(() -> finish(ctx), boundMs, TimeUnit.MILLISECONDS);
    channel.config().setAutoRead(true);
    ctx.read();
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER)
        .addListener(
            written -> {
              if (!written.isSuccess() || !channel.isActive()) {
                finish(ctx);
                return;
              }
              duplex
                  .shutdownOutput()
                  .addListener(
                      shut -> {
                        if (!shut.isSuccess()) {
                          finish(ctx);
                        }
                      });
            });
  }

  /** Closes the channel for good (the client closed its side, or the bound passed). */
  private void finish(ChannelHandlerContext ctx) {
    if (closed) {
      return;
    }
    closed = true;
    if (bound != null) {
      bound.cancel(false);
    }
    ctx.close(closing);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing != null) {
      ReferenceCountUtil.release(msg); // lingering: read and dropped
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (closing != null) {
      if (!ctx.channel().config().isAutoRead()) {
        ctx.read();
      }
      return;
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (closing != null && evt instanceof ChannelInputShutdownEvent) {
      finish(ctx); // the client closed its side (a channel allowing half-closure)
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (closing != null) {
      LOG.debug("while lingering: {}", cause.toString());
      finish(ctx);
      return;
    }
    ctx.fireExceptionCaught(cause);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (closing != null) {
      finish(ctx); // completes the lingered close's promise
    }
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (bound != null) {
      bound.cancel(false);
    }
  }
}
