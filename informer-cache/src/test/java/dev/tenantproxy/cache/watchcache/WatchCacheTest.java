package dev.tenantproxy.cache.watchcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenantproxy.filters.status.KubeStatusException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WatchCacheTest {

  static CachedObject ns(String name, long rv) {
    String json = "{\"metadata\":{\"name\":\"" + name + "\",\"resourceVersion\":\"" + rv + "\"}}";
    return new CachedObject(
        name,
        "",
        name,
        Long.toString(rv),
        Map.of(),
        Map.of("metadata.name", name),
        json.getBytes(StandardCharsets.UTF_8));
  }

  static WatchCache synced(int capacity, long listRv, CachedObject... initial) {
    WatchCache c = new WatchCache("namespaces", capacity);
    for (CachedObject o : initial) {
      c.apply(EventType.ADDED, o);
    }
    c.endRelist(listRv);
    return c;
  }

  static List<String> describe(List<WatchEvent> events) {
    return events.stream()
        .map(e -> e.type() + " " + e.object().name() + "@" + e.resourceVersion())
        .toList();
  }

  @Test
  void listReturnsCurrentObjectsSortedWithTheListResourceVersion() {
    WatchCache c = synced(10, 12, ns("b", 5), ns("a", 7));
    Listing l = c.list();
    assertThat(l.resourceVersion()).isEqualTo(12);
    assertThat(l.items()).extracting(CachedObject::name).containsExactly("a", "b");
  }

  @Test
  void initialListIsStateNotHistory() {
    WatchCache c = synced(10, 12, ns("a", 7));
    assertThat(c.since(12)).isEmpty();
    assertThat(c.historySize()).isZero();
  }

  @Test
  void sinceReturnsEventsAfterTheResourceVersionInOrder() {
    WatchCache c = synced(10, 10, ns("a", 7));
    c.apply(EventType.ADDED, ns("b", 11));
    c.apply(EventType.MODIFIED, ns("a", 12));
    c.apply(EventType.DELETED, ns("b", 13));
    assertThat(describe(c.since(10)))
        .containsExactly("ADDED b@11", "MODIFIED a@12", "DELETED b@13");
    assertThat(describe(c.since(12))).containsExactly("DELETED b@13");
    assertThat(c.list().resourceVersion()).isEqualTo(13);
    assertThat(c.keys()).containsExactly("a");
  }

  @Test
  void addedForAKnownObjectBecomesModifiedAndSameVersionIsIgnored() {
    WatchCache c = synced(10, 10, ns("a", 7));
    c.apply(EventType.ADDED, ns("a", 7));
    c.apply(EventType.ADDED, ns("a", 11));
    assertThat(describe(c.since(10))).containsExactly("MODIFIED a@11");
  }

  @Test
  void deleteOfUnknownObjectIsIgnored() {
    WatchCache c = synced(10, 10);
    c.apply(EventType.DELETED, ns("ghost", 11));
    assertThat(c.since(10)).isEmpty();
  }

  @Test
  void resourceVersionOlderThanTheRingIsTooOldWith410() {
    WatchCache c = synced(2, 10);
    c.apply(EventType.ADDED, ns("a", 11));
    c.apply(EventType.ADDED, ns("b", 12));
    c.apply(EventType.ADDED, ns("c", 13));
    assertThat(describe(c.since(11))).containsExactly("ADDED b@12", "ADDED c@13");
    assertThatThrownBy(() -> c.since(10))
        .isInstanceOfSatisfying(
            KubeStatusException.class,
            e -> {
              assertThat(e.code()).isEqualTo(410);
              assertThat(e.reason()).isEqualTo("Expired");
              assertThat(e.getMessage()).isEqualTo("too old resource version: 10 (11)");
            });
  }

  @Test
  void sinceBeforeTheFirstListIsTooOld() {
    WatchCache c = new WatchCache("namespaces", 10);
    assertThatThrownBy(() -> c.since(1)).isInstanceOf(KubeStatusException.class);
    assertThat(c.isSynced()).isFalse();
  }

  @Test
  void watchDeliversBacklogThenLiveEventsWithoutGapsOrRepeats() {
    WatchCache c = synced(10, 10);
    c.apply(EventType.ADDED, ns("a", 11));
    List<WatchEvent> got = new ArrayList<>();
    Subscription sub = c.watch(10, got::add);
    c.apply(EventType.ADDED, ns("b", 12));
    sub.close();
    c.apply(EventType.ADDED, ns("c", 13));
    assertThat(describe(got)).containsExactly("ADDED a@11", "ADDED b@12");
  }

  @Test
  void watchFromNowGetsOnlyNewEvents() {
    WatchCache c = synced(10, 10);
    c.apply(EventType.ADDED, ns("a", 11));
    List<WatchEvent> got = new ArrayList<>();
    c.watch(0, got::add);
    c.apply(EventType.ADDED, ns("b", 12));
    assertThat(describe(got)).containsExactly("ADDED b@12");
  }

  @Test
  void failingListenerIsClosedAndOthersStillReceive() {
    WatchCache c = synced(10, 10);
    List<WatchEvent> got = new ArrayList<>();
    c.watch(
        0,
        e -> {
          throw new IllegalStateException("boom");
        });
    c.watch(0, got::add);
    c.apply(EventType.ADDED, ns("a", 11));
    c.apply(EventType.ADDED, ns("b", 12));
    assertThat(got).hasSize(2);
  }

  @Test
  void relistDiffsReachLiveWatchersAndOlderResourceVersionsGetTooOld() {
    WatchCache c = synced(100, 10, ns("a", 5), ns("b", 6));
    c.apply(EventType.MODIFIED, ns("a", 20));
    List<WatchEvent> live = new ArrayList<>();
    c.watch(20, live::add);

    // informer re-lists at RV 40: "b" was deleted (final state unknown), "c" added at 30
    c.beginRelist();
    c.apply(EventType.ADDED, ns("c", 30));
    c.apply(EventType.DELETED, ns("b", 6));
    c.endRelist(40);

    assertThat(describe(live)).containsExactly("ADDED c@30", "DELETED b@30");
    assertThat(c.list().resourceVersion()).isEqualTo(40);
    assertThat(c.keys()).containsExactly("a", "c");
    assertThat(describe(c.since(20))).containsExactly("ADDED c@30", "DELETED b@30");
    assertThat(describe(c.since(30))).containsExactly("DELETED b@30");
    assertThat(c.since(40)).isEmpty();
    assertThatThrownBy(() -> c.since(19))
        .isInstanceOf(KubeStatusException.class)
        .hasMessage("too old resource version: 19 (20)");
  }

  @Test
  void inferredDeletionCarriesTheLastFullStateTheCacheKnew() {
    WatchCache c = synced(10, 10, ns("a", 7));
    CachedObject slim =
        new CachedObject("a", "", "a", "7", Map.of(), Map.of(), new byte[] {'{', '}'});
    c.apply(EventType.DELETED, slim);
    assertThat(c.since(10))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.type()).isEqualTo(EventType.DELETED);
              assertThat(new String(e.object().json(), StandardCharsets.UTF_8))
                  .contains("\"name\":\"a\"");
            });
  }

  @Test
  void nonNumericResourceVersionsParseToMinusOne() {
    assertThat(CachedObject.parseResourceVersion("abc")).isEqualTo(-1);
    assertThat(CachedObject.parseResourceVersion("")).isEqualTo(-1);
    assertThat(CachedObject.parseResourceVersion("123")).isEqualTo(123);
  }

  @Test
  void capacityMustBePositive() {
    assertThatThrownBy(() -> new WatchCache("x", 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
