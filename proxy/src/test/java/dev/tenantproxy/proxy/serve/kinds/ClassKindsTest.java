package dev.tenantproxy.proxy.serve.kinds;

import static dev.tenantproxy.proxy.serve.kinds.ClusterObjects.names;
import static dev.tenantproxy.proxy.serve.kinds.ClusterObjects.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.request.ListOptions;
import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.ClassKind;
import dev.tenantproxy.filters.tenancy.ClassPolicy;
import dev.tenantproxy.filters.tenancy.ClusterResource;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.proxy.serve.IndexKindView;
import dev.tenantproxy.proxy.serve.Lister;
import dev.tenantproxy.proxy.serve.ObjectFilter;
import dev.tenantproxy.proxy.serve.ServedKind;
import dev.tenantproxy.proxy.serve.WatchHub;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every class kind is the same rule over its own tenant spec and grant kind: each descriptor reads
 * its own policy ({@code spec.storageClasses}, {@code spec.ingressOptions.allowedClasses}, {@code
 * spec.priorityClasses}, {@code spec.runtimeClasses}) and needs its own List grant.
 */
class ClassKindsTest {
  static final Caller ALICE = Caller.of("alice", "system:authenticated");

  static Stream<Arguments> kinds() {
    return Stream.of(
        Arguments.of(StorageClasses.INSTANCE, ClassKind.STORAGE_CLASSES, "StorageClasses"),
        Arguments.of(IngressClasses.INSTANCE, ClassKind.INGRESS_CLASSES, "IngressClasses"),
        Arguments.of(PriorityClasses.INSTANCE, ClassKind.PRIORITY_CLASSES, "PriorityClasses"),
        Arguments.of(RuntimeClasses.INSTANCE, ClassKind.RUNTIME_CLASSES, "RuntimeClasses"));
  }

  private static final ClassPolicy POLICY =
      ClassPolicy.of(
          List.of("gold"),
          "^fast-",
          new ClusterResource.LabelSelectorSpec(Map.of("tier", "solar"), List.of()),
          "standard");

  private static TenancySnapshot snapshot(ClassKind policyKind, String grant) {
    return TenancySnapshot.empty()
        .with(
            new CapsuleConfigurationInfo(
                "default", "1", List.of(Principal.user("alice")), List.of()))
        .with(tenant("solar", "alice", List.of(grant), policyKind, POLICY));
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("kinds")
  void theKindsOwnPolicyAndGrantSelectExactlyTheAllowedClasses(
      ServedKind kind, ClassKind policyKind, String grant) {
    WatchCache cache = new WatchCache(kind.kind().plural(), 100);
    ClusterObjects objects = new ClusterObjects(cache, kind.kind().kind());
    for (String name : List.of("gold", "fast-1", "standard", "silver", "slow-fast-")) {
      objects.put(name, Map.of());
    }
    objects.put("labelled", Map.of("tier", "solar"));
    objects.synced();

    var served = new IndexKindView(kind, snapshot(policyKind, grant), cache);
    assertThat(served.serves(ALICE)).isTrue();
    assertThat(names(Lister.list(served, ALICE, ObjectFilter.everything(), ListOptions.NONE)))
        .containsExactly("fast-1", "gold", "labelled", "standard");

    // the policy of another class kind, or the grant of another kind, gives nothing of this one
    for (Arguments other : kinds().toList()) {
      ClassKind otherKind = (ClassKind) other.get()[1];
      String otherGrant = (String) other.get()[2];
      if (otherKind == policyKind) {
        continue;
      }
      assertThat(new IndexKindView(kind, snapshot(otherKind, grant), cache).serves(ALICE))
          .as("policy of %s", otherKind)
          .isFalse();
      assertThat(new IndexKindView(kind, snapshot(policyKind, otherGrant), cache).serves(ALICE))
          .as("grant %s", otherGrant)
          .isFalse();
    }
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("kinds")
  void anOpenWatchFollowsTheTenantsAllowedList(
      ServedKind kind, ClassKind policyKind, String grant) {
    WatchCache cache = new WatchCache(kind.kind().plural(), 100);
    ClusterObjects objects = new ClusterObjects(cache, kind.kind().kind());
    objects.put("gold", Map.of());
    objects.put("silver", Map.of());
    objects.synced();
    TenancySnapshot[] snapshot = {snapshot(policyKind, grant)};
    WatchHub hub =
        new WatchHub(
            () -> new IndexKindView(kind, snapshot[0], cache),
            Runnable::run,
            cache.resourceVersion());
    List<String> got = ClusterObjects.watch(hub, ALICE);
    assertThat(got).containsExactly("ADDED gold");

    snapshot[0] =
        snapshot[0].with(
            tenant(
                "solar",
                "alice",
                List.of(grant),
                policyKind,
                ClassPolicy.of(List.of("silver"), null, null, null)));
    hub.onVisibilityChange(List.of(Principal.user("alice")), cache.keys());
    assertThat(got).containsExactly("ADDED gold", "DELETED gold", "ADDED silver");
  }
}
