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
      assertThat(BlockedThreadWarnings.blockedMillis(BlockedThreadWarnings.since(mark).get(0)))
          .isGreaterThanOrEqualTo(2_000);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      // the block was on purpose: without this, the guard would (rightly) fail this test
      BlockedThreadWarnings.discardSince(mark);
    }
  }

  @Test
  void aTestWithoutBlockedThreadsPasses() {
    BlockedThreadWarnings.install();
    long mark = BlockedThreadWarnings.count();
    BlockedEventLoopGuard.check(mark, "this test");
    assertThat(BlockedThreadWarnings.since(mark)).isEmpty();
  }
}
