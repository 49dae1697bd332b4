package dev.tenantproxy.filters.tenancy;

import static dev.tenantproxy.filters.tenancy.Fixtures.namespace;
import static dev.tenantproxy.filters.tenancy.Fixtures.snapshot;
import static dev.tenantproxy.filters.tenancy.Fixtures.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenancySnapshotTest {

  private static final Principal ALICE = Principal.user("alice");
  private static final Principal DEVS = Principal.group("devs");

  @Test
  void emptySnapshotHasRevisionZeroAndNothingInIt() {
    TenancySnapshot s = TenancySnapshot.empty();
    assertThat(s.revision()).isZero();
    assertThat(s.tenants()).isEmpty();
    assertThat(s.tenantsOwnedBy(ALICE)).isEmpty();
    assertThat(s.namespacesOfTenant("solar")).isEmpty();
    assertThat(s.tenantOfNamespace("solar-dev")).isNull();
  }

  @Test
  void principalIndexFollowsStatusOwners() {
    TenancySnapshot s =
        snapshot(tenant("solar", List.of(ALICE, DEVS)), tenant("wind", List.of(DEVS)));
    assertThat(s.tenantsOwnedBy(ALICE)).containsExactly("solar");
    assertThat(s.tenantsOwnedBy(DEVS)).containsExactly("solar", "wind");

    TenancySnapshot after = s.with(tenant("solar", List.of(DEVS)));
    assertThat(after.tenantsOwnedBy(ALICE)).isEmpty();
    assertThat(after.tenantsOwnedBy(DEVS)).containsExactly("solar", "wind");
  }

  @Test
  void labelledNamespaceBelongsToItsTenant() {
    TenancySnapshot s = snapshot(tenant("solar", List.of(ALICE)), namespace("solar-dev", "solar"));
    assertThat(s.tenantOfNamespace("solar-dev")).isEqualTo("solar");
    assertThat(s.namespacesOfTenant("solar")).containsExactly("solar-dev");
  }

  @Test
  void ownerReferenceWinsOverLabel() {
    NamespaceInfo ns =
        new NamespaceInfo(
            "x", "u", "1", "Active", Map.of(NamespaceInfo.TENANT_LABEL, "labelled"), "referenced");
    TenancySnapshot s = snapshot(ns);
    assertThat(s.tenantOfNamespace("x")).isEqualTo("referenced");
  }

  @Test
  void unclaimedNamespaceBelongsToTheSingleTenantWhoseStatusListsIt() {
    TenancySnapshot s =
        snapshot(tenant("solar", List.of(ALICE), "plain"), namespace("plain", null));
    assertThat(s.tenantOfNamespace("plain")).isEqualTo("solar");
  }

  @Test
  void unclaimedNamespaceListedByTwoTenantsBelongsToNone() {
    TenancySnapshot s =
        snapshot(
            tenant("solar", List.of(ALICE), "plain"),
            tenant("wind", List.of(DEVS), "plain"),
            namespace("plain", null));
    assertThat(s.tenantOfNamespace("plain")).isNull();
    assertThat(s.namespacesOfTenant("solar")).isEmpty();

    TenancySnapshot resolved = s.with(tenant("wind", List.of(DEVS)));
    assertThat(resolved.tenantOfNamespace("plain")).isEqualTo("solar");
  }

  @Test
  void namespaceClaimWinsOverLaggingStatusOfAnotherTenant() {
    TenancySnapshot s =
        snapshot(
            tenant("solar", List.of(ALICE), "moved"),
            tenant("wind", List.of(DEVS)),
            namespace("moved", "wind"));
    assertThat(s.tenantOfNamespace("moved")).isEqualTo("wind");
    assertThat(s.namespacesOfTenant("solar")).isEmpty();
  }

  @Test
  void statusNamespaceWithoutNamespaceObjectIsNotIndexed() {
    TenancySnapshot s = snapshot(tenant("solar", List.of(ALICE), "ghost"));
    assertThat(s.namespacesOfTenant("solar")).isEmpty();
    assertThat(s.with(namespace("ghost", null)).namespacesOfTenant("solar"))
        .containsExactly("ghost");
  }

  @Test
  void deletingANamespaceRemovesItFromTheTenant() {
    TenancySnapshot s = snapshot(tenant("solar", List.of(ALICE)), namespace("solar-dev", "solar"));
    TenancySnapshot after = s.without(namespace("solar-dev", null));
    assertThat(after.namespacesOfTenant("solar")).isEmpty();
    assertThat(after.tenantOfNamespace("solar-dev")).isNull();
    assertThat(after.namespace("solar-dev")).isNull();
  }

  @Test
  void deletingATenantDropsItsOwnersButKeepsTheClaim() {
    TenancySnapshot s = snapshot(tenant("solar", List.of(ALICE)), namespace("solar-dev", "solar"));
    TenancySnapshot after = s.without(tenant("solar", List.of()));
    assertThat(after.tenantsOwnedBy(ALICE)).isEmpty();
    assertThat(after.tenant("solar")).isNull();
    assertThat(after.tenantOfNamespace("solar-dev")).isEqualTo("solar");
  }

  @Test
  void namespaceMovedToAnotherTenantLeavesTheFormerTenant() {
    TenancySnapshot s =
        snapshot(
            tenant("solar", List.of(ALICE)),
            tenant("wind", List.of(DEVS)),
            namespace("n", "solar"));
    TenancySnapshot after = s.with(namespace("n", "wind"));
    assertThat(after.namespacesOfTenant("solar")).isEmpty();
    assertThat(after.namespacesOfTenant("wind")).containsExactly("n");
  }

  @Test
  void writesNeverChangeThePreviousSnapshot() {
    TenancySnapshot before = snapshot(tenant("solar", List.of(ALICE)), namespace("a", "solar"));
    TenancySnapshot after = before.with(namespace("b", "solar")).withRevision(7);
    assertThat(before.namespacesOfTenant("solar")).containsExactly("a");
    assertThat(after.namespacesOfTenant("solar")).containsExactly("a", "b");
    assertThat(before.revision()).isZero();
    assertThat(after.revision()).isEqualTo(7);
  }

  @Test
  void visibleNamespacesAskedBeforeAChangeAreNotReusedByTheNextSnapshot() {
    TenancySnapshot before =
        snapshot(
            tenant("solar", List.of(ALICE)),
            tenant("wind", List.of(DEVS)),
            namespace("a", "solar"),
            namespace("n", "solar"));
    assertThat(before.namespacesVisibleTo(ALICE)).containsExactly("a", "n");
    assertThat(before.namespacesVisibleTo(DEVS)).isEmpty();
    TenancySnapshot after = before.with(namespace("n", "wind")).withRevision(2);
    assertThat(after.namespacesVisibleTo(ALICE)).containsExactly("a");
    assertThat(after.namespacesVisibleTo(DEVS)).containsExactly("n");
    // asked again, each snapshot gives its own answer
    assertThat(before.namespacesVisibleTo(ALICE)).containsExactly("a", "n");
    assertThat(before.namespacesVisibleTo(DEVS)).isEmpty();
    assertThat(after.namespacesVisibleTo(ALICE)).containsExactly("a");
  }

  @Test
  void theVisibleNamespacesMemoIsBounded() {
    TenancySnapshot s = snapshot(tenant("solar", List.of(ALICE)), namespace("a", "solar"));
    for (int i = 0; i < TenancySnapshot.VISIBLE_MEMO_LIMIT + 100; i++) {
      assertThat(s.namespacesVisibleTo(Principal.user("nobody-" + i))).isEmpty();
    }
    assertThat(s.visibleMemoSize()).isEqualTo(TenancySnapshot.VISIBLE_MEMO_LIMIT);
    assertThat(s.namespacesVisibleTo(ALICE)).containsExactly("a");
  }

  @Test
  void configurationsAndProxySettingsAreKeptByKey() {
    CapsuleConfigurationInfo config =
        new CapsuleConfigurationInfo(
            "default", "1", List.of(Principal.group("capsule")), List.of());
    ProxySettingInfo ps = new ProxySettingInfo("solar-dev", "ps", "1", List.of());
    GlobalProxySettingsInfo gps = new GlobalProxySettingsInfo("global", "1", List.of());
    TenancySnapshot s = snapshot(config, ps, gps);
    assertThat(s.configuration("default")).isEqualTo(config);
    assertThat(s.proxySettings()).containsOnlyKeys("solar-dev/ps");
    assertThat(s.globalProxySettings()).containsOnlyKeys("global");
    assertThat(s.current(ps)).isEqualTo(ps);

    TenancySnapshot removed = s.without(config).without(ps).without(gps);
    assertThat(removed.configurations()).isEmpty();
    assertThat(removed.proxySettings()).isEmpty();
    assertThat(removed.globalProxySettings()).isEmpty();
  }

  @Test
  void unknownPrincipalKindsAreIgnoredWhenParsing() {
    assertThat(Principal.parse("Robot", "r2")).isNull();
    assertThat(Principal.parse("User", "")).isNull();
    assertThat(Principal.parse("ServiceAccount", "system:serviceaccount:a:b"))
        .isEqualTo(Principal.serviceAccount("system:serviceaccount:a:b"));
  }

  @Test
  void tenantStatusNamespacesAreSortedAndDeduplicated() {
    TenantInfo t = TenantInfo.of("t", List.of(), List.of("b", "a", "b"));
    assertThat(t.statusNamespaces()).containsExactly("a", "b");
  }
}
