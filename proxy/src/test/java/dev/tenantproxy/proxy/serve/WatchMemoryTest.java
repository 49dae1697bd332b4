package dev.tenantproxy.proxy.serve;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WatchMemoryTest {
  /** A watch as the budget sees it: what it holds, and whether it was told to end. */
  private static final class FakeWatch implements WatchMemory.Holder {
    long held;
    int evictions;

    @Override
    public long heldBytes() {
      return held;
    }

    @Override
    public void evict() {
      evictions++;
    }

    void hold(WatchMemory memory, long bytes) {
      held += bytes;
      memory.add(this, bytes);
    }
  }

  @Test
  void theDefaultHeapGivesAThirtyTwoMebibyteBudgetAndEightPerWatch() {
    WatchMemory memory = WatchMemory.forHeap(128L << 20);
    assertThat(memory.budget()).isEqualTo(32L << 20);
    assertThat(memory.perWatch()).isEqualTo(8L << 20);
    WatchMemory tiny = WatchMemory.forHeap(8L << 20);
    assertThat(tiny.budget()).isEqualTo(4L << 20);
    assertThat(tiny.perWatch()).isEqualTo(1L << 20);
  }

  @Test
  void underTheBudgetNoWatchIsEnded() {
    WatchMemory memory = new WatchMemory(100, 50);
    FakeWatch a = new FakeWatch();
    FakeWatch b = new FakeWatch();
    a.hold(memory, 50);
    b.hold(memory, 50);
    assertThat(memory.held()).isEqualTo(100);
    assertThat(a.evictions + b.evictions).isZero();
  }

  @Test
  void aboveTheBudgetTheWatchHoldingTheMostIsEndedNotTheOneThatAddedTheLine() {
    WatchMemory memory = new WatchMemory(100, 100);
    FakeWatch stalled = new FakeWatch();
    FakeWatch brieflyBehind = new FakeWatch();
    stalled.hold(memory, 90);
    brieflyBehind.hold(memory, 20);
    assertThat(stalled.evictions).isEqualTo(1);
    assertThat(brieflyBehind.evictions).isZero();
  }

  @Test
  void theWatchThatAddsIsEndedWhenItHoldsTheMost() {
    WatchMemory memory = new WatchMemory(100, 100);
    FakeWatch small = new FakeWatch();
    FakeWatch big = new FakeWatch();
    small.hold(memory, 10);
    big.hold(memory, 95);
    assertThat(big.evictions).isEqualTo(1);
    assertThat(small.evictions).isZero();
  }

  @Test
  void releasedBytesMakeRoomAgain() {
    WatchMemory memory = new WatchMemory(100, 100);
    FakeWatch a = new FakeWatch();
    FakeWatch b = new FakeWatch();
    a.hold(memory, 80);
    a.held = 0;
    memory.release(a, 80, true);
    b.hold(memory, 90);
    assertThat(memory.held()).isEqualTo(90);
    assertThat(a.evictions + b.evictions).isZero();
  }
}
