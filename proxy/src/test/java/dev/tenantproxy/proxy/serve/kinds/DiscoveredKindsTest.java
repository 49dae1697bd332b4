package dev.tenantproxy.proxy.serve.kinds;

import static dev.tenantproxy.proxy.serve.kinds.ClusterObjects.names;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.render.TableColumns;
import dev.tenantproxy.filters.request.ListOptions;
import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.ClusterResource;
import dev.tenantproxy.filters.tenancy.GlobalProxySettingsInfo;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.proxy.serve.IndexKindView;
import dev.tenantproxy.proxy.serve.KindView;
import dev.tenantproxy.proxy.serve.Lister;
import dev.tenantproxy.proxy.serve.ObjectFilter;
import dev.tenantproxy.proxy.serve.ServedKind;
import dev.tenantproxy.proxy.serve.WatchHub;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A kind found by discovery (a CRD no descriptor names), served through the shared core because
 * GlobalProxySettings rules name it: List rules, Get-only rules, live rule and label changes.
 */
class DiscoveredKindsTest {
  static final Caller ALICE = Caller.of("alice", "system:authenticated");
  static final Caller BOB = Caller.of("bob", "system:authenticated");
  static final Caller STRANGER = Caller.of("stranger", "system:authenticated");

  static final ServedKind WIDGETS =
      DiscoveredKinds.of(
          new ResourceKind("example.com", "v1", "Widget", "widgets", false),
          TableColumns.customResourceDefaulted(List.of()));

  private final WatchCache cache = new WatchCache("widgets", 100);
  private final ClusterObjects objects = new ClusterObjects(cache, "Widget");
  private TenancySnapshot snapshot =
      TenancySnapshot.empty()
          .with(
              new CapsuleConfigurationInfo(
                  "default",
                  "1",
                  List.of(Principal.user("alice"), Principal.user("bob")),
                  List.of()))
          .with(rules(List.of("List"), List.of("Get")));

  /**
   * alice: widgets labelled team=solar with {@code aliceOps}; bob: the same with {@code bobOps}.
   */
  private static GlobalProxySettingsInfo rules(List<String> aliceOps, List<String> bobOps) {
    ClusterResource.LabelSelectorSpec solar =
        new ClusterResource.LabelSelectorSpec(Map.of("team", "solar"), List.of());
    return new GlobalProxySettingsInfo(
        "widgets",
        "1",
        List.of(
            new GlobalProxySettingsInfo.Rule(
                List.of(Principal.user("alice")),
                List.of(
                    new ClusterResource(
                        List.of("example.com"), List.of("widgets"), aliceOps, solar))),
            new GlobalProxySettingsInfo.Rule(
                List.of(Principal.user("bob")),
                List.of(new ClusterResource(List.of("*"), List.of("*"), bobOps, solar)))));
  }

  private KindView view() {
    return new IndexKindView(WIDGETS, snapshot, cache);
  }

  private void standard() {
    objects.put("a", Map.of("team", "solar"));
    objects.put("b", Map.of("team", "wind"));
    objects.put("c", Map.of("team", "solar"));
    objects.synced();
  }

  @Test
  void aListRuleListsGetsAndServesOnlyTheSelectedObjects() {
    standard();
    assertThat(view().serves(ALICE)).isTrue();
    assertThat(view().servesLists(ALICE)).isTrue();
    assertThat(names(Lister.list(view(), ALICE, ObjectFilter.everything(), ListOptions.NONE)))
        .containsExactly("a", "c");
    assertThat(Lister.get(view(), ALICE, "a").name()).isEqualTo("a");
    assertThat(notFound(ALICE, "b")).isEqualTo(notFound(ALICE, "missing"));
    assertThat(notFound(ALICE, "b")).contains("widgets.example.com");
  }

  @Test
  void aGetOnlyRuleGetsByNameButIsNotServedListsAndGrantsNoWatchEvents() {
    standard();
    assertThat(view().serves(BOB)).isTrue();
    assertThat(view().servesLists(BOB)).isFalse();
    assertThat(Lister.get(view(), BOB, "c").name()).isEqualTo("c");
    assertThat(notFound(BOB, "b")).isEqualTo(notFound(BOB, "missing"));
    assertThat(WIDGETS.reason(snapshot, BOB, view().get("c")))
        .contains("GlobalProxySettings widgets")
        .contains("[Get]");
    assertThat(WIDGETS.principalsSeeing(snapshot, view().get("a")))
        .containsExactly(Principal.user("alice"));
  }

  @Test
  void aCallerNoRuleNamesIsNotServed() {
    standard();
    assertThat(view().serves(STRANGER)).isFalse();
    snapshot = snapshot.with(rules(List.of("List"), List.of()));
    // no operations: both list and get
    assertThat(view().servesLists(BOB)).isTrue();
  }

  @Test
  void watchFollowsLabelsAndRuleChanges() {
    standard();
    WatchHub hub = new WatchHub(this::view, Runnable::run, cache.resourceVersion());
    List<String> got = ClusterObjects.watch(hub, ALICE);
    assertThat(got).containsExactly("ADDED a", "ADDED c");

    hub.onEvent(objects.put("b", Map.of("team", "solar")));
    assertThat(got).endsWith("ADDED b");
    hub.onEvent(objects.put("a", Map.of()));
    assertThat(got).endsWith("DELETED a");

    // alice's rule becomes Get-only: her open watch loses every widget (the RulesChange feed)
    snapshot = snapshot.with(rules(List.of("Get"), List.of("Get")));
    hub.onVisibilityChange(List.of(Principal.user("alice")), cache.keys());
    assertThat(got.subList(4, got.size())).containsExactlyInAnyOrder("DELETED b", "DELETED c");
  }

  @Test
  void printerColumnsAreReadFromTheCrdVersionServed() {
    JsonObject crd =
        new JsonObject(
            """
            {"spec":{"versions":[
              {"name":"v1alpha1","additionalPrinterColumns":[
                {"name":"Old","type":"string","jsonPath":".spec.old"}]},
              {"name":"v1","additionalPrinterColumns":[
                {"name":"Size","type":"integer","jsonPath":".spec.size","priority":1},
                {"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}]}]}}
            """);
    List<TableColumns.PrinterColumn> cols = DiscoveredKinds.printerColumns(crd, "v1");
    assertThat(cols).extracting(TableColumns.PrinterColumn::name).containsExactly("Size", "Age");
    assertThat(cols.get(0).priority()).isEqualTo(1);
    assertThat(cols.get(0).jsonPath()).isEqualTo(".spec.size");
    assertThat(DiscoveredKinds.printerColumns(crd, "v2")).isEmpty();
    assertThat(WIDGETS.columns().columns())
        .extracting(TableColumns.Column::name)
        .containsExactly("Name", "Age");
  }

  private String notFound(Caller caller, String name) {
    KubeStatusException e =
        catchThrowableOfType(KubeStatusException.class, () -> Lister.get(view(), caller, name));
    assertThat(e.code()).isEqualTo(404);
    return new String(e.toStatusJson(), StandardCharsets.UTF_8).replace(name, "X");
  }
}
