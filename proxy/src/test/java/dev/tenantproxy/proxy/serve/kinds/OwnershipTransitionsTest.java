package dev.tenantproxy.proxy.serve.kinds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.json.ItemMeta;
import dev.tenantproxy.filters.json.WatchFilter;
import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-event decision of a v1beta1 tenant watch as the caller's ownership changes. */
class OwnershipTransitionsTest {
  private static final Caller ALICE = Caller.of("alice", "capsule.clastix.io", "solar-devs");

  private volatile TenancySnapshot snapshot =
      TenancySnapshot.empty()
          .with(
              new CapsuleConfigurationInfo(
                  "default", "1", List.of(Principal.group("capsule.clastix.io")), List.of()))
          .with(tenant("solar", "5", Principal.user("alice")))
          .with(tenant("wind", "6", Principal.user("bob")));
  private final AtomicLong clock = new AtomicLong();

  static TenantInfo tenant(String name, String rv, Principal... owners) {
    return new TenantInfo(
        name,
        "uid-" + name,
        rv,
        "Active",
        java.util.Arrays.stream(owners).map(p -> new Owner(p, List.of("admin"))).toList(),
        List.of(),
        List.of(),
        Map.of(),
        Map.of());
  }

  private OwnershipTransitions transitions(boolean holdsOwned) {
    return new OwnershipTransitions(
        () -> snapshot, ALICE, holdsOwned, clock::get, Duration.ofSeconds(2));
  }

  private static String decide(OwnershipTransitions t, String type, String name, String rv) {
    return t.decide(type, new ItemMeta("", name, Map.of()), rv);
  }

  @Test
  void aTenantBecomingOwnedIsAddedAndOneNoLongerOwnedIsDeleted() {
    OwnershipTransitions t = transitions(true);

    assertThat(decide(t, "MODIFIED", "wind", "6")).isNull();
    snapshot = snapshot.with(tenant("wind", "7", Principal.user("bob"), Principal.user("alice")));
    assertThat(decide(t, "MODIFIED", "wind", "7")).isEqualTo("ADDED");
    snapshot = snapshot.with(tenant("wind", "8", Principal.user("bob"), Principal.user("alice")));
    assertThat(decide(t, "MODIFIED", "wind", "8")).isEqualTo("MODIFIED");
    snapshot = snapshot.with(tenant("wind", "9", Principal.user("bob")));
    assertThat(decide(t, "MODIFIED", "wind", "9")).isEqualTo("DELETED");
    assertThat(decide(t, "MODIFIED", "wind", "9")).isNull();
  }

  @Test
  void aGroupBecomingOwnerAddsTheTenantForItsMembers() {
    OwnershipTransitions t = transitions(true);

    snapshot = snapshot.with(tenant("wind", "7", Principal.group("solar-devs")));

    assertThat(decide(t, "MODIFIED", "wind", "7")).isEqualTo("ADDED");
  }

  @Test
  void aWatchContinuingAListHoldsItsOwnedTenantsOneWithInitialEventsHoldsNone() {
    OwnershipTransitions continuing = transitions(true);
    OwnershipTransitions fresh = transitions(false);

    assertThat(decide(continuing, "MODIFIED", "solar", "5")).isEqualTo("MODIFIED");
    assertThat(decide(fresh, "ADDED", "solar", "5")).isEqualTo("ADDED");
    assertThat(decide(fresh, "ADDED", "solar", "5")).isEqualTo("MODIFIED");
    snapshot = snapshot.with(tenant("solar", "8", Principal.user("bob")));
    assertThat(decide(continuing, "MODIFIED", "solar", "8")).isEqualTo("DELETED");
  }

  @Test
  void aDeletionOfAHeldTenantIsRelayedAndOfAnotherNever() {
    OwnershipTransitions t = transitions(true);

    assertThat(decide(t, "DELETED", "wind", "10")).isNull();
    assertThat(decide(t, "DELETED", "solar", "10")).isEqualTo("DELETED");
  }

  @Test
  void anEventTheIndexHasNotAppliedYetWaitsForItThenIsDecidedOnIt() {
    OwnershipTransitions t = transitions(true);

    // the API server's event of alice becoming an owner, before the index has it
    assertThat(decide(t, "MODIFIED", "wind", "7")).isEqualTo(WatchFilter.Decider.LATER);
    clock.addAndGet(Duration.ofMillis(500).toNanos());
    assertThat(decide(t, "MODIFIED", "wind", "7")).isEqualTo(WatchFilter.Decider.LATER);
    snapshot = snapshot.with(tenant("wind", "7", Principal.user("alice")));

    assertThat(decide(t, "MODIFIED", "wind", "7")).isEqualTo("ADDED");
  }

  @Test
  void anEventTheIndexNeverCatchesUpWithIsDecidedOnTheIndexAfterTheBound() {
    OwnershipTransitions t = transitions(true);

    assertThat(decide(t, "ADDED", "new", "20")).isEqualTo(WatchFilter.Decider.LATER);
    clock.addAndGet(Duration.ofSeconds(2).toNanos());

    assertThat(decide(t, "ADDED", "new", "20")).isNull();
    // the next waiting event gets its own full wait
    assertThat(decide(t, "MODIFIED", "wind", "30")).isEqualTo(WatchFilter.Decider.LATER);
  }

  @Test
  void theOwnedSetIsComputedOncePerSnapshotNotPerEvent() {
    OwnershipTransitions t = transitions(true);
    for (int i = 0; i < 100; i++) {
      decide(t, "MODIFIED", "solar", "5");
    }
    assertThat(t.ownedComputations()).isEqualTo(1);

    snapshot = snapshot.with(tenant("wind", "7", Principal.user("bob")));
    decide(t, "MODIFIED", "wind", "7");
    decide(t, "MODIFIED", "solar", "5");
    assertThat(t.ownedComputations()).isEqualTo(2);
  }
}
