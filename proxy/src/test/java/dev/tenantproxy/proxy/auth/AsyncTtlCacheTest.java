package dev.tenantproxy.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AsyncTtlCacheTest {
  private final AtomicLong now = new AtomicLong();
  private final List<AsyncTtlCache.Outcome> outcomes = new ArrayList<>();

  @Test
  void positiveAndNegativeAnswersExpireAfterTheirOwnTtl() {
    AsyncTtlCache<String, Boolean> cache =
        new AsyncTtlCache<>(10, ok -> ok ? 30_000 : 5_000, now::get);
    AtomicInteger loads = new AtomicInteger();

    cache.get("good", k -> load(loads, true), outcomes::add);
    cache.get("bad", k -> load(loads, false), outcomes::add);
    now.set(4_999);
    cache.get("bad", k -> load(loads, false), outcomes::add);
    now.set(5_000);
    cache.get("bad", k -> load(loads, false), outcomes::add);
    cache.get("good", k -> load(loads, true), outcomes::add);

    assertThat(loads.get()).isEqualTo(3);
    assertThat(outcomes)
        .containsExactly(
            AsyncTtlCache.Outcome.MISS,
            AsyncTtlCache.Outcome.MISS,
            AsyncTtlCache.Outcome.HIT,
            AsyncTtlCache.Outcome.MISS,
            AsyncTtlCache.Outcome.HIT);
  }

  @Test
  void concurrentLookupsShareOneLoadAndFailuresAreNotCached() {
    AsyncTtlCache<String, Boolean> cache = new AsyncTtlCache<>(10, ok -> 1_000, now::get);
    Promise<Boolean> slow = Promise.promise();
    AtomicInteger loads = new AtomicInteger();

    Future<Boolean> a =
        cache.get(
            "k",
            k -> {
              loads.incrementAndGet();
              return slow.future();
            },
            outcomes::add);
    Future<Boolean> b =
        cache.get(
            "k",
            k -> {
              loads.incrementAndGet();
              return slow.future();
            },
            outcomes::add);
    slow.fail("upstream down");
    cache.get("k", k -> load(loads, true), outcomes::add);

    assertThat(a.failed()).isTrue();
    assertThat(b.failed()).isTrue();
    assertThat(loads.get()).isEqualTo(2);
    assertThat(outcomes)
        .containsExactly(
            AsyncTtlCache.Outcome.MISS,
            AsyncTtlCache.Outcome.COALESCED,
            AsyncTtlCache.Outcome.MISS);
  }

  @Test
  void sizeIsBounded() {
    AsyncTtlCache<Integer, Boolean> cache = new AsyncTtlCache<>(100, ok -> 1_000_000, now::get);
    AtomicInteger loads = new AtomicInteger();

    for (int i = 0; i < 1_000; i++) {
      cache.get(i, k -> load(loads, true), outcomes::add);
    }

    assertThat(cache.size()).isLessThanOrEqualTo(100);
  }

  private static Future<Boolean> load(AtomicInteger loads, boolean value) {
    loads.incrementAndGet();
    return Future.succeededFuture(value);
  }
}
