package dev.tenantproxy.filters.visibility;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.ClassKind;
import dev.tenantproxy.filters.tenancy.ClassPolicy;
import dev.tenantproxy.filters.tenancy.ClusterResource;
import dev.tenantproxy.filters.tenancy.GlobalProxySettingsInfo;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancyObject;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of the cluster-scoped rules over random small fleets (few principals, labels and
 * names, so that rules and objects collide often).
 */
class ClusterVisibilityPropertiesTest {

  private static final List<Principal> POOL =
      List.of(
          Principal.user("alice"),
          Principal.user("bob"),
          Principal.group("g1"),
          Principal.group("g2"));
  private static final List<String> NAMES = List.of("a", "b", "gold-1", "t0", "t1");
  private static final List<String> KEYS = List.of("k1", "k2", ClusterKind.TENANT_LABEL);
  private static final List<String> VALUES = List.of("v1", "v2", "t0", "t1");
  private static final List<String> GRANTS =
      List.of(
          "Nodes:List",
          "Nodes:Update",
          "StorageClasses:List",
          "StorageClasses:Delete",
          "PersistentVolumes:List");
  private static final List<ClusterKind> KINDS =
      List.of(
          ClusterKind.NODES,
          ClusterKind.STORAGE_CLASSES,
          ClusterKind.PERSISTENT_VOLUMES,
          ClusterKind.TENANTS,
          ClusterKind.of("example.com", "widgets"));

  /** A fleet: tenants plus GlobalProxySettings, kept apart to check the OR. */
  record Fleet(List<TenantInfo> tenants, List<GlobalProxySettingsInfo> globals) {
    TenancySnapshot snapshot() {
      List<TenancyObject> all = new ArrayList<>(tenants);
      all.addAll(globals);
      return of(all);
    }

    TenancySnapshot tenantsOnly() {
      return of(new ArrayList<>(tenants));
    }

    TenancySnapshot globalsOnly() {
      return of(new ArrayList<>(globals));
    }

    private static TenancySnapshot of(List<TenancyObject> objects) {
      TenancySnapshot s = TenancySnapshot.empty();
      for (TenancyObject o : objects) {
        s = s.with(o);
      }
      return s;
    }
  }

  @Property(tries = 400)
  void whoSeesAnObjectAgreesWithWhatEachCallerSees(
      @ForAll("fleets") Fleet fleet,
      @ForAll("callers") Caller caller,
      @ForAll("objects") ServedObject object,
      @ForAll("kinds") ClusterKind kind) {
    TenancySnapshot s = fleet.snapshot();
    boolean visible = ClusterVisibility.view(s, caller, kind).isVisible(object, Access.LIST);
    Set<Principal> who = ClusterVisibility.principalsSeeing(s, kind, object);
    assertThat(who.stream().anyMatch(p -> Visibility.matches(caller, p))).isEqualTo(visible);
  }

  @Property(tries = 400)
  void visibilityIsTheOrOfTenantRulesAndGlobalRules(
      @ForAll("fleets") Fleet fleet,
      @ForAll("callers") Caller caller,
      @ForAll("objects") ServedObject object,
      @ForAll("kinds") ClusterKind kind,
      @ForAll("accesses") Access access) {
    boolean all = ClusterVisibility.view(fleet.snapshot(), caller, kind).isVisible(object, access);
    boolean tenants =
        ClusterVisibility.view(fleet.tenantsOnly(), caller, kind).isVisible(object, access);
    boolean globals =
        ClusterVisibility.view(fleet.globalsOnly(), caller, kind).isVisible(object, access);
    assertThat(all).isEqualTo(tenants || globals);
  }

  @Property(tries = 300)
  void aCallerWithNoTenantsAndNoRulesSeesNothing(
      @ForAll("fleets") Fleet fleet,
      @ForAll("objects") ServedObject object,
      @ForAll("kinds") ClusterKind kind,
      @ForAll("accesses") Access access) {
    Caller stranger = Caller.of("stranger", "projectcapsule.dev", "g9");
    CallerView v = ClusterVisibility.view(fleet.snapshot(), stranger, kind);
    assertThat(v.isVisible(object, access)).isFalse();
    assertThat(v.grantsAnything(access)).isFalse();
    assertThat(v.rules()).isEmpty();
  }

  @Property(tries = 300)
  void aNarrowerSelectorNeverWidensTheView(
      @ForAll("fleets") Fleet fleet,
      @ForAll("callers") Caller caller,
      @ForAll("objects") ServedObject object,
      @ForAll("kinds") ClusterKind kind,
      @ForAll("keys") String key,
      @ForAll("values") String value) {
    Fleet narrower =
        new Fleet(
            fleet.tenants().stream().map(t -> narrow(t, key, value)).toList(),
            fleet.globals().stream().map(g -> narrow(g, key, value)).toList());
    boolean wide =
        ClusterVisibility.view(fleet.snapshot(), caller, kind).isVisible(object, Access.LIST);
    boolean narrow =
        ClusterVisibility.view(narrower.snapshot(), caller, kind).isVisible(object, Access.LIST);
    assertThat(!narrow || wide).as("narrowed view shows what the wide one hid").isTrue();
  }

  @Property(tries = 300)
  void explainAgreesWithDecideAndListImpliesGet(
      @ForAll("fleets") Fleet fleet,
      @ForAll("callers") Caller caller,
      @ForAll("objects") ServedObject object,
      @ForAll("kinds") ClusterKind kind,
      @ForAll("accesses") Access access) {
    CallerView v = ClusterVisibility.view(fleet.snapshot(), caller, kind);
    Decision d = v.decide(object, access);
    Decision e = v.explain(object, access);
    assertThat(e.visible()).isEqualTo(d.visible());
    assertThat(e.reasons().isEmpty()).isEqualTo(!d.visible());
    assertThat(e.misses().isEmpty()).isEqualTo(d.visible());
    if (d.visible()) {
      assertThat(e.reasons()).contains(d.reasons().get(0));
      assertThat(v.grantsAnything(access)).isTrue();
    }
    if (v.isVisible(object, Access.LIST)) {
      assertThat(v.isVisible(object, Access.GET)).isTrue();
    }
  }

  @Property(tries = 300)
  void writesOnlyReachVisibleObjects(
      @ForAll("fleets") Fleet fleet,
      @ForAll("callers") Caller caller,
      @ForAll("objects") ServedObject object,
      @ForAll("kinds") ClusterKind kind) {
    CallerView v = ClusterVisibility.view(fleet.snapshot(), caller, kind);
    for (GrantOperation op : GrantOperation.values()) {
      if (v.mayWrite(object, op).allowed()) {
        assertThat(v.isVisible(object, Access.GET)).isTrue();
      }
    }
  }

  // ---- narrowing: one more matchLabels term everywhere a selector is written -----------------

  private static ClusterResource.LabelSelectorSpec narrow(
      ClusterResource.LabelSelectorSpec s, String key, String value) {
    if (s == null || s.isEmpty()) {
      return s; // selects nothing either way
    }
    Map<String, String> m = new HashMap<>(s.matchLabels());
    m.putIfAbsent(key, value);
    return new ClusterResource.LabelSelectorSpec(m, s.matchExpressions());
  }

  private static TenantInfo narrow(TenantInfo t, String key, String value) {
    Map<String, String> nodeSelector = new HashMap<>(t.nodeSelector());
    if (!nodeSelector.isEmpty()) {
      nodeSelector.putIfAbsent(key, value);
    }
    Map<ClassKind, ClassPolicy> policies = new HashMap<>();
    t.classPolicies()
        .forEach(
            (k, p) ->
                policies.put(
                    k,
                    ClassPolicy.of(
                        p.allowed(),
                        p.allowedRegex(),
                        narrow(p.selector(), key, value),
                        p.defaultName())));
    return new TenantInfo(
        t.name(),
        t.uid(),
        t.resourceVersion(),
        t.state(),
        t.owners(),
        t.statusNamespaces(),
        t.specOwners(),
        nodeSelector,
        policies);
  }

  private static GlobalProxySettingsInfo narrow(
      GlobalProxySettingsInfo g, String key, String value) {
    return new GlobalProxySettingsInfo(
        g.name(),
        g.resourceVersion(),
        g.rules().stream()
            .map(
                r ->
                    new GlobalProxySettingsInfo.Rule(
                        r.subjects(),
                        r.clusterResources().stream()
                            .map(
                                c ->
                                    new ClusterResource(
                                        c.apiGroups(),
                                        c.resources(),
                                        c.operations(),
                                        narrow(c.selector(), key, value)))
                            .toList()))
            .toList());
  }

  // ---- generators ------------------------------------------------------------------------------

  @Provide
  Arbitrary<Caller> callers() {
    return Combinators.combine(
            Arbitraries.of("alice", "bob", "carol"), Arbitraries.of("g1", "g2").set())
        .as(
            (user, groups) -> {
              List<String> gs = new ArrayList<>(groups);
              gs.add("projectcapsule.dev");
              return new Caller(user, "", gs, Map.of());
            });
  }

  @Provide
  Arbitrary<ServedObject> objects() {
    return Combinators.combine(Arbitraries.of(NAMES), labelMaps(3)).as(ServedObject::of);
  }

  @Provide
  Arbitrary<ClusterKind> kinds() {
    return Arbitraries.of(KINDS);
  }

  @Provide
  Arbitrary<Access> accesses() {
    return Arbitraries.of(Access.class);
  }

  @Provide
  Arbitrary<String> keys() {
    return Arbitraries.of(KEYS);
  }

  @Provide
  Arbitrary<String> values() {
    return Arbitraries.of(VALUES);
  }

  @Provide
  Arbitrary<Fleet> fleets() {
    Arbitrary<List<TenantInfo>> tenants =
        tenantSpec().list().ofMaxSize(3).map(ClusterVisibilityPropertiesTest::named);
    Arbitrary<List<GlobalProxySettingsInfo>> globals =
        globalRule()
            .list()
            .ofMaxSize(2)
            .map(
                rules ->
                    rules.isEmpty()
                        ? List.of()
                        : List.of(new GlobalProxySettingsInfo("g", "1", rules)));
    return Combinators.combine(tenants, globals).as(Fleet::new);
  }

  private static List<TenantInfo> named(List<TenantInfo> specs) {
    List<TenantInfo> out = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      TenantInfo t = specs.get(i);
      out.add(
          new TenantInfo(
              "t" + i,
              "",
              "1",
              "Active",
              t.owners(),
              List.of(),
              t.specOwners(),
              t.nodeSelector(),
              t.classPolicies()));
    }
    return out;
  }

  private Arbitrary<TenantInfo> tenantSpec() {
    Arbitrary<List<Principal>> owners = Arbitraries.of(POOL).set().ofMaxSize(3).map(List::copyOf);
    Arbitrary<List<String>> grants = Arbitraries.of(GRANTS).set().ofMaxSize(3).map(List::copyOf);
    Arbitrary<ClassPolicy> storage =
        Combinators.combine(
                Arbitraries.of(NAMES).set().ofMaxSize(2).map(List::copyOf),
                Arbitraries.of("", "^gold", "(bad"),
                selectors(),
                Arbitraries.of("", "a", "b"))
            .as(ClassPolicy::of);
    return Combinators.combine(owners, grants, labelMaps(2), storage, Arbitraries.of(true, false))
        .as(
            (os, gs, nodeSelector, policy, specOnlyGrants) -> {
              List<Owner> status = new ArrayList<>();
              List<TenantInfo.SpecOwner> spec = new ArrayList<>();
              for (Principal p : os) {
                status.add(new Owner(p, List.of("admin")));
              }
              // grants go to the first owner, or to a spec-only owner the controller has not merged
              Principal grantee =
                  specOnlyGrants || os.isEmpty() ? Principal.group("g2") : os.get(0);
              List<TenantInfo.OwnerProxySetting> settings = new ArrayList<>();
              for (String g : gs) {
                String[] kv = g.split(":");
                settings.add(new TenantInfo.OwnerProxySetting(kv[0], List.of(kv[1])));
              }
              spec.add(new TenantInfo.SpecOwner(grantee, settings));
              return new TenantInfo(
                  "x",
                  "",
                  "1",
                  "Active",
                  status,
                  List.of(),
                  spec,
                  nodeSelector,
                  Map.of(ClassKind.STORAGE_CLASSES, policy));
            });
  }

  private Arbitrary<GlobalProxySettingsInfo.Rule> globalRule() {
    Arbitrary<ClusterResource> cr =
        Combinators.combine(
                Arbitraries.of(
                    List.of("*"), List.of(""), List.of("storage.k8s.io"), List.of("example.com")),
                Arbitraries.of(
                    List.of("*"), List.of("nodes"), List.of("widgets"), List.of("tenants")),
                Arbitraries.of(List.<String>of(), List.of("List"), List.of("Get")),
                selectors())
            .as(ClusterResource::new);
    return Combinators.combine(
            Arbitraries.of(POOL).set().ofMinSize(1).ofMaxSize(2).map(List::copyOf),
            cr.list().ofMinSize(1).ofMaxSize(2))
        .as(GlobalProxySettingsInfo.Rule::new);
  }

  private Arbitrary<ClusterResource.LabelSelectorSpec> selectors() {
    Arbitrary<ClusterResource.Requirement> expr =
        Combinators.combine(
                Arbitraries.of(KEYS),
                Arbitraries.of("In", "NotIn", "Exists", "DoesNotExist"),
                Arbitraries.of(VALUES).set().ofMaxSize(2).map(List::copyOf))
            .as(
                (k, op, vs) ->
                    new ClusterResource.Requirement(
                        k,
                        op,
                        op.endsWith("xist") ? List.of() : vs.isEmpty() ? List.of("v1") : vs));
    return Combinators.combine(labelMaps(2), expr.list().ofMaxSize(1))
        .as(ClusterResource.LabelSelectorSpec::new)
        .injectNull(0.2);
  }

  private static Arbitrary<Map<String, String>> labelMaps(int max) {
    return Arbitraries.maps(Arbitraries.of(KEYS), Arbitraries.of(VALUES))
        .ofMaxSize(max)
        .map(LinkedHashMap::new);
  }
}
