package dev.tenantproxy.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BlockedEventLoopGuardTest {

  @Test
  void anEventLoopBlockedLongerThanTheLimitIsReportedAndFailsTheTestThatBlockedIt()
      throws Exception {
    BlockedThreadWarnings.install();
    long mark = BlockedThreadWarnings.count();
    Vertx vertx = TestVertx.create();
    try {
      vertx.runOnContext(
          v -> {
            try {
              Thread.sleep(2_600); // deliberately blocks the event loop past the 2 s limit
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      await().atMost(Duration.ofSeconds(30)).until(() -> BlockedThreadWarnings.count() > mark);

      assertThat(BlockedThreadWarnings.since(mark))
          .first()
          .asString()
          .contains("vert.x-eventloop-thread")
          .contains("has been blocked");
      // a block as long as the failing threshold fails the test; a shorter one is only reported
      assertThatThrownBy(() -> BlockedEventLoopGuard.check(mark, "this test", 2_000))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("during this test");
      BlockedEventLoopGuard.check(mark, "this test", 60_000);
      assertThat(BlockedThreadWarnings.since(mark).get(0).blockedMillis())
          .isGreaterThanOrEqualTo(2_000);
      assertThat(BlockedThreadWarnings.since(mark).get(0).blockingFrame())
          .as("the sleep is recognised as a blocking call from the captured stack")
          .startsWith("java.lang.Thread.sleep");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      // the block was on purpose: without this, the guard would (rightly) fail this test
      BlockedThreadWarnings.discardSince(mark);
    }
  }

  @Test
  void aBlockingCallFailsAtTheLimitHoweverLoadedTheMachineIs() {
    var sleeping =
        new BlockedThreadWarnings.Warning(
            "vert.x-eventloop-thread-0",
            "Thread vert.x-eventloop-thread-0 has been blocked for 5200 ms",
            11.0,
            "java.lang.Thread.sleep");
    assertThat(BlockedEventLoopGuard.limit(sleeping, 5_000)).isEqualTo(5_000);
  }

  @Test
  void aThreadWaitingForACoreGetsALimitThatGrowsWithTheRunQueueUpToAMinute() {
    assertThat(BlockedEventLoopGuard.limit(starved(0.4), 5_000)).isEqualTo(5_000);
    assertThat(BlockedEventLoopGuard.limit(starved(2.0), 5_000)).isEqualTo(5_000);
    assertThat(BlockedEventLoopGuard.limit(starved(11.0), 5_000)).isEqualTo(27_500);
    assertThat(BlockedEventLoopGuard.limit(starved(100.0), 5_000)).isEqualTo(60_000);
  }

  private static BlockedThreadWarnings.Warning starved(double loadPerCore) {
    return new BlockedThreadWarnings.Warning(
        "vert.x-eventloop-thread-0",
        "Thread vert.x-eventloop-thread-0 has been blocked for 6857 ms",
        loadPerCore,
        null);
  }

  @Test
  void aTestWithoutBlockedThreadsPasses() {
    BlockedThreadWarnings.install();
    long mark = BlockedThreadWarnings.count();
    BlockedEventLoopGuard.check(mark, "this test");
    assertThat(BlockedThreadWarnings.since(mark)).isEmpty();
  }
}
