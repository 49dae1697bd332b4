package dev.tenantproxy.proxy.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.http.HttpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches the flushes of a connection into one per event-loop turn, below TLS: many HTTP/2 frames
 * written in one turn leave as one TLS record and one socket write instead of one each.
 *
 * <p>DESIGN: a pass-through request is read from the caller's connection and written to the
 * upstream connection, and its answer the other way round. Vert.x flushes a connection at once when
 * that same connection is not reading (its HTTP/2 handler defers a flush only to the end of its own
 * read batch), so with 64 requests in flight every upstream request head and every response to the
 * caller was flushed alone: a TLS record (SSL_write, AES-GCM set-up, a 29-byte record overhead) and
 * a {@code sendto} each, about a sixth of the event loop's CPU on the L2 path
 * (docs/benchmarks/lean.md). Netty's {@link FlushConsolidationHandler} between TLS and HTTP/2, with
 * {@code consolidateWhenNoReadInProgress}, turns the flushes of one turn into one, run as a task on
 * the channel's own event loop right after the turn (no timer, no added wait beyond the current
 * batch); during a read of this connection it flushes at the read's end, as before. A close or a
 * writability change flushes what is pending first.
 */
public final class FlushBatching {
  private static final Logger LOG = LoggerFactory.getLogger(FlushBatching.class);
  static final String NAME = "tenant-proxy-flush-batching";

  /** Flushes at the latest after this many consolidated flushes (Netty's default). */
  private static final int EXPLICIT_FLUSH_AFTER_FLUSHES =
      FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES;

  private FlushBatching() {}

  /**
   * Adds flush batching to {@code connection}, right after its TLS handler (or at the head of a
   * plain connection); does nothing if Vert.x does not expose the channel or it is already there.
   * Call on the connection's event loop (its connect / connection handler).
   */
  public static void install(HttpConnection connection) {
    Channel channel = LingeringClose.channel(connection);
    if (channel == null) {
      LOG.debug("no flush batching for {}", connection.getClass().getName());
      return;
    }
    ChannelPipeline pipeline = channel.pipeline();
    if (pipeline.get(NAME) != null) {
      return;
    }
    FlushConsolidationHandler handler =
        new FlushConsolidationHandler(EXPLICIT_FLUSH_AFTER_FLUSHES, true);
    ChannelHandlerContext tls = pipeline.context(SslHandler.class);
    if (tls != null) {
      pipeline.addAfter(tls.name(), NAME, handler);
    } else if (pipeline.get(LingeringClose.NAME) != null) {
      pipeline.addAfter(LingeringClose.NAME, NAME, handler);
    } else {
      pipeline.addFirst(NAME, handler);
    }
  }

  /** Whether {@code connection} batches its flushes (for tests). */
  static boolean installed(HttpConnection connection) {
    Channel channel = LingeringClose.channel(connection);
    return channel != null && channel.pipeline().get(NAME) != null;
  }
}
