package dev.tenantproxy.testsupport;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Every blocked-thread warning that any Vert.x instance of this JVM has logged: the product's own
 * (the proxy started by a test, exactly as users run it), the tests' and fabric8's. Vert.x's
 * checker logs them as WARN on the logger {@value #LOGGER} (through SLF4J, so through logback); an
 * appender attached once to that logger collects them here.
 */
public final class BlockedThreadWarnings {
  /** The logger Vert.x's {@code BlockedThreadChecker} writes to. */
  public static final String LOGGER = "io.vertx.core.impl.BlockedThreadChecker";

  private static final int KEPT = 50;
  private static final Object LOCK = new Object();
  private static final List<Warning> recent = new ArrayList<>();
  private static long total;
  private static boolean installed;

  private BlockedThreadWarnings() {}

  /** Attaches the collecting appender (once per JVM). */
  public static void install() {
    synchronized (LOCK) {
      if (installed) {
        return;
      }
      installed = true;
    }
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      throw new IllegalStateException(
          "the blocked-event-loop guard needs logback as the SLF4J backend, found "
              + LoggerFactory.getILoggerFactory().getClass().getName());
    }
    Logger logger = context.getLogger(LOGGER);
    if (logger.getLevel() != null && !logger.isWarnEnabled()) {
      logger.setLevel(ch.qos.logback.classic.Level.WARN);
    }
    AppenderBase<ILoggingEvent> appender =
        new AppenderBase<>() {
          @Override
          protected void append(ILoggingEvent event) {
            record(
                event.getThreadName(),
                event.getFormattedMessage(),
                loadPerCore(),
                blockingFrame(event.getThrowableProxy()));
          }
        };
    appender.setName("tenant-proxy-blocked-event-loop-guard");
    appender.setContext(context);
    appender.start();
    logger.addAppender(appender);
  }

  /**
   * One report of Vert.x's checker, with what the guard needs to tell a blocking call from a thread
   * that was merely not given a core.
   *
   * @param loadPerCore the machine's one-minute load average per core when it was logged
   * @param blockingFrame the top frame of the blocked thread's stack when it is a blocking call
   *     (sleep, park, wait), else null; Vert.x attaches the stack once a block passes its warning
   *     exception time (5 s by default)
   */
  public record Warning(String thread, String message, double loadPerCore, String blockingFrame) {
    public long blockedMillis() {
      return BlockedThreadWarnings.blockedMillis(message);
    }

    @Override
    public String toString() {
      return "["
          + thread
          + "] "
          + message
          + String.format(java.util.Locale.ROOT, " (load %.1f per core", loadPerCore)
          + (blockingFrame == null ? ")" : "; blocking call " + blockingFrame + ")");
    }
  }

  private static final List<String> BLOCKING_CALLS =
      List.of(
          "java.lang.Thread.sleep",
          "java.lang.Object.wait",
          "jdk.internal.misc.Unsafe.park",
          "java.util.concurrent.locks.LockSupport.park");

  /** The top frame when the stack shows a thread waiting in a blocking call, else null. */
  static String blockingFrame(ch.qos.logback.classic.spi.IThrowableProxy proxy) {
    if (proxy == null || proxy.getStackTraceElementProxyArray() == null) {
      return null;
    }
    var frames = proxy.getStackTraceElementProxyArray();
    for (int i = 0; i < Math.min(3, frames.length); i++) {
      StackTraceElement e = frames[i].getStackTraceElement();
      String method = e.getClassName() + "." + e.getMethodName();
      for (String call : BLOCKING_CALLS) {
        if (method.startsWith(call)) {
          return method;
        }
      }
    }
    return null;
  }

  /** The one-minute load average per core (0 where the platform does not report one). */
  static double loadPerCore() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    double load = os.getSystemLoadAverage();
    return load < 0 ? 0 : load / Math.max(1, os.getAvailableProcessors());
  }

  static void record(String thread, String message, double loadPerCore, String blockingFrame) {
    synchronized (LOCK) {
      total++;
      if (recent.size() == KEPT) {
        recent.remove(0);
      }
      recent.add(new Warning(thread, message, loadPerCore, blockingFrame));
    }
  }

  /** How many warnings were logged so far (a mark for {@link #since}). */
  public static long count() {
    synchronized (LOCK) {
      return total;
    }
  }

  /**
   * Forgets the warnings logged after {@code mark}: for the guard's own test, which blocks an event
   * loop on purpose.
   */
  static void discardSince(long mark) {
    synchronized (LOCK) {
      long n = Math.min(total - mark, recent.size());
      for (long i = 0; i < n; i++) {
        recent.remove(recent.size() - 1);
      }
      total = Math.min(total, mark);
    }
  }

  private static final java.util.regex.Pattern BLOCKED_FOR =
      java.util.regex.Pattern.compile("has been blocked for (\\d+) ms");

  /** How long the warning says its thread has been blocked, in ms (0 when it does not say). */
  public static long blockedMillis(String warning) {
    java.util.regex.Matcher m = BLOCKED_FOR.matcher(warning);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  /** The warnings logged after {@code mark} (at most the last {@value #KEPT}). */
  public static List<Warning> since(long mark) {
    synchronized (LOCK) {
      long n = Math.min(total - mark, recent.size());
      return n <= 0
          ? List.of()
          : List.copyOf(recent.subList(recent.size() - (int) n, recent.size()));
    }
  }
}
