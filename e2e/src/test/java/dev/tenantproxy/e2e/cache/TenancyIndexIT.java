package dev.tenantproxy.e2e.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.cache.index.VisibilityChange;
import dev.tenantproxy.cache.informer.InformerHealth;
import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.cache.informer.TenancyIndex;
import dev.tenantproxy.cache.informer.TenancyIndexOptions;
import dev.tenantproxy.cache.watchcache.CachedObject;
import dev.tenantproxy.cache.watchcache.WatchEvent;
import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.visibility.Visibility;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The tenancy index on the real control plane: what is created and changed through the API server
 * reaches snapshots and the change feed; a restart neither loses nor duplicates.
 *
 * <p>How fast is not asserted here: the waits are bounded generously ({@link #BOUND}) so that the
 * tests hold on a busy machine, and print how long each change took to arrive. Freshness is timed
 * by the L4 benchmark ({@code NamespacesBenchIT}, {@code -Dbench=namespaces}).
 */
@ExtendWith(ControlPlaneExtension.class)
class TenancyIndexIT {
  private static final Duration BOUND = Duration.ofSeconds(60);

  private final List<TenancyIndex> indexes = new ArrayList<>();

  @AfterEach
  void closeIndexes() {
    indexes.forEach(TenancyIndex::close);
  }

  private TenancyIndex startedIndex(ControlPlane cp, TenancyIndexOptions options) throws Exception {
    TenancyIndex index = TenancyIndex.create(cp.adminClient(), cp.vertx(), options);
    indexes.add(index);
    join(index.start());
    return index;
  }

  private static <T> T join(Future<T> future) throws Exception {
    return future
        .toCompletionStage()
        .toCompletableFuture()
        .get(BOUND.toSeconds(), TimeUnit.SECONDS);
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static boolean hasChange(
      Queue<VisibilityChange> feed, String namespace, Principal gained, Principal lost) {
    return feed.stream()
        .anyMatch(
            c ->
                c.namespace().equals(namespace)
                    && (gained == null || c.gained().contains(gained))
                    && (lost == null || c.lost().contains(lost)));
  }

  /** Waits (up to {@link #BOUND}) until {@code assertion} holds; prints how long it took. */
  private static void arrives(String what, long since, ThrowingRunnable assertion) {
    await()
        .atMost(BOUND)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10))
        .untilAsserted(assertion);
    System.out.printf(
        "TenancyIndexIT: %s in the index %d ms after the change returned%n",
        what, (System.nanoTime() - since) / 1_000_000);
  }

  @Test
  void tenantsAndNamespacesChangedThroughTheApiServerReachSnapshotAndFeed(
      ControlPlane cp, Capsule capsule) throws Exception {
    // given
    TenancyIndex index = startedIndex(cp, TenancyIndexOptions.defaults());
    Queue<VisibilityChange> feed = new ConcurrentLinkedQueue<>();
    index.onVisibilityChange(feed::add);
    String alice = unique("alice");
    String bob = unique("bob");
    String solar = unique("solar");
    String wind = unique("wind");
    String ns = solar + "-dev";
    Principal aliceP = Principal.user(alice);
    Principal bobP = Principal.user(bob);

    // when: a tenant and one of its namespaces are created
    capsule.createTenant(solar, Owner.user(alice));
    capsule.createTenant(wind, Owner.user(bob));
    capsule.createNamespace(solar, ns);

    // then
    arrives(
        "new tenant namespace",
        System.nanoTime(),
        () -> {
          assertThat(Visibility.visibleNamespaces(index.snapshot(), Caller.of(alice)))
              .containsExactly(ns);
          assertThat(hasChange(feed, ns, aliceP, null)).isTrue();
          assertThat(index.namespaces().get(ns)).isNotNull();
        });

    // when: the namespace moves to another tenant
    feed.clear();
    capsule.moveNamespace(ns, wind);

    // then: the former owner loses it, the new one gains it
    arrives(
        "moved namespace",
        System.nanoTime(),
        () -> {
          assertThat(Visibility.canSee(index.snapshot(), Caller.of(alice), ns)).isFalse();
          assertThat(Visibility.canSee(index.snapshot(), Caller.of(bob), ns)).isTrue();
          assertThat(hasChange(feed, ns, null, aliceP)).isTrue();
          assertThat(hasChange(feed, ns, bobP, null)).isTrue();
        });

    // when: a group becomes an owner of the tenant (spec edited, status reconciled)
    feed.clear();
    String devs = unique("devs");
    cp.adminClient()
        .genericKubernetesResources(Capsule.TENANTS)
        .withName(wind)
        .edit(t -> withOwner(t, Owner.group(devs)));
    capsule.reconcile(wind);

    // then
    arrives(
        "new owner",
        System.nanoTime(),
        () -> {
          assertThat(Visibility.visibleNamespaces(index.snapshot(), Caller.of("x", devs)))
              .containsExactly(ns);
          assertThat(hasChange(feed, ns, Principal.group(devs), null)).isTrue();
        });

    // when: the namespace itself changes
    feed.clear();
    Namespace edited =
        cp.adminClient()
            .namespaces()
            .withName(ns)
            .edit(
                n ->
                    new NamespaceBuilder(n)
                        .editMetadata()
                        .addToLabels("env", "dev")
                        .endMetadata()
                        .build());

    // then: those who keep seeing it are told it changed, and the watch cache has the new version
    arrives(
        "edited namespace",
        System.nanoTime(),
        () -> {
          assertThat(
                  feed.stream()
                      .anyMatch(
                          c ->
                              c.namespace().equals(ns)
                                  && c.objectChanged()
                                  && c.kept().contains(bobP)))
              .isTrue();
          CachedObject cached = index.namespaces().get(ns);
          assertThat(cached.resourceVersion()).isEqualTo(edited.getMetadata().getResourceVersion());
          assertThat(cached.labels()).containsEntry("env", "dev");
        });
    assertThat(index.isReady()).isTrue();
    assertThat(index.metrics().eventsApplied()).isPositive();
  }

  @Test
  void aFirstListInPagesOfTwoStillHasEveryObjectWhenStartCompletes(ControlPlane cp, Capsule capsule)
      throws Exception {
    // given: more tenants and namespaces than one page holds
    String alice = unique("alice");
    String tenant = unique("paged");
    String other = unique("paged");
    List<String> namespaces = new ArrayList<>();
    capsule.createTenant(tenant, Owner.user(alice));
    capsule.createTenant(other, Owner.user(alice));
    for (int i = 0; i < 5; i++) {
      namespaces.add(tenant + "-" + i);
      capsule.createNamespace(tenant, tenant + "-" + i);
    }
    int inCluster = cp.adminClient().namespaces().list().getItems().size();

    // when: the informers list two objects per request (limit=2 and continue)
    TenancyIndex index = startedIndex(cp, TenancyIndexOptions.defaults().withListPageSize(2));

    // then: once start() completes, every page has been applied (no partial view)
    assertThat(index.snapshot().namespacesOfTenant(tenant))
        .containsExactlyInAnyOrderElementsOf(namespaces);
    assertThat(index.snapshot().tenant(other)).isNotNull();
    assertThat(Visibility.visibleNamespaces(index.snapshot(), Caller.of(alice)))
        .containsAll(namespaces);
    for (String ns : namespaces) {
      assertThat(index.namespaces().get(ns)).as(ns).isNotNull();
    }
    assertThat(index.namespaces().keys()).hasSizeGreaterThanOrEqualTo(inCluster);
  }

  @Test
  void restartingTheIndexNeitherLosesNorDuplicatesState(ControlPlane cp, Capsule capsule)
      throws Exception {
    // given: objects that exist before the index starts (they arrive through its first list)
    String alice = unique("alice");
    String tenant = unique("tnt");
    String kept = tenant + "-kept";
    String detached = tenant + "-detached";
    String added = tenant + "-added";
    capsule.createTenant(tenant, Owner.user(alice));
    capsule.createNamespace(tenant, kept);
    capsule.createNamespace(tenant, detached);
    TenancyIndex index = startedIndex(cp, TenancyIndexOptions.defaults());
    assertThat(index.snapshot().namespacesOfTenant(tenant)).containsExactly(detached, kept);
    String keptJson = new String(index.namespaces().get(kept).json(), StandardCharsets.UTF_8);
    assertThat(keptJson).contains(Capsule.TENANT_LABEL).contains("\"phase\":\"Active\"");
    long rvBeforeStop = index.namespaces().resourceVersion();
    Queue<WatchEvent> watch = new ConcurrentLinkedQueue<>();
    index.namespaces().watch(rvBeforeStop, watch::add);
    Queue<VisibilityChange> feed = new ConcurrentLinkedQueue<>();
    index.onVisibilityChange(feed::add);

    // when: stopped while the cluster changes, then started again
    join(index.stop());
    capsule.removeNamespace(detached);
    capsule.createNamespace(tenant, added);
    join(index.start());

    // then: the index equals the API server, and each difference was reported exactly once
    // (snapshot, watchers and change feed are told one after the other: wait for all three before
    // asserting what each got)
    arrives(
        "state changed while stopped",
        System.nanoTime(),
        () -> {
          assertThat(index.snapshot().namespacesOfTenant(tenant)).containsExactly(added, kept);
          assertThat(watch).extracting(e -> e.object().name()).contains(detached, added);
          assertThat(feed)
              .anyMatch(c -> c.namespace().equals(detached) && !c.lost().isEmpty())
              .anyMatch(c -> c.namespace().equals(added));
        });
    // every namespace of the cluster at its current version (compared again when the cluster
    // changed between the two reads: namespaces of other tests may still be finishing deletion)
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              Map<String, String> truth = new HashMap<>();
              cp.adminClient()
                  .namespaces()
                  .list()
                  .getItems()
                  .forEach(
                      n ->
                          truth.put(
                              n.getMetadata().getName(), n.getMetadata().getResourceVersion()));
              Map<String, String> cached = new HashMap<>();
              index
                  .namespaces()
                  .list()
                  .items()
                  .forEach(o -> cached.put(o.name(), o.resourceVersion()));
              assertThat(cached).containsAllEntriesOf(truth);
              assertThat(index.namespaces().list().items()).hasSize(cached.size());
              assertThat(index.snapshot().namespaces().keySet()).containsAll(truth.keySet());
            });
    List<String> mine =
        watch.stream()
            .filter(e -> e.object().name().startsWith(tenant))
            .map(e -> e.type() + " " + e.object().name())
            .toList();
    assertThat(mine).containsExactlyInAnyOrder("MODIFIED " + detached, "ADDED " + added);
    // (the detached namespace may first be reported as modified-but-still-visible, while the
    // tenant's status still lists it; it is lost exactly once)
    assertThat(feed.stream().filter(c -> c.namespace().equals(detached) && !c.lost().isEmpty()))
        .singleElement()
        .satisfies(c -> assertThat(c.lost()).containsExactly(Principal.user(alice)));
    assertThat(feed.stream().filter(c -> c.namespace().equals(detached) && !c.gained().isEmpty()))
        .isEmpty();
    assertThat(feed.stream().filter(c -> c.namespace().equals(added)).toList())
        .singleElement()
        .satisfies(c -> assertThat(c.gained()).containsExactly(Principal.user(alice)));
    assertThat(feed.stream().filter(c -> c.namespace().equals(kept))).isEmpty();
  }

  @Test
  void kindWithoutCrdIsReportedUnhealthyWithoutBreakingTheIndex(ControlPlane cp) throws Exception {
    // given
    TenancyIndex index =
        startedIndex(cp, TenancyIndexOptions.defaults().withSyncTimeout(Duration.ofSeconds(3)));
    ResourceKind widgets = new ResourceKind("example.com", "v1", "Widget", "widgets", false);

    // when
    Future<?> served = index.serve(widgets);

    // then
    Throwable failure =
        served
            .toCompletionStage()
            .toCompletableFuture()
            .handle((v, t) -> t)
            .get(BOUND.toSeconds(), TimeUnit.SECONDS);
    assertThat(failure).hasMessageContaining("widgets.example.com/v1");
    // (the sync timeout may pass before a busy API server answered the first list: the 404 is
    // recorded when it does, and the informer keeps retrying)
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              InformerHealth health =
                  index.health().stream()
                      .filter(h -> h.kind().equals("widgets.example.com/v1"))
                      .findFirst()
                      .orElseThrow();
              assertThat(health.synced()).isFalse();
              assertThat(health.retrying()).isTrue();
              assertThat(health.lastError()).contains("404").contains("CustomResourceDefinition");
            });
    assertThat(index.isReady()).isTrue();
  }

  @SuppressWarnings("unchecked")
  private static GenericKubernetesResource withOwner(GenericKubernetesResource t, Owner owner) {
    Map<String, Object> spec =
        new HashMap<>((Map<String, Object>) t.getAdditionalProperties().get("spec"));
    List<Object> owners = new ArrayList<>((List<Object>) spec.get("owners"));
    owners.add(Map.of("kind", owner.kind(), "name", owner.name()));
    spec.put("owners", owners);
    GenericKubernetesResource copy = cp_serialization_clone(t);
    copy.getAdditionalProperties().put("spec", spec);
    return copy;
  }

  private static GenericKubernetesResource cp_serialization_clone(GenericKubernetesResource t) {
    GenericKubernetesResource copy = new GenericKubernetesResource();
    copy.setApiVersion(t.getApiVersion());
    copy.setKind(t.getKind());
    copy.setMetadata(t.getMetadata());
    copy.setAdditionalProperties(new HashMap<>(t.getAdditionalProperties()));
    return copy;
  }
}
