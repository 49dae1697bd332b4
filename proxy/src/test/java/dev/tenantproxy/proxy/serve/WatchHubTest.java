package dev.tenantproxy.proxy.serve;

import static dev.tenantproxy.proxy.serve.Fleet.ALICE;
import static dev.tenantproxy.proxy.serve.Fleet.BOB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.tenancy.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hub on the calling thread (a direct executor), fed by hand as the index would feed it. */
class WatchHubTest {
  private final Fleet fleet = Fleet.standard();
  private final WatchHub hub = new WatchHub(fleet, Runnable::run, fleet.cache.resourceVersion());

  /** Collects what one watcher gets. */
  static final class Recorder implements WatchHub.Sink {
    final List<WatchMessage> messages = new ArrayList<>();

    @Override
    public void deliver(List<WatchMessage> batch) {
      messages.addAll(batch);
    }

    List<String> events() {
      List<String> out = new ArrayList<>();
      for (WatchMessage m : messages) {
        if (m instanceof WatchMessage.Event e) {
          out.add(e.type() + " " + e.object().name());
        } else if (m instanceof WatchMessage.Bookmark b) {
          out.add("BOOKMARK" + (b.initialEventsEnd() ? " end" : ""));
        } else if (m instanceof WatchMessage.Error err) {
          out.add("ERROR " + err.status().code());
        }
      }
      return out;
    }

    WatchMessage.Event last() {
      return (WatchMessage.Event) messages.get(messages.size() - 1);
    }

    void clear() {
      messages.clear();
    }
  }

  private Recorder watch(WatchSpec spec) {
    Recorder r = new Recorder();
    hub.watch(spec, r);
    return r;
  }

  private Recorder watchFromNow(dev.tenantproxy.filters.identity.Caller caller) {
    return watch(new WatchSpec(caller, null, 0, false));
  }

  /** Applies a namespace change to the fleet and feeds the hub as the index would. */
  private void namespace(String name, String tenant, Map<String, String> labels) {
    java.util.Set<Principal> before = principals(name);
    ServedEvent e = fleet.namespace(name, tenant, labels, "Active");
    hub.onEvent(e);
    visibilityChanged(name, before);
  }

  private void visibilityChanged(String name, java.util.Set<Principal> before) {
    java.util.Set<Principal> after = principals(name);
    java.util.Set<Principal> changed = new java.util.HashSet<>(before);
    changed.addAll(after);
    changed.removeIf(p -> before.contains(p) && after.contains(p));
    if (!changed.isEmpty()) {
      hub.onVisibilityChange(changed, List.of(name));
    }
  }

  private java.util.Set<Principal> principals(String name) {
    return new java.util.HashSet<>(fleet.principalsSeeing(name));
  }

  @Test
  void ownerWatchingFromNowGetsAddedForHerNamespacesOnly() {
    Recorder alice = watchFromNow(ALICE);
    assertThat(alice.events()).containsExactly("ADDED solar-dev", "ADDED solar-prod");
  }

  @Test
  void ownerSeesNamespaceCreatedInHerTenantWhileWatching() {
    Recorder alice = watchFromNow(ALICE);
    Recorder bob = watchFromNow(BOB);
    alice.clear();
    bob.clear();
    namespace("solar-new", "solar", Map.of());
    assertThat(alice.events()).containsExactly("ADDED solar-new");
    assertThat(bob.events()).isEmpty();
  }

  @Test
  void ownerSeesNamespaceMovedToHerTenantAsAddedAndTheFormerOwnerAsDeletedWithANewerVersion() {
    Recorder alice = watchFromNow(ALICE);
    Recorder bob = watchFromNow(BOB);
    long before = ((WatchMessage.Event) bob.messages.get(0)).object().resourceVersion();
    alice.clear();
    bob.clear();
    namespace("wind-dev", "solar", Map.of("env", "dev"));
    assertThat(alice.events()).containsExactly("ADDED wind-dev");
    assertThat(bob.events()).containsExactly("DELETED wind-dev");
    assertThat(bob.last().object().resourceVersion()).isGreaterThan(before);
    assertThat(new String(bob.last().object().json(), java.nio.charset.StandardCharsets.UTF_8))
        .contains("\"resourceVersion\":\"" + bob.last().object().resourceVersion() + "\"");
  }

  @Test
  void ownerSeesNamespacesAppearWhenSheBecomesAnOwnerOfAnotherTenant() {
    Recorder alice = watchFromNow(ALICE);
    alice.clear();
    java.util.Set<Principal> before = principals("wind-dev");
    fleet.tenant("wind", Principal.group("wind-devs"), Principal.user("alice"));
    visibilityChanged("wind-dev", before);
    assertThat(alice.events()).containsExactly("ADDED wind-dev");

    before = principals("wind-dev");
    fleet.tenant("wind", Principal.group("wind-devs"));
    visibilityChanged("wind-dev", before);
    assertThat(alice.events()).containsExactly("ADDED wind-dev", "DELETED wind-dev");
  }

  @Test
  void changesToOtherTenantsNamespacesAreNeverSent() {
    Recorder alice = watchFromNow(ALICE);
    alice.clear();
    namespace("wind-dev", "wind", Map.of("touched", "yes"));
    namespace("kube-public", null, Map.of());
    assertThat(alice.events()).isEmpty();
  }

  @Test
  void modifiedForVisibleNamespacesAndDeletedWhenTheyStopMatchingTheSelector() {
    Recorder alice = watch(new WatchSpec(ALICE, ObjectFilter.parse("env=dev", ""), 0, false));
    assertThat(alice.events()).containsExactly("ADDED solar-dev");
    alice.clear();
    namespace("solar-dev", "solar", Map.of("env", "dev", "x", "1"));
    namespace("solar-dev", "solar", Map.of("env", "test"));
    namespace("solar-prod", "solar", Map.of("env", "dev"));
    assertThat(alice.events())
        .containsExactly("MODIFIED solar-dev", "DELETED solar-dev", "ADDED solar-prod");
  }

  @Test
  void deletedNamespaceArrivesAsDeletedWithItsLastState() {
    Recorder alice = watchFromNow(ALICE);
    alice.clear();
    java.util.Set<Principal> before = principals("solar-dev");
    ServedEvent e = fleet.delete("solar-dev");
    hub.onEvent(e);
    visibilityChanged("solar-dev", before);
    assertThat(alice.events()).containsExactly("DELETED solar-dev");
    assertThat(alice.last().object().resourceVersion()).isEqualTo(e.resourceVersion());
  }

  @Test
  void watchOfOneNamespaceByNameGetsOnlyThatNamespace() {
    Recorder alice =
        watch(new WatchSpec(ALICE, ObjectFilter.parse("", "metadata.name=solar-dev"), 0, false));
    assertThat(alice.events()).containsExactly("ADDED solar-dev");
    alice.clear();
    namespace("solar-prod", "solar", Map.of("y", "1"));
    namespace("solar-dev", "solar", Map.of("y", "1"));
    assertThat(alice.events()).containsExactly("MODIFIED solar-dev");
  }

  @Test
  void watchByNameOfAnotherTenantsNamespaceGetsNothing() {
    Recorder alice =
        watch(new WatchSpec(ALICE, ObjectFilter.parse("", "metadata.name=wind-dev"), 0, false));
    namespace("wind-dev", "wind", Map.of("y", "1"));
    assertThat(alice.events()).isEmpty();
  }

  @Test
  void watchListSendsTheInitialEventsThenTheInitialEventsEndBookmark() {
    Recorder alice = watch(new WatchSpec(ALICE, null, 0, true));
    assertThat(alice.events())
        .containsExactly("ADDED solar-dev", "ADDED solar-prod", "BOOKMARK end");
    WatchMessage.Bookmark b = (WatchMessage.Bookmark) alice.messages.get(2);
    assertThat(b.resourceVersion()).isEqualTo(fleet.cache.resourceVersion());
  }

  @Test
  void resumedWatchReplaysOnlyVisibleEventsAfterItsResourceVersion() {
    long listed = fleet.cache.resourceVersion();
    namespace("solar-dev", "solar", Map.of("z", "1"));
    namespace("kube-public", null, Map.of());
    Recorder alice = watch(new WatchSpec(ALICE, null, listed, false));
    assertThat(alice.events()).containsExactly("MODIFIED solar-dev");
    alice.clear();
    namespace("solar-prod", "solar", Map.of("z", "1"));
    assertThat(alice.events()).containsExactly("MODIFIED solar-prod");
  }

  @Test
  void resumedWatchAfterTheCallersVisibilityChangedIsExpired() {
    long listed = fleet.cache.resourceVersion();
    namespace("wind-dev", "solar", Map.of());
    Recorder alice = watch(new WatchSpec(ALICE, null, listed, false));
    assertThat(alice.events()).containsExactly("ERROR 410");
    Recorder aliceNow = watch(new WatchSpec(ALICE, null, fleet.cache.resourceVersion(), false));
    assertThat(aliceNow.events()).doesNotContain("ERROR 410");
  }

  @Test
  void resumedWatchOlderThanTheCacheHistoryIsExpired() {
    Recorder alice = watch(new WatchSpec(ALICE, null, 3, false));
    assertThat(alice.events()).containsExactly("ERROR 410");
    assertThat(((WatchMessage.Error) alice.messages.get(0)).status().getMessage())
        .startsWith("too old resource version: 3 (");
  }

  private boolean changedAfter(dev.tenantproxy.filters.identity.Caller caller, long rv)
      throws Exception {
    return hub.viewChangedAfter(
            dev.tenantproxy.filters.visibility.Visibility.principalsOf(caller), rv)
        .toCompletableFuture()
        .get(5, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Test
  void viewChangedAfterIsTrueOnlyForTheCallersWhoseNamespacesLeftOrJoinedAfterTheRevision()
      throws Exception {
    // given a revision taken before anything changed
    long listed = fleet.cache.resourceVersion();
    assertThat(changedAfter(ALICE, listed)).isFalse();
    assertThat(changedAfter(BOB, listed)).isFalse();

    // when wind-dev moves from bob's tenant to alice's
    namespace("wind-dev", "solar", Map.of());

    // then both views changed after the revision, and neither after the change's
    assertThat(changedAfter(BOB, listed)).isTrue();
    assertThat(changedAfter(ALICE, listed)).isTrue();
    long moved = fleet.cache.resourceVersion();
    assertThat(changedAfter(BOB, moved)).isFalse();
    assertThat(changedAfter(ALICE, moved)).isFalse();

    // and a change of a namespace no one sees changes no one's view
    namespace("kube-public", null, Map.of("x", "y"));
    assertThat(changedAfter(ALICE, moved)).isFalse();
  }

  @Test
  void viewChangedAfterARevisionOlderThanTheHubsHistoryIsAlwaysTrue() throws Exception {
    long start = fleet.cache.resourceVersion();
    assertThat(changedAfter(ALICE, start - 1)).isTrue();
    assertThat(changedAfter(ALICE, start)).isFalse();
  }

  @Test
  void aTenantChangeCountsAtTheTenantsResourceVersionWhenNewerThanTheNamespaceCache()
      throws Exception {
    // given the namespace cache at some revision; a Tenant event at a later etcd revision (no
    // Namespace event since) takes wind-dev from bob
    long cacheRv = fleet.cache.resourceVersion();
    long tenantRv = cacheRv + 40;
    java.util.Set<Principal> before = principals("wind-dev");
    fleet.tenant("wind", Principal.user("carol"));
    java.util.Set<Principal> lost = new java.util.HashSet<>(before);
    lost.removeAll(principals("wind-dev"));
    assertThat(lost).isNotEmpty();

    // when the index reports it with the Tenant's resourceVersion
    hub.onVisibilityChange(lost, "wind-dev", null, tenantRv);

    // then a client that listed between the cache's revision and the Tenant's must re-list,
    // which the namespace cache's resourceVersion alone would not have said
    assertThat(changedAfter(BOB, cacheRv + 10)).isTrue();
    assertThat(changedAfter(BOB, tenantRv)).isFalse();
  }

  @Test
  void visibilityChangeAheadOfTheWatchCacheAddsTheIndexsObjectAndNoDuplicateFollows() {
    hub.onEvent(fleet.namespace("solar-late", null, Map.of(), "Active"));
    Recorder alice = watchFromNow(ALICE);
    alice.clear();
    // the namespace is relabelled into solar: the index applied it to its snapshot, the watch
    // cache still has the old object
    ServedObject late =
        Fleet.object(
            "solar-late",
            fleet.rv + 50,
            Map.of(dev.tenantproxy.filters.tenancy.NamespaceInfo.TENANT_LABEL, "solar"),
            "Active");
    fleet.snapshot =
        fleet.snapshot.with(
            new dev.tenantproxy.filters.tenancy.NamespaceInfo(
                "solar-late",
                "u",
                Long.toString(late.resourceVersion()),
                "Active",
                late.labels(),
                null));
    hub.onVisibilityChange(List.of(Principal.user("alice")), "solar-late", late);
    hub.onEvent(new ServedEvent(ServedEvent.Type.ADDED, late));
    assertThat(alice.events()).containsExactly("ADDED solar-late");
    assertThat(alice.last().object().resourceVersion()).isEqualTo(late.resourceVersion());
  }

  @Test
  void cancelledWatchGetsNothingMore() {
    Recorder r = new Recorder();
    WatchHub.Registration reg = hub.watch(new WatchSpec(ALICE, null, 0, false), r);
    reg.cancel();
    r.clear();
    namespace("solar-new", "solar", Map.of());
    assertThat(r.events()).isEmpty();
    assertThat(hub.openWatches()).isZero();
  }

  @Test
  void bookmarkCarriesTheHubsResourceVersion() {
    Recorder r = new Recorder();
    WatchHub.Registration reg = hub.watch(new WatchSpec(ALICE, null, 0, false), r);
    namespace("solar-new", "solar", Map.of());
    r.clear();
    reg.requestBookmark();
    assertThat(r.events()).containsExactly("BOOKMARK");
    assertThat(((WatchMessage.Bookmark) r.messages.get(0)).resourceVersion())
        .isEqualTo(fleet.cache.resourceVersion());
  }

  @Test
  void aHubTaskThatFailsEndsEveryOpenWatchWith410AndTheHubGoesOnServing() {
    // given: a view that fails once, as a bug in applying an event would
    java.util.concurrent.atomic.AtomicBoolean broken =
        new java.util.concurrent.atomic.AtomicBoolean();
    WatchHub failing =
        new WatchHub(
            () -> {
              if (broken.getAndSet(false)) {
                throw new IllegalStateException("injected failure");
              }
              return fleet.get();
            },
            Runnable::run,
            fleet.cache.resourceVersion());
    Recorder alice = new Recorder();
    failing.watch(new WatchSpec(ALICE, null, 0, false), alice);
    alice.clear();

    // when
    broken.set(true);
    failing.onEvent(fleet.namespace("solar-dev", "solar", Map.of("x", "1"), "Active"));

    // then
    assertThat(failing.failures()).isEqualTo(1);
    assertThat(alice.events()).containsExactly("ERROR 410");
    assertThat(failing.openWatches()).isZero();
    Recorder again = new Recorder();
    failing.watch(new WatchSpec(ALICE, null, 0, false), again);
    assertThat(again.events()).containsExactly("ADDED solar-dev", "ADDED solar-prod");
    assertThat(failing.openWatches()).isEqualTo(1);
  }
}
