package dev.tenantproxy.proxy.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.MessageSizeEstimator;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.http.HttpConnection;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches the flushes of a connection: every flush asked for during one run of its event loop
 * leaves as one, in a task the flush itself puts on that event loop.
 *
 * <p>DESIGN (why): a pass-through request is read from the caller's connection and written to an
 * upstream connection, and its answer the other way round. Vert.x flushes a connection at once
 * whenever that same connection is not reading, which on the pass-through is nearly always: each
 * upstream request head and each response frame to the caller was flushed alone, a TLS record and a
 * {@code sendto} each (docs/benchmarks/lean.md, fourth pass). Placed between the HTTP/2 codec and
 * the {@link SslHandler}, the frames of one turn are wrapped together (TLS aggregates pending
 * writes into records of up to 16 KiB) and leave in one socket write.
 *
 * <p>DESIGN (why it cannot stall waiting): the first {@link #flush} after the last real flush sets
 * {@code pending} and submits one task to the channel's own event loop; that task flushes, whatever
 * else is true of the connection. Nothing here waits for read state, handshakes or any other event:
 * the task is queued by the flush itself, so a flush is never postponed past the task, and an event
 * loop runs every task it was given (a task submitted from the loop runs after the current I/O
 * batch or task, in order; Netty runs pending tasks even while shutting down; if it refuses the
 * task, the flush goes out at once). A flush is therefore held at most until the event loop has
 * finished what it is doing now, never until some other event arrives. This is the difference to
 * Netty's {@code FlushConsolidationHandler}, which during a read (a {@code channelRead} seen, its
 * {@code channelReadComplete} not yet) holds flushes until that {@code channelReadComplete}, and
 * whose task also skips the flush while it believes a read is in progress: {@code SslHandler} can
 * deliver the data that arrives with the end of a handshake as a later {@code channelRead} without
 * a {@code channelReadComplete} after it, and on a connection where the proxy speaks next nothing
 * was ever sent again (ShutdownIT, commit fea481e). A close, a disconnect and the removal of the
 * handler flush what is pending at once.
 *
 * <p>DESIGN (writability: why no HTTP/2 stream is left asleep): Netty's HTTP/2 flow controller
 * wakes a stream only when it sees the channel's writability change ({@code
 * DefaultHttp2RemoteFlowController.ListenerWritabilityMonitor}): on "writable" it records the
 * connection as writable once and walks the streams; each stream woken writes (Vert.x flushes each
 * write), and a sleeping stream visited while the channel is not writable stays asleep until the
 * flow controller is told of the next change. The bytes {@link SslHandler} keeps for a flush count
 * toward the channel's writability, but the event for a water mark they cross is fired later, as a
 * task ({@code PendingBytesTracker}). When every flush of a turn was held, a burst of woken streams
 * piled up there, the channel turned unwritable in the middle of the walk and the rest of the walk
 * left its streams asleep; the held flush then emptied the channel before the late event ran (and
 * this handler flushed before passing that event on), so the flow controller saw "writable, as
 * recorded" and never woke them: ShutdownIT, 157 of 1,000 watches without their first event
 * (FlushBatchingWakeupTest). Hence: a flush is passed on at once when the channel is not writable
 * or {@link #FLUSH_AT_ONCE_BYTES} were written since the last real flush, so a crossing reaches the
 * channel's outbound buffer in the same flush as without batching, and what is held (while the
 * channel is writable) stays below half the low-water mark; and a writability event is passed on
 * before what is pending is flushed, so HTTP/2 hears of an unwritable state before a flush can end
 * it. That alone leaves what Netty does without batching: the late event also loses streams when
 * the walk runs inside a socket write (the channel turned writable as the socket took data) and
 * that same write then takes everything, the walk's data included (FlushBatchingWakeupTest shows it
 * without batching). So a flush that finds the channel unwritable while the handlers after this one
 * were last told "writable" also tells them at once, before it flushes (Netty's late event then
 * repeats the state; HTTP/2 and Vert.x compare with what they recorded and do nothing). Every
 * crossing by bytes that pass through here is thus told no later than the flush that follows them;
 * what remains is a crossing by writes that are not flushed (Vert.x flushes a connection it is
 * reading only at the read's end), told at that flush or by Netty's event, as without batching.
 */
public final class FlushBatching extends ChannelDuplexHandler {
  private static final Logger LOG = LoggerFactory.getLogger(FlushBatching.class);
  static final String NAME = "tenant-proxy-flush-batching";

  /**
   * A flush is passed on at once when this many bytes were written since the last real flush: one
   * TLS record's worth ({@link SslHandler} wraps at most 16 KiB of plaintext into a record, so a
   * longer batch saves nothing), and half of the channel's default low-water mark (32 KiB).
   */
  static final int FLUSH_AT_ONCE_BYTES = 16 * 1024;

  // touched only on the channel's event loop
  private ChannelHandlerContext ctx;
  private MessageSizeEstimator.Handle sizes;
  private long written; // bytes written through here since the last real flush
  private boolean pending; // a flush was asked for and has not been passed on yet
  private boolean scheduled; // the task is on the event loop's queue and has not run yet
  private boolean toldWritable = true; // what the handlers after this one last heard
  private final Runnable flushTask =
      () -> {
        scheduled = false;
        flushPending();
      };

  FlushBatching() {}

  /**
   * Adds flush batching to {@code connection}, between its TLS handler and the HTTP codec (at the
   * head, after a lingering close, on a plain connection); does nothing if Vert.x does not expose
   * the channel or it is already there. Call on the connection's event loop (its connect /
   * connection handler).
   */
  public static void install(HttpConnection connection) {
    Channel channel = LingeringClose.channel(connection);
    if (channel == null) {
      LOG.debug("no flush batching for {}", connection.getClass().getName());
      return;
    }
    install(channel.pipeline());
  }

  static void install(ChannelPipeline pipeline) {
    if (pipeline.get(NAME) != null) {
      return;
    }
    ChannelHandlerContext tls = pipeline.context(SslHandler.class);
    if (tls != null) {
      pipeline.addAfter(tls.name(), NAME, new FlushBatching());
    } else if (pipeline.get(LingeringClose.NAME) != null) {
      pipeline.addAfter(LingeringClose.NAME, NAME, new FlushBatching());
    } else {
      pipeline.addFirst(NAME, new FlushBatching());
    }
  }

  /** Whether {@code connection} batches its flushes (for tests). */
  static boolean installed(HttpConnection connection) {
    Channel channel = LingeringClose.channel(connection);
    return channel != null && channel.pipeline().get(NAME) != null;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.sizes = ctx.channel().config().getMessageSizeEstimator().newHandle();
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    written += sizes.size(msg);
    ctx.write(msg, promise);
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    pending = true;
    if (!ctx.channel().isWritable() && toldWritable) {
      // unwritable, and the handlers after this one do not know yet: Netty's own event for a mark
      // crossed by SslHandler's pending bytes comes later (see the class), so tell them now
      toldWritable = false;
      ctx.fireChannelWritabilityChanged();
    }
    if (written >= FLUSH_AT_ONCE_BYTES || !ctx.channel().isWritable()) {
      // what was written must reach the channel's outbound buffer now (see the class: stalls)
      flushPending();
      return;
    }
    if (!scheduled) {
      scheduled = true;
      try {
        ctx.channel().eventLoop().execute(flushTask);
      } catch (RejectedExecutionException e) {
        // the event loop is shutting down and takes no more tasks: flush now rather than never
        scheduled = false;
        flushPending();
      }
    }
  }

  /** The one real flush for every flush asked for since the last one. */
  private void flushPending() {
    if (pending) {
      pending = false;
      written = 0;
      ctx.flush();
    }
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    flushPending();
    ctx.close(promise);
  }

  @Override
  public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
    flushPending();
    ctx.disconnect(promise);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // HTTP/2 hears of the state first: a flush before could end an unwritable state it never saw
    toldWritable = ctx.channel().isWritable();
    ctx.fireChannelWritabilityChanged();
    if (!ctx.channel().isWritable()) {
      flushPending();
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    flushPending();
  }
}
