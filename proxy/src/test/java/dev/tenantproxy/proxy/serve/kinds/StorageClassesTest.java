package dev.tenantproxy.proxy.serve.kinds;

import static dev.tenantproxy.proxy.serve.kinds.ClusterObjects.names;
import static dev.tenantproxy.proxy.serve.kinds.ClusterObjects.tenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.request.ListOptions;
import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.ClassPolicy;
import dev.tenantproxy.filters.tenancy.ClusterResource;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.proxy.serve.IndexKindView;
import dev.tenantproxy.proxy.serve.KindView;
import dev.tenantproxy.proxy.serve.Lister;
import dev.tenantproxy.proxy.serve.ObjectFilter;
import dev.tenantproxy.proxy.serve.WatchHub;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The storage classes descriptor through the shared core: who is served, list, get, watch. */
class StorageClassesTest {
  static final Caller ALICE = Caller.of("alice", "system:authenticated");
  static final Caller BOB = Caller.of("bob", "system:authenticated");
  static final Caller CAROL = Caller.of("carol", "system:authenticated");
  static final Caller STRANGER = Caller.of("stranger", "system:authenticated");

  /** alice's tenant: allowed [gold], regex ^fast-, labels tier=solar, default standard. */
  static final ClassPolicy SOLAR =
      ClassPolicy.of(
          List.of("gold"),
          "^fast-",
          new ClusterResource.LabelSelectorSpec(Map.of("tier", "solar"), List.of()),
          "standard");

  private final WatchCache cache = new WatchCache("storageclasses", 100);
  private final ClusterObjects objects = new ClusterObjects(cache, "StorageClass");
  private TenancySnapshot snapshot =
      TenancySnapshot.empty()
          .with(
              new CapsuleConfigurationInfo(
                  "default",
                  "1",
                  List.of(Principal.user("alice"), Principal.user("bob"), Principal.user("carol")),
                  List.of()))
          .with(tenant("solar", "alice", List.of("StorageClasses"), SOLAR))
          .with(
              tenant(
                  "wind",
                  "bob",
                  List.of("StorageClasses"),
                  ClassPolicy.of(List.of("silver"), null, null, null)))
          // carol's tenant allows gold, but she holds no List grant
          .with(
              tenant(
                  "lunar",
                  "carol",
                  List.of("Nodes"),
                  ClassPolicy.of(List.of("gold"), null, null, null)));

  private KindView view() {
    return new IndexKindView(StorageClasses.INSTANCE, snapshot, cache);
  }

  private void standard() {
    objects.put("gold", Map.of());
    objects.put("fast-ssd", Map.of());
    objects.put("labelled", Map.of("tier", "solar"));
    objects.put("standard", Map.of());
    objects.put("silver", Map.of());
    objects.put("slow-fast-", Map.of());
    objects.synced();
  }

  @Test
  void ownerWithAListGrantListsExactlyTheClassesHerTenantAllowsByNameRegexLabelsAndDefault() {
    standard();
    assertThat(names(Lister.list(view(), ALICE, ObjectFilter.everything(), ListOptions.NONE)))
        .containsExactly("fast-ssd", "gold", "labelled", "standard");
    assertThat(names(Lister.list(view(), BOB, ObjectFilter.everything(), ListOptions.NONE)))
        .containsExactly("silver");
  }

  @Test
  void anOwnerWithoutAListGrantAndAStrangerAreNotServedTheApiServerAnswersThem() {
    standard();
    assertThat(view().serves(ALICE)).isTrue();
    assertThat(view().serves(CAROL)).isFalse();
    assertThat(view().serves(STRANGER)).isFalse();
  }

  @Test
  void aClassOutsideTheAllowedListIsTheSameNotFoundAsAMissingOne() {
    standard();
    assertThat(Lister.get(view(), ALICE, "gold").name()).isEqualTo("gold");
    String missing = notFound("nope");
    assertThat(notFound("silver")).isEqualTo(missing);
    assertThat(notFound("slow-fast-")).isEqualTo(missing).contains("storageclasses.storage.k8s.io");
  }

  @Test
  void reasonNamesTheTenantsPolicyAndFanOutNamesOnlyGrantedOwners() {
    standard();
    assertThat(StorageClasses.INSTANCE.reason(snapshot, ALICE, view().get("labelled")))
        .contains("solar");
    // carol's tenant allows gold too, but without her grant only alice sees it
    assertThat(StorageClasses.INSTANCE.principalsSeeing(snapshot, view().get("gold")))
        .containsExactly(Principal.user("alice"));
  }

  @Test
  void watchFollowsClassLabelsAndTheTenantsAllowedList() {
    standard();
    WatchHub hub = new WatchHub(this::view, Runnable::run, cache.resourceVersion());
    List<String> got = ClusterObjects.watch(hub, ALICE);
    assertThat(got)
        .containsExactly("ADDED fast-ssd", "ADDED gold", "ADDED labelled", "ADDED standard");

    // a class labelled into and out of her selector
    hub.onEvent(objects.put("silver", Map.of("tier", "solar")));
    assertThat(got).endsWith("ADDED silver");
    hub.onEvent(objects.put("labelled", Map.of()));
    assertThat(got).endsWith("DELETED labelled");

    // the tenant's allowed list changes (the index's RulesChange feed names its owners)
    snapshot =
        snapshot.with(
            tenant(
                "solar",
                "alice",
                List.of("StorageClasses"),
                ClassPolicy.of(List.of("labelled"), null, null, null)));
    hub.onVisibilityChange(List.of(Principal.user("alice")), cache.keys());
    assertThat(got.subList(6, got.size()))
        .containsExactlyInAnyOrder(
            "DELETED fast-ssd",
            "DELETED gold",
            "DELETED standard",
            "DELETED silver",
            "ADDED labelled");

    // the grant is withdrawn: she is no longer served, her open watch loses every class
    snapshot = snapshot.with(tenant("solar", "alice", List.of(), SOLAR));
    hub.onVisibilityChange(List.of(Principal.user("alice")), cache.keys());
    assertThat(got).endsWith("DELETED labelled");
    assertThat(view().serves(ALICE)).isFalse();
  }

  private String notFound(String name) {
    KubeStatusException e =
        catchThrowableOfType(KubeStatusException.class, () -> Lister.get(view(), ALICE, name));
    assertThat(e.code()).isEqualTo(404);
    return new String(e.toStatusJson(), StandardCharsets.UTF_8).replace(name, "X");
  }
}
