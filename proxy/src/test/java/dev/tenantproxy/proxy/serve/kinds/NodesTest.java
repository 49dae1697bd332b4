package dev.tenantproxy.proxy.serve.kinds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.cache.watchcache.CachedObject;
import dev.tenantproxy.cache.watchcache.EventType;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.request.ListOptions;
import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import dev.tenantproxy.proxy.serve.IndexKindView;
import dev.tenantproxy.proxy.serve.KindView;
import dev.tenantproxy.proxy.serve.Lister;
import dev.tenantproxy.proxy.serve.ObjectFilter;
import dev.tenantproxy.proxy.serve.ServedEvent;
import dev.tenantproxy.proxy.serve.ServedObject;
import dev.tenantproxy.proxy.serve.WatchHub;
import dev.tenantproxy.proxy.serve.WatchMessage;
import dev.tenantproxy.proxy.serve.WatchSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The nodes descriptor through the shared core: who is served, list, get, and the watch hub. */
class NodesTest {
  static final Caller ALICE = Caller.of("alice", "system:authenticated");
  static final Caller BOB = Caller.of("bob", "system:authenticated");
  static final Caller CAROL = Caller.of("carol", "system:authenticated");
  static final Caller STRANGER = Caller.of("stranger", "system:authenticated");

  private final WatchCache cache = new WatchCache("nodes", 100);
  private TenancySnapshot snapshot =
      TenancySnapshot.empty()
          .with(
              new CapsuleConfigurationInfo(
                  "default",
                  "1",
                  List.of(Principal.user("alice"), Principal.user("bob"), Principal.user("carol")),
                  List.of()))
          .with(tenant("solar", "alice", Map.of("pool", "solar")))
          .with(tenant("wind", "bob", Map.of("pool", "wind")))
          .with(tenant("lunar", "carol", Map.of()));
  private long rv = 10;

  private static TenantInfo tenant(String name, String owner, Map<String, String> nodeSelector) {
    return new TenantInfo(
        name,
        "uid-" + name,
        "1",
        "Active",
        List.of(new Owner(Principal.user(owner), List.of("admin"))),
        List.of(),
        List.of(),
        nodeSelector);
  }

  private KindView view() {
    return new IndexKindView(Nodes.INSTANCE, snapshot, cache);
  }

  private ServedEvent node(String name, Map<String, String> labels) {
    StringBuilder l = new StringBuilder();
    labels.forEach(
        (k, v) ->
            l.append(l.length() == 0 ? "" : ",")
                .append('"')
                .append(k)
                .append("\":\"")
                .append(v)
                .append('"'));
    String json =
        "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\""
            + name
            + "\",\"resourceVersion\":\""
            + (++rv)
            + "\",\"labels\":{"
            + l
            + "}},\"spec\":{},\"status\":{}}";
    boolean existed = cache.get(name) != null;
    CachedObject o =
        new CachedObject(
            name,
            "",
            name,
            Long.toString(rv),
            labels,
            Map.of("metadata.name", name, "spec.unschedulable", "false"),
            json.getBytes(StandardCharsets.UTF_8));
    cache.apply(existed ? EventType.MODIFIED : EventType.ADDED, o);
    return new ServedEvent(
        existed ? ServedEvent.Type.MODIFIED : ServedEvent.Type.ADDED, IndexKindView.toServed(o));
  }

  private void standard() {
    node("n1", Map.of("pool", "solar", "zone", "a"));
    node("n2", Map.of("pool", "solar"));
    node("n3", Map.of("pool", "wind"));
    node("n4", Map.of());
    cache.endRelist(rv);
  }

  @Test
  void ownerListsExactlyTheNodesMatchingHerTenantsNodeSelector() {
    standard();
    assertThat(names(Lister.list(view(), ALICE, ObjectFilter.everything(), ListOptions.NONE)))
        .containsExactly("n1", "n2");
    assertThat(names(Lister.list(view(), BOB, ObjectFilter.everything(), ListOptions.NONE)))
        .containsExactly("n3");
  }

  @Test
  void onlyCallersWhoseRulesGrantNodesAreServedTheOthersPassThrough() {
    standard();
    assertThat(view().serves(ALICE)).isTrue();
    // carol owns a tenant without nodeSelector: the API server answers her (403), not []
    assertThat(view().serves(CAROL)).isFalse();
    assertThat(view().serves(STRANGER)).isFalse();
  }

  @Test
  void anotherTenantsNodeIsTheSameNotFoundAsAMissingOne() {
    standard();
    assertThat(Lister.get(view(), ALICE, "n1").name()).isEqualTo("n1");
    KubeStatusException other = notFound(() -> Lister.get(view(), ALICE, "n3"));
    KubeStatusException unselected = notFound(() -> Lister.get(view(), ALICE, "n4"));
    KubeStatusException missing = notFound(() -> Lister.get(view(), ALICE, "nope"));
    assertThat(other.code()).isEqualTo(404);
    String expected =
        new String(missing.toStatusJson(), StandardCharsets.UTF_8).replace("nope", "X");
    assertThat(new String(other.toStatusJson(), StandardCharsets.UTF_8).replace("n3", "X"))
        .isEqualTo(expected)
        .contains("nodes \\\"X\\\" not found");
    assertThat(new String(unselected.toStatusJson(), StandardCharsets.UTF_8).replace("n4", "X"))
        .isEqualTo(expected);
  }

  @Test
  void reasonNamesTheTenantsNodeSelectorAndFanOutNamesItsOwners() {
    standard();
    ServedObject n1 = view().get("n1");
    assertThat(Nodes.INSTANCE.reason(snapshot, ALICE, n1))
        .contains("Tenant solar")
        .contains("pool=solar");
    assertThat(Nodes.INSTANCE.principalsSeeing(snapshot, n1))
        .containsExactly(Principal.user("alice"));
    assertThat(Nodes.INSTANCE.principalsSeeing(snapshot, view().get("n4"))).isEmpty();
  }

  @Test
  void watchFollowsNodeLabelsAndTheTenantsNodeSelector() {
    standard();
    WatchHub hub = new WatchHub(this::view, Runnable::run, cache.resourceVersion());
    List<String> got = new ArrayList<>();
    hub.watch(
        new WatchSpec(ALICE, null, 0, false),
        batch -> {
          for (WatchMessage m : batch) {
            if (m instanceof WatchMessage.Event e) {
              got.add(e.type() + " " + e.object().name());
            }
          }
        });
    assertThat(got).containsExactly("ADDED n1", "ADDED n2");

    // a node labelled to match
    hub.onEvent(node("n4", Map.of("pool", "solar")));
    assertThat(got).endsWith("ADDED n4");
    // a node labelled away
    hub.onEvent(node("n2", Map.of("pool", "elsewhere")));
    assertThat(got).endsWith("DELETED n2");
    // bob's node changing is not hers
    hub.onEvent(node("n3", Map.of("pool", "wind", "x", "y")));
    assertThat(got).hasSize(4);

    // the tenant's nodeSelector changes (the index's RulesChange feed names its owners)
    snapshot = snapshot.with(tenant("solar", "alice", Map.of("pool", "wind")));
    hub.onVisibilityChange(List.of(Principal.user("alice")), cache.keys());
    assertThat(got.subList(4, got.size()))
        .containsExactlyInAnyOrder("DELETED n1", "DELETED n4", "ADDED n3");
  }

  private static List<String> names(Lister.Page page) {
    return page.items().stream().map(ServedObject::name).toList();
  }

  private static KubeStatusException notFound(Runnable r) {
    try {
      r.run();
    } catch (KubeStatusException e) {
      return e;
    }
    throw new AssertionError("expected a KubeStatusException");
  }
}
