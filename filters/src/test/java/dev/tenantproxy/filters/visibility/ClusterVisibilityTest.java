package dev.tenantproxy.filters.visibility;

import static dev.tenantproxy.filters.tenancy.Fixtures.namespace;
import static dev.tenantproxy.filters.tenancy.Fixtures.snapshot;
import static dev.tenantproxy.filters.visibility.ClusterFixtures.labels;
import static dev.tenantproxy.filters.visibility.ClusterFixtures.obj;
import static dev.tenantproxy.filters.visibility.ClusterFixtures.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.ClassKind;
import dev.tenantproxy.filters.tenancy.ClusterResource;
import dev.tenantproxy.filters.tenancy.GlobalProxySettingsInfo;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.ProxySettingInfo;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterVisibilityTest {
  private static final Caller ALICE = Caller.of("alice", "projectcapsule.dev");
  private static final Caller BOB = Caller.of("bob", "projectcapsule.dev", "wind-devs");
  private static final Caller EVE = Caller.of("eve", "projectcapsule.dev");

  private static final ServedObject NODE_SOLAR = obj("node-1", "pool", "solar", "zone", "a");
  private static final ServedObject NODE_WIND = obj("node-2", "pool", "wind");
  private static final ServedObject NODE_BARE = obj("node-3");

  private static Decision decide(TenancySnapshot s, Caller c, ClusterKind k, ServedObject o) {
    return ClusterVisibility.view(s, c, k).decide(o, Access.LIST);
  }

  // ---- nodes -----------------------------------------------------------------------------------

  @Test
  void ownerSeesNodesMatchingItsTenantsNodeSelectorWithoutAnyGrant() {
    TenancySnapshot s =
        snapshot(
            tenant("solar").owner(Principal.user("alice")).nodeSelector("pool", "solar").build(),
            tenant("wind")
                .owner(Principal.group("wind-devs"))
                .nodeSelector("pool", "wind")
                .build());
    Decision d = decide(s, ALICE, ClusterKind.NODES, NODE_SOLAR);
    assertThat(d.visible()).isTrue();
    Reason r = d.reasons().get(0);
    assertThat(r.rule()).isEqualTo(RuleKind.NODE_SELECTOR);
    assertThat(r.tenant()).isEqualTo("solar");
    assertThat(r.detail()).isEqualTo("pool=solar");
    assertThat(r.grant()).isNull();
    assertThat(decide(s, ALICE, ClusterKind.NODES, NODE_WIND).visible()).isFalse();
    assertThat(decide(s, ALICE, ClusterKind.NODES, NODE_BARE).visible()).isFalse();
    assertThat(decide(s, BOB, ClusterKind.NODES, NODE_WIND).visible()).isTrue();
    assertThat(decide(s, BOB, ClusterKind.NODES, NODE_SOLAR).visible()).isFalse();
  }

  @Test
  void nodeSelectorNeedsEveryEntry() {
    TenancySnapshot s =
        snapshot(
            tenant("solar")
                .owner(Principal.user("alice"))
                .nodeSelector("pool", "solar", "zone", "b")
                .build());
    assertThat(decide(s, ALICE, ClusterKind.NODES, NODE_SOLAR).visible()).isFalse();
    assertThat(
            decide(s, ALICE, ClusterKind.NODES, obj("n", "pool", "solar", "zone", "b")).visible())
        .isTrue();
  }

  @Test
  void tenantWithoutNodeSelectorGrantsNoNodesEvenWithANodesGrant() {
    TenancySnapshot s =
        snapshot(tenant("solar").owner(Principal.user("alice"), "Nodes:List").build());
    CallerView v = ClusterVisibility.view(s, ALICE, ClusterKind.NODES);
    assertThat(v.decide(NODE_BARE, Access.LIST).visible()).isFalse();
    assertThat(v.grantsAnything(Access.LIST)).isFalse();
    assertThat(v.explain(NODE_BARE, Access.LIST).misses())
        .containsExactly("Tenant solar has no spec.nodeSelector (it grants no nodes)");
  }

  @Test
  void nonOwnerSeesNoNodesAndTheExplanationSaysItOwnsNothing() {
    TenancySnapshot s =
        snapshot(
            tenant("solar").owner(Principal.user("alice")).nodeSelector("pool", "solar").build());
    CallerView v = ClusterVisibility.view(s, EVE, ClusterKind.NODES);
    assertThat(v.decide(NODE_SOLAR, Access.LIST).visible()).isFalse();
    assertThat(v.grantsAnything(Access.LIST)).isFalse();
    assertThat(v.explain(NODE_SOLAR, Access.LIST).misses().get(0))
        .contains("User eve owns no tenant");
  }

  @Test
  void explanationOfAHiddenNodeNamesTheSelectorThatDoesNotMatch() {
    TenancySnapshot s =
        snapshot(
            tenant("solar").owner(Principal.user("alice")).nodeSelector("pool", "solar").build());
    Decision d =
        ClusterVisibility.view(s, ALICE, ClusterKind.NODES).explain(NODE_WIND, Access.LIST);
    assertThat(d.visible()).isFalse();
    assertThat(d.misses())
        .containsExactly("Tenant solar spec.nodeSelector pool=solar: does not select it");
  }

  // ---- classes ---------------------------------------------------------------------------------

  private static TenancySnapshot classes(String... aliceGrants) {
    return snapshot(
        tenant("solar")
            .owner(Principal.user("alice"), aliceGrants)
            .classes(
                ClassKind.STORAGE_CLASSES,
                List.of("fast"),
                "^gold-",
                labels("tier", "tenant"),
                "standard")
            .classes(ClassKind.INGRESS_CLASSES, List.of("nginx"), null, null, null)
            .build());
  }

  @Test
  void storageClassesNeedAListGrantAsInCapsuleProxy() {
    CallerView without = ClusterVisibility.view(classes(), ALICE, ClusterKind.STORAGE_CLASSES);
    assertThat(without.decide(obj("fast"), Access.LIST).visible()).isFalse();
    assertThat(without.grantsAnything(Access.LIST)).isFalse();
    assertThat(without.explain(obj("fast"), Access.LIST).misses())
        .anyMatch(m -> m.contains(".allowed [fast]: selects it, but User alice holds no"));
    assertThat(without.inactiveRules()).hasSize(4);

    CallerView onlyUpdate =
        ClusterVisibility.view(
            classes("StorageClasses:Update,Delete"), ALICE, ClusterKind.STORAGE_CLASSES);
    assertThat(onlyUpdate.decide(obj("fast"), Access.LIST).visible()).isFalse();

    CallerView with =
        ClusterVisibility.view(classes("StorageClasses:List"), ALICE, ClusterKind.STORAGE_CLASSES);
    assertThat(with.grantsAnything(Access.LIST)).isTrue();
    assertThat(with.inactiveRules()).isEmpty();
  }

  @Test
  void eachClassRuleSelectsWithItsOwnReason() {
    CallerView v =
        ClusterVisibility.view(classes("StorageClasses:List"), ALICE, ClusterKind.STORAGE_CLASSES);
    assertThat(v.decide(obj("fast"), Access.LIST).reasons().get(0).rule())
        .isEqualTo(RuleKind.ALLOWED_NAME);
    assertThat(v.decide(obj("x-gold-1"), Access.LIST).visible()).isFalse();
    Reason regex = v.decide(obj("gold-1"), Access.LIST).reasons().get(0);
    assertThat(regex.rule()).isEqualTo(RuleKind.ALLOWED_REGEX);
    assertThat(regex.source()).isEqualTo("Tenant solar spec.storageClasses.allowedRegex");
    assertThat(regex.grant())
        .isEqualTo("Tenant solar spec.owners User:alice: StorageClasses [List]");
    assertThat(v.decide(obj("any", "tier", "tenant"), Access.LIST).reasons().get(0).rule())
        .isEqualTo(RuleKind.SELECTOR);
    assertThat(v.decide(obj("standard"), Access.LIST).reasons().get(0).rule())
        .isEqualTo(RuleKind.DEFAULT);
    assertThat(v.decide(obj("slow"), Access.LIST).visible()).isFalse();
    assertThat(v.decide(obj("slow", "tier", "other"), Access.LIST).visible()).isFalse();
    // explain lists every rule that selects it
    assertThat(v.explain(obj("gold-fast", "tier", "tenant"), Access.LIST).reasons())
        .extracting(Reason::rule)
        .containsExactly(RuleKind.ALLOWED_REGEX, RuleKind.SELECTOR);
  }

  @Test
  void classKindsReadTheirOwnPolicyAndGrant() {
    TenancySnapshot s = classes("StorageClasses:List");
    assertThat(decide(s, ALICE, ClusterKind.INGRESS_CLASSES, obj("nginx")).visible()).isFalse();
    TenancySnapshot both = classes("StorageClasses:List", "IngressClasses:List");
    assertThat(decide(both, ALICE, ClusterKind.INGRESS_CLASSES, obj("nginx")).visible()).isTrue();
    assertThat(decide(both, ALICE, ClusterKind.INGRESS_CLASSES, obj("fast")).visible()).isFalse();
    assertThat(decide(both, ALICE, ClusterKind.PRIORITY_CLASSES, obj("fast")).visible()).isFalse();
    assertThat(decide(both, ALICE, ClusterKind.RUNTIME_CLASSES, obj("fast")).visible()).isFalse();
  }

  @Test
  void priorityAndRuntimeClassesFollowTheirSpecs() {
    TenancySnapshot s =
        snapshot(
            tenant("solar")
                .owner(Principal.user("alice"), "PriorityClasses:List", "RuntimeClasses:List")
                .classes(ClassKind.PRIORITY_CLASSES, List.of("tenant-low"), null, null, null)
                .classes(ClassKind.RUNTIME_CLASSES, null, "^g", null, null)
                .build());
    assertThat(decide(s, ALICE, ClusterKind.PRIORITY_CLASSES, obj("tenant-low")).visible())
        .isTrue();
    assertThat(decide(s, ALICE, ClusterKind.PRIORITY_CLASSES, obj("gvisor")).visible()).isFalse();
    assertThat(decide(s, ALICE, ClusterKind.RUNTIME_CLASSES, obj("gvisor")).visible()).isTrue();
    assertThat(decide(s, ALICE, ClusterKind.RUNTIME_CLASSES, obj("runc")).visible()).isFalse();
  }

  @Test
  void grantInOneTenantDoesNotOpenAnotherTenantsClasses() {
    TenancySnapshot s =
        snapshot(
            tenant("solar")
                .owner(Principal.user("alice"), "StorageClasses:List")
                .classes(ClassKind.STORAGE_CLASSES, List.of("fast"), null, null, null)
                .build(),
            tenant("wind")
                .owner(Principal.user("alice"))
                .classes(ClassKind.STORAGE_CLASSES, List.of("slow"), null, null, null)
                .build());
    assertThat(decide(s, ALICE, ClusterKind.STORAGE_CLASSES, obj("fast")).visible()).isTrue();
    assertThat(decide(s, ALICE, ClusterKind.STORAGE_CLASSES, obj("slow")).visible()).isFalse();
  }

  @Test
  void grantOfASpecOwnerNotYetInStatusCountsForNothing() {
    TenancySnapshot s =
        snapshot(
            tenant("solar")
                .owner(Principal.user("alice"))
                .specOnlyOwner(Principal.group("late"), "StorageClasses:List")
                .classes(ClassKind.STORAGE_CLASSES, List.of("fast"), null, null, null)
                .build());
    Caller late = Caller.of("zed", "late");
    assertThat(decide(s, late, ClusterKind.STORAGE_CLASSES, obj("fast")).visible()).isFalse();
    assertThat(ClusterVisibility.principalsSeeing(s, ClusterKind.STORAGE_CLASSES, obj("fast")))
        .isEmpty();
  }

  @Test
  void invalidRegexAndEmptyOrInvalidSelectorsSelectNothing() {
    TenancySnapshot s =
        snapshot(
            tenant("solar")
                .owner(Principal.user("alice"), "StorageClasses:List")
                .classes(
                    ClassKind.STORAGE_CLASSES,
                    null,
                    "(unclosed",
                    new ClusterResource.LabelSelectorSpec(
                        null,
                        List.of(new ClusterResource.Requirement("tier", "Bogus", List.of("x")))),
                    null)
                .build());
    CallerView v = ClusterVisibility.view(s, ALICE, ClusterKind.STORAGE_CLASSES);
    assertThat(v.decide(obj("(unclosed", "tier", "x"), Access.LIST).visible()).isFalse();
    assertThat(v.grantsAnything(Access.LIST)).isFalse();
    assertThat(v.explain(obj("a"), Access.LIST).misses().get(0))
        .contains("allowedRegex (unclosed is invalid")
        .contains("unknown operator Bogus");
  }

  @Test
  void selectorExpressionsFollowTheLabelSelectorOperators() {
    ClusterResource.LabelSelectorSpec sel =
        new ClusterResource.LabelSelectorSpec(
            null,
            List.of(
                new ClusterResource.Requirement("tier", "In", List.of("a", "b")),
                new ClusterResource.Requirement("legacy", "DoesNotExist", null),
                new ClusterResource.Requirement("team", "Exists", null),
                new ClusterResource.Requirement("zone", "NotIn", List.of("z"))));
    TenancySnapshot s =
        snapshot(
            tenant("solar")
                .owner(Principal.user("alice"), "StorageClasses:List")
                .classes(ClassKind.STORAGE_CLASSES, null, null, sel, null)
                .build());
    CallerView v = ClusterVisibility.view(s, ALICE, ClusterKind.STORAGE_CLASSES);
    assertThat(v.isVisible(obj("c", "tier", "a", "team", "x"), Access.LIST)).isTrue();
    assertThat(v.isVisible(obj("c", "tier", "b", "team", "x", "zone", "y"), Access.LIST)).isTrue();
    assertThat(v.isVisible(obj("c", "tier", "c", "team", "x"), Access.LIST)).isFalse();
    assertThat(v.isVisible(obj("c", "tier", "a"), Access.LIST)).isFalse();
    assertThat(v.isVisible(obj("c", "tier", "a", "team", "x", "legacy", ""), Access.LIST))
        .isFalse();
    assertThat(v.isVisible(obj("c", "tier", "a", "team", "x", "zone", "z"), Access.LIST)).isFalse();
    assertThat(v.rules().get(0).detail()).isEqualTo("tier in (a,b),!legacy,team,zone notin (z)");
  }

  // ---- persistent volumes and tenants -----------------------------------------------------------

  @Test
  void persistentVolumesFollowTheTenantLabelAndNeedAListGrant() {
    TenancySnapshot s =
        snapshot(
            tenant("solar").owner(Principal.user("alice"), "PersistentVolumes:List").build(),
            tenant("wind").owner(Principal.group("wind-devs")).build());
    ServedObject pvSolar = obj("pv-1", ClusterKind.TENANT_LABEL, "solar");
    ServedObject pvWind = obj("pv-2", ClusterKind.TENANT_LABEL, "wind");
    Decision d = decide(s, ALICE, ClusterKind.PERSISTENT_VOLUMES, pvSolar);
    assertThat(d.visible()).isTrue();
    assertThat(d.reasons().get(0).rule()).isEqualTo(RuleKind.PV_TENANT_LABEL);
    assertThat(decide(s, ALICE, ClusterKind.PERSISTENT_VOLUMES, pvWind).visible()).isFalse();
    assertThat(decide(s, ALICE, ClusterKind.PERSISTENT_VOLUMES, obj("pv-3")).visible()).isFalse();
    assertThat(decide(s, BOB, ClusterKind.PERSISTENT_VOLUMES, pvWind).visible()).isFalse();
    assertThat(ClusterVisibility.principalsSeeing(s, ClusterKind.PERSISTENT_VOLUMES, pvSolar))
        .containsExactly(Principal.user("alice"));
  }

  @Test
  void tenantsAreVisibleToTheirOwnersOnly() {
    TenancySnapshot s =
        snapshot(
            tenant("solar").owner(Principal.user("alice")).build(),
            tenant("wind").owner(Principal.group("wind-devs")).build());
    assertThat(decide(s, ALICE, ClusterKind.TENANTS, obj("solar")).reasons().get(0).rule())
        .isEqualTo(RuleKind.OWNED_TENANT);
    assertThat(decide(s, ALICE, ClusterKind.TENANTS, obj("wind")).visible()).isFalse();
    assertThat(decide(s, BOB, ClusterKind.TENANTS, obj("wind")).visible()).isTrue();
    assertThat(ClusterVisibility.principalsSeeing(s, ClusterKind.TENANTS, obj("wind")))
        .containsExactly(Principal.group("wind-devs"));
    assertThat(ClusterVisibility.principalsSeeing(s, ClusterKind.TENANTS, obj("gone"))).isEmpty();
  }

  // ---- ProxySetting and GlobalProxySettings rules -----------------------------------------------

  private static ClusterResource cr(
      List<String> groups,
      List<String> resources,
      List<String> ops,
      ClusterResource.LabelSelectorSpec sel) {
    return new ClusterResource(groups, resources, ops, sel);
  }

  @Test
  void globalProxySettingsRulesMakeAnyClusterKindVisibleAndOrTogether() {
    ClusterKind crds = ClusterKind.of("example.com", "widgets");
    TenancySnapshot s =
        snapshot(
            new GlobalProxySettingsInfo(
                "g",
                "1",
                List.of(
                    new GlobalProxySettingsInfo.Rule(
                        List.of(Principal.group("wind-devs")),
                        List.of(
                            cr(List.of("example.com"), List.of("widgets"), null, labels("a", "1")),
                            cr(List.of("*"), List.of("*"), List.of("List"), labels("b", "2")))))));
    CallerView v = ClusterVisibility.view(s, BOB, crds);
    assertThat(v.isVisible(obj("w", "a", "1"), Access.LIST)).isTrue();
    assertThat(v.isVisible(obj("w", "b", "2"), Access.LIST)).isTrue();
    assertThat(v.isVisible(obj("w", "a", "2"), Access.LIST)).isFalse();
    Reason r = v.decide(obj("w", "a", "1"), Access.LIST).reasons().get(0);
    assertThat(r.rule()).isEqualTo(RuleKind.GLOBAL_PROXY_SETTINGS_RULE);
    assertThat(r.tenant()).isNull();
    assertThat(r.source()).isEqualTo("GlobalProxySettings g spec.rules[0].clusterResources[0]");
    // the wildcard rule covers nodes too, and ORs with the tenant rules
    assertThat(decide(s, BOB, ClusterKind.NODES, obj("n", "b", "2")).visible()).isTrue();
    assertThat(decide(s, BOB, ClusterKind.NODES, obj("n", "a", "1")).visible()).isFalse();
    // another caller sees nothing
    assertThat(ClusterVisibility.view(s, ALICE, crds).grantsAnything(Access.LIST)).isFalse();
    // a rule for another group / resource does not apply
    assertThat(decide(s, BOB, ClusterKind.of("other.io", "widgets"), obj("w", "a", "1")).visible())
        .isFalse();
  }

  @Test
  void getOnlyRuleAllowsGetButNotList() {
    TenancySnapshot s =
        snapshot(
            new GlobalProxySettingsInfo(
                "g",
                "1",
                List.of(
                    new GlobalProxySettingsInfo.Rule(
                        List.of(Principal.user("alice")),
                        List.of(
                            cr(
                                List.of(""),
                                List.of("nodes"),
                                List.of("Get"),
                                labels("a", "1")))))));
    CallerView v = ClusterVisibility.view(s, ALICE, ClusterKind.NODES);
    assertThat(v.isVisible(obj("n", "a", "1"), Access.GET)).isTrue();
    assertThat(v.isVisible(obj("n", "a", "1"), Access.LIST)).isFalse();
    assertThat(v.grantsAnything(Access.LIST)).isFalse();
    assertThat(v.grantsAnything(Access.GET)).isTrue();
    assertThat(v.explain(obj("n", "a", "1"), Access.LIST).misses().get(0))
        .endsWith("selects it for Get only, not for List");
  }

  @Test
  void emptySelectorOfAClusterResourceSelectsNothing() {
    TenancySnapshot s =
        snapshot(
            new GlobalProxySettingsInfo(
                "g",
                "1",
                List.of(
                    new GlobalProxySettingsInfo.Rule(
                        List.of(Principal.user("alice")),
                        List.of(
                            cr(
                                List.of("*"),
                                List.of("*"),
                                null,
                                new ClusterResource.LabelSelectorSpec(null, null)),
                            cr(List.of("*"), List.of("*"), null, null))))));
    CallerView v = ClusterVisibility.view(s, ALICE, ClusterKind.NODES);
    assertThat(v.isVisible(obj("n"), Access.LIST)).isFalse();
    assertThat(v.isVisible(obj("n", "a", "1"), Access.GET)).isFalse();
    assertThat(v.explain(obj("n"), Access.LIST).misses())
        .allMatch(m -> m.contains("an empty selector selects nothing"));
  }

  @Test
  void proxySettingRulesApplyOnlyInATenantNamespace() {
    ProxySettingInfo inTenant =
        new ProxySettingInfo(
            "solar-dev",
            "extra",
            "1",
            List.of(
                new ProxySettingInfo.Subject(
                    Principal.user("eve"),
                    List.of(cr(List.of(""), List.of("nodes"), null, labels("gpu", "true"))),
                    null)));
    ProxySettingInfo outside =
        new ProxySettingInfo(
            "loose",
            "extra",
            "1",
            List.of(
                new ProxySettingInfo.Subject(
                    Principal.user("eve"),
                    List.of(cr(List.of(""), List.of("nodes"), null, labels("pool", "wind"))),
                    null)));
    TenancySnapshot s =
        snapshot(
            tenant("solar").owner(Principal.user("alice")).build(),
            namespace("solar-dev", "solar"),
            namespace("loose", null),
            inTenant,
            outside);
    Decision d = decide(s, EVE, ClusterKind.NODES, obj("g", "gpu", "true"));
    assertThat(d.visible()).isTrue();
    assertThat(d.reasons().get(0).rule()).isEqualTo(RuleKind.PROXY_SETTING_RULE);
    assertThat(d.reasons().get(0).tenant()).isEqualTo("solar");
    assertThat(decide(s, EVE, ClusterKind.NODES, NODE_WIND).visible()).isFalse();
    assertThat(decide(s, ALICE, ClusterKind.NODES, obj("g", "gpu", "true")).visible()).isFalse();
  }

  @Test
  void proxySettingSubjectWithDeprecatedListGrantGetsThatTenantsRules() {
    ProxySettingInfo ps =
        new ProxySettingInfo(
            "solar-dev",
            "delegate",
            "1",
            List.of(
                new ProxySettingInfo.Subject(
                    Principal.user("eve"),
                    null,
                    List.of(new TenantInfo.OwnerProxySetting("Nodes", List.of("List"))))));
    TenancySnapshot s =
        snapshot(
            tenant("solar").owner(Principal.user("alice")).nodeSelector("pool", "solar").build(),
            namespace("solar-dev", "solar"),
            ps);
    Decision d = decide(s, EVE, ClusterKind.NODES, NODE_SOLAR);
    assertThat(d.visible()).isTrue();
    assertThat(d.reasons().get(0).grant())
        .isEqualTo("ProxySetting solar-dev/delegate subject User:eve: Nodes [List]");
    assertThat(decide(s, EVE, ClusterKind.TENANTS, obj("solar")).visible()).isFalse();
    assertThat(ClusterVisibility.principalsSeeing(s, ClusterKind.NODES, NODE_SOLAR))
        .containsExactlyInAnyOrder(Principal.user("alice"), Principal.user("eve"));
  }

  // ---- fan-out and writes ----------------------------------------------------------------------

  @Test
  void principalsSeeingANodeAreTheOwnersOfEveryMatchingTenant() {
    TenancySnapshot s =
        snapshot(
            tenant("solar").owner(Principal.user("alice")).nodeSelector("pool", "solar").build(),
            tenant("solar2").owner(Principal.group("wind-devs")).nodeSelector("zone", "a").build(),
            tenant("wind").owner(Principal.user("carol")).nodeSelector("pool", "wind").build());
    assertThat(ClusterVisibility.principalsSeeing(s, ClusterKind.NODES, NODE_SOLAR))
        .containsExactlyInAnyOrder(Principal.user("alice"), Principal.group("wind-devs"));
    assertThat(ClusterVisibility.principalsSeeing(s, ClusterKind.NODES, NODE_BARE)).isEmpty();
  }

  @Test
  void writesNeedAVisibleObjectAndAnUpdateOrDeleteGrantInATenantThatSelectsIt() {
    TenancySnapshot s =
        snapshot(
            tenant("solar")
                .owner(Principal.user("alice"), "Nodes:Update", "StorageClasses:List")
                .nodeSelector("pool", "solar")
                .classes(ClassKind.STORAGE_CLASSES, List.of("fast"), null, null, null)
                .build(),
            tenant("wind")
                .owner(Principal.user("alice"), "Nodes:Delete")
                .nodeSelector("pool", "wind")
                .build());
    CallerView nodes = ClusterVisibility.view(s, ALICE, ClusterKind.NODES);
    assertThat(nodes.mayWrite(NODE_SOLAR, GrantOperation.UPDATE).allowed()).isTrue();
    assertThat(nodes.mayWrite(NODE_SOLAR, GrantOperation.UPDATE).reason())
        .isEqualTo("Tenant solar spec.owners User:alice: Nodes [Update]");
    assertThat(nodes.mayWrite(NODE_SOLAR, GrantOperation.DELETE).allowed()).isFalse();
    assertThat(nodes.mayWrite(NODE_WIND, GrantOperation.DELETE).allowed()).isTrue();
    assertThat(nodes.mayWrite(NODE_WIND, GrantOperation.UPDATE).allowed()).isFalse();
    assertThat(nodes.mayWrite(NODE_BARE, GrantOperation.UPDATE).reason())
        .isEqualTo("node-3 is not visible to User alice");
    CallerView classes = ClusterVisibility.view(s, ALICE, ClusterKind.STORAGE_CLASSES);
    assertThat(classes.mayWrite(obj("fast"), GrantOperation.LIST).allowed()).isTrue();
    assertThat(classes.mayWrite(obj("fast"), GrantOperation.UPDATE).allowed()).isFalse();
    CallerView tenants = ClusterVisibility.view(s, ALICE, ClusterKind.TENANTS);
    assertThat(tenants.mayWrite(obj("solar"), GrantOperation.DELETE).allowed()).isFalse();
  }

  @Test
  void holdsGrantIsAnUpdateOrDeleteGrantForTheKindInAnOwnedTenantWhateverTheObject() {
    TenancySnapshot s =
        snapshot(
            tenant("solar")
                .owner(Principal.user("alice"), "Nodes:Update", "StorageClasses:List")
                .nodeSelector("pool", "solar")
                .build(),
            tenant("wind").owner(Principal.user("carol"), "Nodes:Delete").build());
    CallerView nodes = ClusterVisibility.view(s, ALICE, ClusterKind.NODES);
    assertThat(nodes.holdsGrant(GrantOperation.UPDATE)).isTrue();
    assertThat(nodes.holdsGrant(GrantOperation.DELETE)).isFalse();
    CallerView classes = ClusterVisibility.view(s, ALICE, ClusterKind.STORAGE_CLASSES);
    assertThat(classes.holdsGrant(GrantOperation.UPDATE)).isFalse();
    assertThat(classes.holdsGrant(GrantOperation.LIST)).isTrue();
    assertThat(
            ClusterVisibility.view(s, ALICE, ClusterKind.TENANTS).holdsGrant(GrantOperation.UPDATE))
        .isFalse();
  }

  @Test
  void clusterResourceRulesNeverAllowWrites() {
    TenancySnapshot s =
        snapshot(
            tenant("solar").owner(Principal.user("alice"), "Nodes:Update").build(),
            new GlobalProxySettingsInfo(
                "g",
                "1",
                List.of(
                    new GlobalProxySettingsInfo.Rule(
                        List.of(Principal.user("alice")),
                        List.of(cr(List.of(""), List.of("nodes"), null, labels("a", "1")))))));
    CallerView v = ClusterVisibility.view(s, ALICE, ClusterKind.NODES);
    assertThat(v.isVisible(obj("n", "a", "1"), Access.LIST)).isTrue();
    assertThat(v.mayWrite(obj("n", "a", "1"), GrantOperation.UPDATE).allowed()).isFalse();
  }

  @Test
  void kindsNamedByRulesAreTheConcreteOnesOfRulesThatNameTheCaller() {
    TenancySnapshot s =
        snapshot(
            tenant("solar").owner(Principal.user("alice")).build(),
            namespace("solar-dev", "solar"),
            namespace("loose", null),
            new ProxySettingInfo(
                "solar-dev",
                "p",
                "1",
                List.of(
                    new ProxySettingInfo.Subject(
                        Principal.user("alice"),
                        List.of(
                            cr(List.of("example.com"), List.of("widgets", "gadgets"), null, null)),
                        null))),
            new ProxySettingInfo(
                "loose",
                "p",
                "1",
                List.of(
                    new ProxySettingInfo.Subject(
                        Principal.user("alice"),
                        List.of(cr(List.of("ignored.io"), List.of("things"), null, null)),
                        null))),
            new GlobalProxySettingsInfo(
                "g",
                "1",
                List.of(
                    new GlobalProxySettingsInfo.Rule(
                        List.of(Principal.group("projectcapsule.dev")),
                        List.of(
                            cr(List.of("*"), List.of("*"), null, null),
                            cr(List.of(""), List.of("nodes", "componentstatuses"), null, null))),
                    new GlobalProxySettingsInfo.Rule(
                        List.of(Principal.user("bob")),
                        List.of(cr(List.of("bob.io"), List.of("bobs"), null, null))))));
    assertThat(ClusterVisibility.kindsNamedByRules(s, ALICE))
        .extracting(ClusterKind::displayName)
        .containsExactly("componentstatuses", "gadgets.example.com", "widgets.example.com");
    assertThat(ClusterVisibility.kindsNamedByRules(s, Caller.of("bob")))
        .extracting(ClusterKind::displayName)
        .containsExactly("bobs.bob.io");
  }

  @Test
  void kindsAreLookedUpByGroupAndResource() {
    assertThat(ClusterKind.of("", "nodes")).isSameAs(ClusterKind.NODES);
    assertThat(ClusterKind.of("storage.k8s.io", "storageclasses"))
        .isSameAs(ClusterKind.STORAGE_CLASSES);
    assertThat(ClusterKind.of("storage.k8s.io", "nodes").tenantRule()).isNull();
    assertThat(ClusterKind.of(null, "persistentvolumes")).isSameAs(ClusterKind.PERSISTENT_VOLUMES);
  }
}
