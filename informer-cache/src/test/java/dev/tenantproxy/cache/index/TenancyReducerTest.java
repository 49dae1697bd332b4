package dev.tenantproxy.cache.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.cache.watchcache.EventType;
import dev.tenantproxy.filters.tenancy.NamespaceInfo;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenancyReducerTest {
  private static final Principal ALICE = Principal.user("alice");
  private static final Principal BOB = Principal.user("bob");
  private static final Principal DEVS = Principal.group("devs");

  static TenantInfo tenant(String name, String rv, List<Principal> owners, String... status) {
    return new TenantInfo(
        name,
        "uid",
        rv,
        "Active",
        owners.stream().map(p -> new Owner(p, List.of())).toList(),
        List.of(status),
        List.of(),
        Map.of());
  }

  static NamespaceInfo ns(String name, String rv, String tenant) {
    Map<String, String> labels =
        tenant == null ? Map.of() : Map.of(NamespaceInfo.TENANT_LABEL, tenant);
    return new NamespaceInfo(name, "uid-" + name, rv, "Active", labels, null);
  }

  static TenancySnapshot apply(TenancySnapshot s, EventType t, Object o) {
    return TenancyReducer.apply(s, t, (dev.tenantproxy.filters.tenancy.TenancyObject) o).snapshot();
  }

  @Test
  void everyChangingEventIncrementsTheRevision() {
    TenancySnapshot s = TenancySnapshot.empty();
    s = apply(s, EventType.ADDED, tenant("solar", "1", List.of(ALICE)));
    s = apply(s, EventType.ADDED, ns("solar-dev", "2", "solar"));
    assertThat(s.revision()).isEqualTo(2);
  }

  @Test
  void sameResourceVersionAndUnknownDeleteChangeNothing() {
    TenancySnapshot s = apply(TenancySnapshot.empty(), EventType.ADDED, ns("a", "1", null));
    TenancyReducer.Result same = TenancyReducer.apply(s, EventType.MODIFIED, ns("a", "1", null));
    assertThat(same.snapshot()).isSameAs(s);
    TenancyReducer.Result ghost = TenancyReducer.apply(s, EventType.DELETED, ns("zz", "1", null));
    assertThat(ghost.snapshot()).isSameAs(s);
    assertThat(ghost.changes()).isEmpty();
  }

  @Test
  void namespaceCreatedInOwnedTenantIsGainedByItsOwners() {
    TenancySnapshot s =
        apply(TenancySnapshot.empty(), EventType.ADDED, tenant("solar", "1", List.of(ALICE, DEVS)));
    TenancyReducer.Result r =
        TenancyReducer.apply(s, EventType.ADDED, ns("solar-dev", "2", "solar"));
    assertThat(r.changes())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.namespace()).isEqualTo("solar-dev");
              assertThat(c.gained()).containsExactlyInAnyOrder(ALICE, DEVS);
              assertThat(c.lost()).isEmpty();
              assertThat(c.revision()).isEqualTo(2);
              assertThat(c.cause()).isEqualTo(VisibilityChange.Cause.NAMESPACE);
            });
  }

  @Test
  void namespaceOutsideAnyTenantProducesNoChange() {
    TenancyReducer.Result r =
        TenancyReducer.apply(
            TenancySnapshot.empty(), EventType.ADDED, ns("kube-public", "1", null));
    assertThat(r.changes()).isEmpty();
    assertThat(r.snapshot().revision()).isEqualTo(1);
  }

  @Test
  void modifiedVisibleNamespaceIsReportedAsKeptAndChanged() {
    TenancySnapshot s =
        apply(TenancySnapshot.empty(), EventType.ADDED, tenant("t", "1", List.of(ALICE)));
    s = apply(s, EventType.ADDED, ns("n", "2", "t"));
    TenancyReducer.Result r = TenancyReducer.apply(s, EventType.MODIFIED, ns("n", "3", "t"));
    assertThat(r.changes())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.kept()).containsExactly(ALICE);
              assertThat(c.objectChanged()).isTrue();
              assertThat(c.gained()).isEmpty();
            });
  }

  @Test
  void deletedVisibleNamespaceIsLostAndDeleted() {
    TenancySnapshot s =
        apply(TenancySnapshot.empty(), EventType.ADDED, tenant("t", "1", List.of(ALICE)));
    s = apply(s, EventType.ADDED, ns("n", "2", "t"));
    TenancyReducer.Result r = TenancyReducer.apply(s, EventType.DELETED, ns("n", "3", "t"));
    assertThat(r.changes())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.deleted()).isTrue();
              assertThat(c.lost()).containsExactly(ALICE);
              assertThat(c.previous()).isNotNull();
              assertThat(c.current()).isNull();
            });
  }

  @Test
  void namespaceMovedToAnotherTenantIsLostByFormerOwners() {
    TenancySnapshot s =
        apply(TenancySnapshot.empty(), EventType.ADDED, tenant("a", "1", List.of(ALICE)));
    s = apply(s, EventType.ADDED, tenant("b", "2", List.of(BOB)));
    s = apply(s, EventType.ADDED, ns("n", "3", "a"));
    TenancyReducer.Result r = TenancyReducer.apply(s, EventType.MODIFIED, ns("n", "4", "b"));
    assertThat(r.changes())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.lost()).containsExactly(ALICE);
              assertThat(c.gained()).containsExactly(BOB);
              assertThat(c.objectResourceVersion()).isEqualTo(4);
            });
  }

  @Test
  void ownerRemovedFromTenantStatusLosesEveryNamespaceOfIt() {
    TenancySnapshot s =
        apply(TenancySnapshot.empty(), EventType.ADDED, tenant("t", "1", List.of(ALICE, BOB)));
    s = apply(s, EventType.ADDED, ns("n1", "2", "t"));
    s = apply(s, EventType.ADDED, ns("n2", "3", "t"));
    TenancyReducer.Result r =
        TenancyReducer.apply(s, EventType.MODIFIED, tenant("t", "4", List.of(BOB)));
    assertThat(r.changes()).extracting(VisibilityChange::namespace).containsExactly("n1", "n2");
    assertThat(r.changes())
        .allSatisfy(
            c -> {
              assertThat(c.lost()).containsExactly(ALICE);
              assertThat(c.kept()).containsExactly(BOB);
              assertThat(c.cause()).isEqualTo(VisibilityChange.Cause.TENANT);
              // at the Tenant's resourceVersion, not a namespace's
              assertThat(c.objectResourceVersion()).isEqualTo(4);
            });
  }

  @Test
  void tenantChangeThatKeepsOwnersProducesNoChange() {
    TenancySnapshot s =
        apply(TenancySnapshot.empty(), EventType.ADDED, tenant("t", "1", List.of(ALICE)));
    s = apply(s, EventType.ADDED, ns("n", "2", "t"));
    TenancyReducer.Result r =
        TenancyReducer.apply(s, EventType.MODIFIED, tenant("t", "3", List.of(ALICE), "n"));
    assertThat(r.changes()).isEmpty();
    assertThat(r.snapshot().revision()).isEqualTo(3);
  }

  @Test
  void unlabelledNamespaceJoiningTenantStatusIsGained() {
    TenancySnapshot s =
        apply(TenancySnapshot.empty(), EventType.ADDED, tenant("t", "1", List.of(ALICE)));
    s = apply(s, EventType.ADDED, ns("plain", "2", null));
    TenancyReducer.Result r =
        TenancyReducer.apply(s, EventType.MODIFIED, tenant("t", "3", List.of(ALICE), "plain"));
    assertThat(r.changes())
        .singleElement()
        .satisfies(c -> assertThat(c.gained()).containsExactly(ALICE));
    TenancyReducer.Result leave =
        TenancyReducer.apply(r.snapshot(), EventType.MODIFIED, tenant("t", "4", List.of(ALICE)));
    assertThat(leave.changes())
        .singleElement()
        .satisfies(c -> assertThat(c.lost()).containsExactly(ALICE));
  }

  @Test
  void deletedTenantIsLostByItsOwners() {
    TenancySnapshot s =
        apply(TenancySnapshot.empty(), EventType.ADDED, tenant("t", "1", List.of(DEVS)));
    s = apply(s, EventType.ADDED, ns("n", "2", "t"));
    TenancyReducer.Result r =
        TenancyReducer.apply(s, EventType.DELETED, tenant("t", "3", List.of()));
    assertThat(r.changes())
        .singleElement()
        .satisfies(c -> assertThat(c.lost()).containsExactly(DEVS));
  }
}
