package dev.tenantproxy.proxy.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The proxy's log appender (root logger, {@code logback.xml}): events are queued by the logging
 * thread (an event loop, for the audit line of every request) and written to stdout by one writer
 * thread, in batches: one {@code write} per batch instead of one per line, and no wake-up of the
 * writer per event while it is busy. Like logback's {@code AsyncAppender} with {@code
 * neverBlock=true}, which it replaces: a logging thread never waits, and when {@code queueSize}
 * events are already waiting, an event is dropped (counted, and reported in the stream by the
 * writer). Order is kept (one queue, one writer).
 *
 * <p>DESIGN: the writer, when it finds the queue empty, polls again after {@code maxDelayMillis} (a
 * line waits at most about that long under load); after 50 empty polls in a row it parks until a
 * logging thread unparks it ({@code sleeping} flag, checked after the event is queued, so that a
 * queued event is never left behind a sleeping writer). Busy, the logging threads never unpark it.
 * {@link #stop()} writes what is queued (up to 1 s, as logback's {@code maxFlushTime}).
 */
public final class BatchingConsoleAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  private static final int IDLE_POLLS_BEFORE_SLEEP = 50;
  private static final int MAX_BATCH = 1024;

  private Encoder<ILoggingEvent> encoder;
  private int queueSize = 8192;
  private long maxDelayMillis = 5;
  private PrintStream out;

  private ArrayBlockingQueue<ILoggingEvent> queue;
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean sleeping;
  private volatile boolean stopping;
  private Thread writer;

  public void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  public void setQueueSize(int queueSize) {
    this.queueSize = queueSize;
  }

  public void setMaxDelayMillis(long maxDelayMillis) {
    this.maxDelayMillis = maxDelayMillis;
  }

  /** Where the lines go (tests); stdout when not set. */
  void setOutput(PrintStream out) {
    this.out = out;
  }

  /**
   * Stops logback's context, so that this appender writes every line still queued (up to 1 s):
   * called last by a shutdown hook, before the JVM halts and the (daemon) writer with it.
   */
  public static void stopLogging() {
    if (org.slf4j.LoggerFactory.getILoggerFactory()
        instanceof ch.qos.logback.classic.LoggerContext context) {
      context.stop();
    }
  }

  /** Whether the writer sleeps until the next event (tests). */
  boolean sleeping() {
    return sleeping;
  }

  /** Events dropped because the queue was full, since start. */
  public long dropped() {
    return dropped.get();
  }

  @Override
  public void start() {
    if (encoder == null) {
      addError("no encoder for appender " + name);
      return;
    }
    if (queueSize < 1 || maxDelayMillis < 1) {
      addError("queueSize and maxDelayMillis must be positive for appender " + name);
      return;
    }
    if (out == null) {
      out = System.out;
    }
    queue = new ArrayBlockingQueue<>(queueSize);
    stopping = false;
    writer = new Thread(this::writeLoop, "log-writer-" + name);
    writer.setDaemon(true);
    super.start();
    writer.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (stopping) {
      return;
    }
    // thread name, MDC and formatted message are taken now, on the logging thread
    event.prepareForDeferredProcessing();
    if (!queue.offer(event)) {
      dropped.incrementAndGet();
      return;
    }
    if (sleeping) {
      LockSupport.unpark(writer);
    }
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    stopping = true;
    LockSupport.unpark(writer);
    try {
      writer.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    super.stop();
  }

  private void writeLoop() {
    List<ILoggingEvent> batch = new ArrayList<>(MAX_BATCH);
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 * 1024);
    long reported = 0;
    int idle = 0;
    while (true) {
      queue.drainTo(batch, MAX_BATCH);
      long lost = dropped.get();
      if (batch.isEmpty() && lost == reported) {
        if (stopping) {
          return;
        }
        if (++idle < IDLE_POLLS_BEFORE_SLEEP) {
          LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(maxDelayMillis));
        } else {
          sleeping = true;
          if (queue.isEmpty() && !stopping) {
            LockSupport.parkNanos(this, TimeUnit.SECONDS.toNanos(1));
          }
          sleeping = false;
        }
        continue;
      }
      idle = 0;
      for (ILoggingEvent e : batch) {
        try {
          buffer.writeBytes(encoder.encode(e));
        } catch (RuntimeException failure) {
          addError("cannot encode a log event", failure);
        }
      }
      if (lost != reported) {
        buffer.writeBytes(
            ("tenant-proxy: log queue full ("
                    + queueSize
                    + "): "
                    + (lost - reported)
                    + " log lines dropped\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        reported = lost;
      }
      try {
        buffer.writeTo(out);
      } catch (IOException impossible) {
        addError("cannot write log lines", impossible); // PrintStream does not throw
      }
      out.flush();
      buffer.reset();
      batch.clear();
    }
  }
}
