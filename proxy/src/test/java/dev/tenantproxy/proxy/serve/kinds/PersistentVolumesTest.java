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

/** The persistent volumes descriptor through the shared core: tenant label plus List grant. */
class PersistentVolumesTest {
  static final Caller ALICE = Caller.of("alice", "system:authenticated");
  static final Caller CAROL = Caller.of("carol", "system:authenticated");
  static final String LABEL = "capsule.clastix.io/tenant";

  private final WatchCache cache = new WatchCache("persistentvolumes", 100);
  private final ClusterObjects objects = new ClusterObjects(cache, "PersistentVolume");
  private TenancySnapshot snapshot =
      TenancySnapshot.empty()
          .with(
              new CapsuleConfigurationInfo(
                  "default",
                  "1",
                  List.of(Principal.user("alice"), Principal.user("carol")),
                  List.of()))
          .with(tenant("solar", "alice", List.of("PersistentVolumes"), null))
          .with(tenant("wind", "bob", List.of("PersistentVolumes"), null))
          // carol owns lunar, whose volumes exist, but holds no PersistentVolumes grant
          .with(tenant("lunar", "carol", List.of("StorageClasses"), null));

  private KindView view() {
    return new IndexKindView(PersistentVolumes.INSTANCE, snapshot, cache);
  }

  private void standard() {
    objects.put("pv-a", Map.of(LABEL, "solar"));
    objects.put("pv-b", Map.of(LABEL, "solar", "x", "y"));
    objects.put("pv-c", Map.of(LABEL, "wind"));
    objects.put("pv-d", Map.of(LABEL, "lunar"));
    objects.put("pv-e", Map.of());
    objects.synced();
  }

  @Test
  void ownerWithAListGrantListsExactlyTheVolumesLabelledWithHerTenant() {
    standard();
    assertThat(names(Lister.list(view(), ALICE, ObjectFilter.everything(), ListOptions.NONE)))
        .containsExactly("pv-a", "pv-b");
  }

  @Test
  void anOwnerWithoutTheGrantIsNotServedEvenWhenHerTenantHasVolumes() {
    standard();
    assertThat(view().serves(ALICE)).isTrue();
    assertThat(view().serves(CAROL)).isFalse();
  }

  @Test
  void anotherTenantsVolumeIsTheSameNotFoundAsAMissingOne() {
    standard();
    assertThat(Lister.get(view(), ALICE, "pv-a").name()).isEqualTo("pv-a");
    String missing = notFound("nope");
    assertThat(notFound("pv-c")).isEqualTo(missing).contains("persistentvolumes \\\"X\\\"");
    assertThat(notFound("pv-e")).isEqualTo(missing);
  }

  @Test
  void watchFollowsTheTenantLabel() {
    standard();
    WatchHub hub = new WatchHub(this::view, Runnable::run, cache.resourceVersion());
    List<String> got = ClusterObjects.watch(hub, ALICE);
    assertThat(got).containsExactly("ADDED pv-a", "ADDED pv-b");
    hub.onEvent(objects.put("pv-e", Map.of(LABEL, "solar")));
    assertThat(got).endsWith("ADDED pv-e");
    hub.onEvent(objects.put("pv-a", Map.of(LABEL, "wind")));
    assertThat(got).endsWith("DELETED pv-a");
    hub.onEvent(objects.put("pv-c", Map.of(LABEL, "wind", "z", "1")));
    assertThat(got).hasSize(4);
    assertThat(PersistentVolumes.INSTANCE.principalsSeeing(snapshot, view().get("pv-e")))
        .containsExactly(Principal.user("alice"));
  }

  private String notFound(String name) {
    KubeStatusException e =
        catchThrowableOfType(KubeStatusException.class, () -> Lister.get(view(), ALICE, name));
    assertThat(e.code()).isEqualTo(404);
    return new String(e.toStatusJson(), StandardCharsets.UTF_8).replace(name, "X");
  }
}
