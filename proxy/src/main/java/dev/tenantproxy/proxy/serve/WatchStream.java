package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.filters.render.Renderer;
import dev.tenantproxy.filters.status.KubeStatusException;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP side of one served watch, confined to the request's Vert.x context: renders each message
 * the hub hands over as one JSON line, writes it (one chunk each, flushed), and keeps a bounded
 * buffer for when the client does not read: when more than {@code maxBuffered} events are waiting
 * (queued to the context or held back by a full write queue), or the rendered events held back go
 * above what {@link WatchMemory} allows (per watch, and for all watches together), the watch ends
 * with an ERROR 410 event and the client re-lists (the byte bounds keep the heap bounded when
 * objects are large).
 */
final class WatchStream implements WatchHub.Sink, WatchMemory.Holder {
  private final Context context;
  private final WatchOutput response;
  private final Renderer renderer;
  private final Clock clock;
  private final int maxBuffered;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicBoolean overflowed = new AtomicBoolean();
  private final ArrayDeque<Buffer> pending = new ArrayDeque<>();
  private volatile long pendingBytes;
  private final WatchMemory memory;
  private final AtomicBoolean evicted = new AtomicBoolean();
  private final Runnable onEnd;
  private boolean columnsSent;
  private boolean ended;

  WatchStream(
      Context context,
      WatchOutput response,
      Renderer renderer,
      Clock clock,
      int maxBuffered,
      WatchMemory memory,
      Runnable onEnd) {
    this.memory = memory;
    this.context = context;
    this.response = response;
    this.renderer = renderer;
    this.clock = clock;
    this.maxBuffered = maxBuffered;
    this.onEnd = onEnd;
    response.drainHandler(v -> drain());
  }

  /** Hub thread: hand over to the watch's context, or give up on a client that does not read. */
  @Override
  public void deliver(List<WatchMessage> messages) {
    if (overflowed.get()) {
      return;
    }
    int n = inFlight.addAndGet(messages.size());
    if (n > maxBuffered) {
      overflowed.set(true);
      context.runOnContext(v -> overflow());
      return;
    }
    context.runOnContext(
        v -> {
          inFlight.addAndGet(-messages.size());
          for (WatchMessage m : messages) {
            if (ended) {
              return;
            }
            write(m);
          }
        });
  }

  private void write(WatchMessage m) {
    if (m instanceof WatchMessage.Event e) {
      boolean withColumns = !columnsSent;
      columnsSent = true;
      enqueue(renderer.event(e.type(), e.object().json(), withColumns, clock.instant()));
    } else if (m instanceof WatchMessage.Bookmark b) {
      enqueue(renderer.bookmark(Long.toString(b.resourceVersion()), b.initialEventsEnd()));
    } else if (m instanceof WatchMessage.Error err) {
      enqueue(WatchMessage.errorLine(err.status()));
      end();
    }
  }

  private void enqueue(byte[] line) {
    Buffer b = Buffer.buffer(line);
    if (pending.isEmpty() && !response.writeQueueFull()) {
      response.write(b);
      return;
    }
    pending.add(b);
    pendingBytes += b.length();
    memory.add(this, b.length());
    if (pending.size() + inFlight.get() > maxBuffered || pendingBytes > memory.perWatch()) {
      overflow();
    }
  }

  private void drain() {
    long written = 0;
    while (!pending.isEmpty() && !response.writeQueueFull()) {
      Buffer b = pending.poll();
      written += b.length();
      response.write(b);
    }
    release(written);
  }

  /** Forget {@code bytes} that left {@link #pending} (written or dropped). */
  private void release(long bytes) {
    pendingBytes -= bytes;
    memory.release(this, bytes, pending.isEmpty());
  }

  @Override
  public long heldBytes() {
    return pendingBytes;
  }

  /** The process's watch memory is exhausted and this watch holds the most: end it. */
  @Override
  public void evict() {
    if (evicted.compareAndSet(false, true)) {
      context.runOnContext(v -> overflow());
    }
  }

  /** Ends the watch with ERROR 410: the client did not keep up and must re-list. */
  void overflow() {
    if (ended) {
      return;
    }
    dropPending();
    response.write(
        Buffer.buffer(
            WatchMessage.errorLine(
                KubeStatusException.expired(
                    "too old resource version: the watch fell more than "
                        + maxBuffered
                        + " events behind and was closed; re-list"))));
    end();
  }

  /** Ends the watch cleanly (timeoutSeconds, shutdown): what was buffered is still sent. */
  void end() {
    if (ended) {
      return;
    }
    ended = true;
    onEnd.run();
    Buffer rest = Buffer.buffer();
    pending.forEach(rest::appendBuffer);
    dropPending();
    response.end(rest);
  }

  /** The client went away: stop without writing. */
  void closed() {
    if (!ended) {
      ended = true;
      dropPending();
      onEnd.run();
    }
  }

  private void dropPending() {
    pending.clear();
    release(pendingBytes);
  }

  Context context() {
    return context;
  }

  boolean ended() {
    return ended;
  }
}
