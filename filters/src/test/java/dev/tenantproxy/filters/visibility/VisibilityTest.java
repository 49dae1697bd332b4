package dev.tenantproxy.filters.visibility;

import static dev.tenantproxy.filters.tenancy.Fixtures.namespace;
import static dev.tenantproxy.filters.tenancy.Fixtures.snapshot;
import static dev.tenantproxy.filters.tenancy.Fixtures.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import java.util.List;
import org.junit.jupiter.api.Test;

class VisibilityTest {

  private static final String SA_BOT = "system:serviceaccount:solar-dev:bot";

  private static final TenancySnapshot FLEET =
      snapshot(
          new CapsuleConfigurationInfo(
              "default",
              "1",
              List.of(
                  Principal.group("projectcapsule.dev"),
                  Principal.user("carol"),
                  Principal.serviceAccount("system:serviceaccount:tools:runner")),
              List.of("cluster-admins")),
          tenant("solar", List.of(Principal.user("alice"), Principal.group("solar-devs"))),
          tenant("wind", List.of(Principal.group("solar-devs"), Principal.serviceAccount(SA_BOT))),
          tenant("oil", List.of(Principal.user("bob"))),
          namespace("solar-dev", "solar"),
          namespace("solar-prod", "solar"),
          namespace("wind-a", "wind"),
          namespace("oil-1", "oil"),
          namespace("tools", null),
          namespace("kube-system", null));

  @Test
  void userOwnerSeesOnlyHisTenantsNamespacesSorted() {
    Caller alice = Caller.of("alice", "projectcapsule.dev");
    assertThat(Visibility.ownedTenants(FLEET, alice)).containsExactly("solar");
    assertThat(Visibility.visibleNamespaces(FLEET, alice))
        .containsExactly("solar-dev", "solar-prod");
    assertThat(Visibility.canSee(FLEET, alice, "solar-dev")).isTrue();
    assertThat(Visibility.canSee(FLEET, alice, "oil-1")).isFalse();
  }

  @Test
  void groupOwnerSeesTheUnionOfItsGroupsTenants() {
    Caller dev = Caller.of("dave", "solar-devs");
    assertThat(Visibility.ownedTenants(FLEET, dev)).containsExactly("solar", "wind");
    assertThat(Visibility.visibleNamespaces(FLEET, dev))
        .containsExactly("solar-dev", "solar-prod", "wind-a");
  }

  @Test
  void serviceAccountOwnerMatchesByItsUserName() {
    Caller bot = Caller.of(SA_BOT, "system:serviceaccounts", "system:serviceaccounts:solar-dev");
    assertThat(Visibility.ownedTenants(FLEET, bot)).containsExactly("wind");
    assertThat(Visibility.canSee(FLEET, bot, "wind-a")).isTrue();
  }

  @Test
  void serviceAccountOwnerEntryDoesNotMatchAPlainUserWithThatName() {
    Principal sa = Principal.serviceAccount("not-an-sa");
    assertThat(Visibility.matches(Caller.of("not-an-sa"), sa)).isFalse();
  }

  @Test
  void strangerSeesNothing() {
    Caller eve = Caller.of("eve", "projectcapsule.dev");
    assertThat(Visibility.ownedTenants(FLEET, eve)).isEmpty();
    assertThat(Visibility.visibleNamespaces(FLEET, eve)).isEmpty();
    assertThat(Visibility.canSee(FLEET, eve, "solar-dev")).isFalse();
    assertThat(Visibility.canSee(FLEET, eve, "no-such-namespace")).isFalse();
  }

  @Test
  void memberOfCapsuleUserGroupIsACapsuleUser() {
    assertThat(Visibility.isCapsuleUser(FLEET, Caller.of("x", "projectcapsule.dev"))).isTrue();
  }

  @Test
  void userNamedInStatusUsersIsACapsuleUser() {
    assertThat(Visibility.isCapsuleUser(FLEET, Caller.of("carol"))).isTrue();
    assertThat(Visibility.isCapsuleUser(FLEET, Caller.of("mallory"))).isFalse();
  }

  @Test
  void serviceAccountNamedInStatusUsersIsACapsuleUser() {
    assertThat(Visibility.isCapsuleUser(FLEET, Caller.of("system:serviceaccount:tools:runner")))
        .isTrue();
    assertThat(Visibility.isCapsuleUser(FLEET, Caller.of("system:serviceaccount:tools:other")))
        .isFalse();
  }

  @Test
  void ignoredGroupMembersAreNotCapsuleUsersEvenWhenListed() {
    Caller admin = Caller.of("carol", "projectcapsule.dev", "cluster-admins");
    assertThat(Visibility.isCapsuleUser(FLEET, admin)).isFalse();
  }

  @Test
  void serviceAccountOfATenantNamespaceIsACapsuleUser() {
    Caller sa = Caller.of("system:serviceaccount:oil-1:deployer", "system:serviceaccounts");
    assertThat(Visibility.isCapsuleUser(FLEET, sa)).isTrue();
  }

  @Test
  void serviceAccountOutsideTenantNamespacesIsNotACapsuleUser() {
    Caller sa = Caller.of("system:serviceaccount:tools:deployer", "system:serviceaccounts");
    assertThat(Visibility.isCapsuleUser(FLEET, sa)).isFalse();
  }

  @Test
  void kubeSystemServiceAccountsAreNeverCapsuleUsers() {
    Caller member =
        Caller.of(
            "system:serviceaccount:kube-system:x",
            "projectcapsule.dev",
            Visibility.KUBE_SYSTEM_SERVICE_ACCOUNTS);
    assertThat(Visibility.isCapsuleUser(FLEET, member)).isFalse();
    Caller groupOnly =
        Caller.of("someone", "projectcapsule.dev", "system:serviceaccounts:kube-system");
    assertThat(Visibility.isCapsuleUser(FLEET, groupOnly)).isFalse();
  }

  @Test
  void withoutConfigurationOnlyTheServiceAccountRuleApplies() {
    TenancySnapshot noConfig = snapshot(tenant("oil", List.of()), namespace("oil-1", "oil"));
    assertThat(Visibility.isCapsuleUser(noConfig, Caller.of("x", "projectcapsule.dev"))).isFalse();
    assertThat(Visibility.isCapsuleUser(noConfig, Caller.of("system:serviceaccount:oil-1:a")))
        .isTrue();
  }

  @Test
  void namespaceMovedToAnotherTenantIsLostByFormerOwners() {
    Caller bob = Caller.of("bob");
    TenancySnapshot moved = FLEET.with(namespace("solar-dev", "oil"));
    assertThat(Visibility.canSee(moved, Caller.of("alice"), "solar-dev")).isFalse();
    assertThat(Visibility.visibleNamespaces(moved, bob)).containsExactly("oil-1", "solar-dev");
  }

  @Test
  void ownerRemovedFromTenantStatusLosesItsNamespaces() {
    TenancySnapshot after = FLEET.with(tenant("solar", List.of(Principal.group("solar-devs"))));
    assertThat(Visibility.visibleNamespaces(after, Caller.of("alice"))).isEmpty();
    assertThat(Visibility.visibleNamespaces(after, Caller.of("d", "solar-devs")))
        .containsExactly("solar-dev", "solar-prod", "wind-a");
  }

  @Test
  void principalsOfAServiceAccountIncludeUserServiceAccountAndGroups() {
    assertThat(Visibility.principalsOf(Caller.of(SA_BOT, "g")))
        .containsExactly(
            Principal.user(SA_BOT), Principal.serviceAccount(SA_BOT), Principal.group("g"));
  }
}
