package dev.tenantproxy.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.status.KubeStatusException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AsyncLimiterTest {

  @Test
  void runsAtMostTheLimitQueuesTheNextAndRefusesBeyondTheQueueWith429() {
    AsyncLimiter limiter = new AsyncLimiter(2, 1, "token reviews");
    List<Promise<String>> started = new ArrayList<>();
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      results.add(
          limiter.submit(
              () -> {
                Promise<String> p = Promise.promise();
                started.add(p);
                return p.future();
              }));
    }

    assertThat(started).hasSize(2);
    assertThat(limiter.inFlight()).isEqualTo(2);
    assertThat(limiter.queued()).isEqualTo(1);
    assertThat(results.get(3).failed()).isTrue();
    assertThat(results.get(3).cause())
        .isInstanceOfSatisfying(
            KubeStatusException.class, e -> assertThat(e.code()).isEqualTo(429));

    started.get(0).complete("a");
    assertThat(results.get(0).result()).isEqualTo("a");
    assertThat(started).hasSize(3); // the queued one started in the freed slot
    assertThat(limiter.queued()).isZero();

    started.get(1).fail("upstream down");
    started.get(2).complete("c");
    assertThat(results.get(1).failed()).isTrue();
    assertThat(results.get(2).result()).isEqualTo("c");
    assertThat(limiter.inFlight()).isZero();
  }

  @Test
  void aTaskThatThrowsFreesItsSlot() {
    AsyncLimiter limiter = new AsyncLimiter(1, 0, "token reviews");

    Future<String> f =
        limiter.submit(
            () -> {
              throw new IllegalStateException("boom");
            });

    assertThat(f.failed()).isTrue();
    assertThat(limiter.inFlight()).isZero();
    assertThat(limiter.submit(() -> Future.succeededFuture("ok")).result()).isEqualTo("ok");
  }
}
