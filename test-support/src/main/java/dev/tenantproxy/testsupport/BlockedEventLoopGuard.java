package dev.tenantproxy.testsupport;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when a Vert.x event loop (or worker) was reported blocked while it ran: architecture
 * invariant 7, "the event loop never blocks", checked in every test JVM of the project.
 *
 * <p>Registered for every test class through {@code ServiceLoader} (this module's {@code
 * META-INF/services}; the parent pom turns JUnit's extension auto-detection on for Surefire and
 * Failsafe). A warning is charged to the test during which it was logged; one logged between tests
 * (a block found by the checker's next tick) fails the class at its end. The limit is the one of
 * the Vert.x instance that blocked: {@link TestVertx#create()} for tests (a check every 100 ms, 2 s
 * per task), Vert.x's defaults (1 s, 2 s) for the proxy as users run it.
 *
 * <p>A test fails when one block lasted {@value #FAIL_MILLIS} ms or more (system property {@code
 * tenantproxy.blockedEventLoopFailMillis}). Shorter reports are printed, not failed: on a 2-core
 * machine with both cores busy, a task that legitimately needs half a second of CPU (a cold TLS
 * stack's first handshake, say) can take two seconds of wall time, while a real blocking call (a
 * wait on I/O or on a future) blocks far longer.
 *
 * <p>DESIGN: the checker measures wall time, so on an overloaded machine a thread that is runnable
 * but waits for a core looks blocked too (seen: 6.9 s inside Netty's TLS flush with the load
 * average at 11 per core). The limit therefore grows with the machine's run queue: {@code limit *
 * max(1, load per core / 2)}, at most a minute; a block whose captured stack shows a blocking call
 * (sleep, park, wait) fails at the plain limit whatever the load. A loop that never returns still
 * fails, only later.
 */
public final class BlockedEventLoopGuard
    implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
  static final long FAIL_MILLIS = 5_000;
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(BlockedEventLoopGuard.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    BlockedThreadWarnings.install();
    context.getStore(NS).put("class", BlockedThreadWarnings.count());
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getStore(NS).put("test", BlockedThreadWarnings.count());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      check(context.getStore(NS).get("test", Long.class), context.getDisplayName());
    } finally {
      // what a test was charged with is not charged to its class again
      context
          .getParent()
          .ifPresent(p -> p.getStore(NS).put("class", BlockedThreadWarnings.count()));
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    check(context.getStore(NS).get("class", Long.class), context.getDisplayName());
  }

  static void check(Long mark, String where) {
    check(mark, where, Long.getLong("tenantproxy.blockedEventLoopFailMillis", FAIL_MILLIS));
  }

  /** The fail limit for {@code w}: see the DESIGN note. */
  static long limit(BlockedThreadWarnings.Warning w, long failMillis) {
    if (w.blockingFrame() != null) {
      return failMillis;
    }
    double factor = Math.max(1, w.loadPerCore() / 2);
    return Math.min(Math.max(failMillis, 60_000), (long) (failMillis * factor));
  }

  static void check(Long mark, String where, long failMillis) {
    if (mark == null || Boolean.getBoolean("tenantproxy.allowBlockedEventLoops")) {
      return;
    }
    List<BlockedThreadWarnings.Warning> warnings = BlockedThreadWarnings.since(mark);
    if (warnings.isEmpty()) {
      return;
    }
    String report =
        String.join(
            "\n  ", warnings.stream().map(BlockedThreadWarnings.Warning::toString).toList());
    BlockedThreadWarnings.Warning failing =
        warnings.stream()
            .filter(w -> w.blockedMillis() >= limit(w, failMillis))
            .findFirst()
            .orElse(null);
    if (failing != null) {
      throw new AssertionError(
          "a Vert.x thread was blocked for "
              + failing.blockedMillis()
              + " ms during "
              + where
              + " (architecture invariant 7):\n  "
              + report);
    }
    System.err.println(
        "[blocked-event-loop guard] short block during " + where + " (not failed):\n  " + report);
  }
}
