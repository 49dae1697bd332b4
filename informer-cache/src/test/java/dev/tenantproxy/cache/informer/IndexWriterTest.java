package dev.tenantproxy.cache.informer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.cache.index.RulesChange;
import dev.tenantproxy.cache.index.VisibilityChange;
import dev.tenantproxy.cache.watchcache.EventType;
import dev.tenantproxy.cache.watchcache.WatchEvent;
import dev.tenantproxy.filters.tenancy.Principal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The writer driven directly (on the test thread) with the changes informers would hand over. */
class IndexWriterTest {
  private final IndexWriter writer = new IndexWriter();
  private final Generation tenants1 = new Generation(ResourceKind.TENANTS);
  private final Generation namespaces1 = new Generation(ResourceKind.NAMESPACES);

  IndexWriterTest() {
    writer.serveCache(ResourceKind.NAMESPACES, 100);
  }

  @AfterEach
  void close() {
    writer.close();
  }

  private void apply(Generation g, EventType type, WireObject r) {
    var model = Extractors.model(g.kind, r);
    var object = writer.cache(g.kind) == null ? null : Extractors.cached(g.kind, r, r.json(g.kind));
    writer.apply(g, type, new IndexWriter.Change(Extractors.key(r), model, object));
  }

  private void initialState() {
    apply(tenants1, EventType.ADDED, Objects.tenant("solar", "1", "alice"));
    writer.endList(tenants1, 2);
    apply(namespaces1, EventType.ADDED, Objects.namespace("solar-a", "3", "solar"));
    apply(namespaces1, EventType.ADDED, Objects.namespace("solar-b", "4", "solar"));
    writer.endList(namespaces1, 5);
  }

  @Test
  void eventsBuildTheSnapshotAndTheNamespaceWatchCache() {
    initialState();
    assertThat(writer.snapshot().namespacesOfTenant("solar")).containsExactly("solar-a", "solar-b");
    assertThat(writer.snapshot().tenantsOwnedBy(Principal.user("alice"))).containsExactly("solar");
    assertThat(writer.cache(ResourceKind.NAMESPACES).list().resourceVersion()).isEqualTo(5);
    assertThat(tenants1.synced).isCompleted();
    assertThat(writer.metrics().revision()).isEqualTo(3);
  }

  @Test
  void changeFeedCarriesTheNamespaceJson() {
    initialState();
    List<VisibilityChange> feed = new ArrayList<>();
    writer.addListener(feed::add);
    apply(namespaces1, EventType.ADDED, Objects.namespace("solar-c", "6", "solar"));
    assertThat(feed)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.gained()).containsExactly(Principal.user("alice"));
              assertThat(new String(c.currentObject().json(), StandardCharsets.UTF_8))
                  .contains("solar-c");
            });
  }

  @Test
  void rulesChangeFeedNamesTheOwnersBeforeAndAfterATenantChangeOnceItsSnapshotIsPublished() {
    initialState();
    List<RulesChange> feed = new ArrayList<>();
    List<String> selectorSeen = new ArrayList<>();
    writer.addRulesListener(
        c -> {
          feed.add(c);
          selectorSeen.add(writer.snapshot().tenant("solar").nodeSelector().get("pool"));
        });
    // the owners change (alice replaced by bob)
    var changed = Objects.tenant("solar", "7", "bob");
    apply(tenants1, EventType.MODIFIED, changed);
    assertThat(feed)
        .singleElement()
        .satisfies(
            c ->
                assertThat(c.principals())
                    .containsExactlyInAnyOrder(Principal.user("alice"), Principal.user("bob")));
    assertThat(selectorSeen).containsExactly("solar");
    assertThat(writer.snapshot().tenant("solar").ownerPrincipals())
        .containsExactly(Principal.user("bob"));

    // a namespace event bears no cluster-scoped rules
    apply(namespaces1, EventType.ADDED, Objects.namespace("solar-c", "8", "solar"));
    assertThat(feed).hasSize(1);
  }

  @Test
  void restartWithFreshInformersNeitherLosesNorDuplicatesState() {
    initialState();
    List<VisibilityChange> feed = new ArrayList<>();
    List<WatchEvent> watch = new ArrayList<>();
    writer.addListener(feed::add);
    writer.cache(ResourceKind.NAMESPACES).watch(5, watch::add);
    long revision = writer.snapshot().revision();

    // stop: the old generations are dropped; start: fresh informers list everything again
    tenants1.stopped = true;
    namespaces1.stopped = true;
    Generation tenants2 = new Generation(ResourceKind.TENANTS);
    Generation namespaces2 = new Generation(ResourceKind.NAMESPACES);
    apply(tenants2, EventType.ADDED, Objects.tenant("solar", "1", "alice"));
    writer.endList(tenants2, 9);
    // while stopped: solar-b was deleted and solar-a modified
    apply(namespaces2, EventType.ADDED, Objects.namespace("solar-a", "7", "solar"));
    writer.endList(namespaces2, 9);

    assertThat(writer.snapshot().namespacesOfTenant("solar")).containsExactly("solar-a");
    assertThat(writer.snapshot().tenants()).containsOnlyKeys("solar");
    assertThat(writer.snapshot().revision()).isEqualTo(revision + 2);
    assertThat(feed).extracting(VisibilityChange::namespace).containsExactly("solar-a", "solar-b");
    assertThat(feed.get(1).deleted()).isTrue();
    assertThat(watch)
        .extracting(e -> e.type() + " " + e.object().name())
        .containsExactly("MODIFIED solar-a", "DELETED solar-b");
    assertThat(writer.cache(ResourceKind.NAMESPACES).keys()).containsExactly("solar-a");
  }

  @Test
  void relistOfARunningInformerOnlyAppliesTheReportedDifferences() {
    initialState();
    writer.cache(ResourceKind.NAMESPACES).beginRelist();
    apply(namespaces1, EventType.DELETED, Objects.namespace("solar-b", "4", "solar"));
    writer.endList(namespaces1, 12);
    assertThat(writer.snapshot().namespacesOfTenant("solar")).containsExactly("solar-a");
    assertThat(writer.cache(ResourceKind.NAMESPACES).since(5))
        .extracting(e -> e.type() + " " + e.object().name())
        .containsExactly("DELETED solar-b");
  }

  @Test
  void eventsOfAStoppedGenerationAreDropped() throws Exception {
    initialState();
    namespaces1.stopped = true;
    writer.submit(
        namespaces1,
        EventType.ADDED,
        new IndexWriter.Change(
            "late", Extractors.namespace(Objects.namespace("late", "99", "solar")), null));
    writer.barrier(() -> {}).get();
    assertThat(writer.snapshot().namespace("late")).isNull();
    assertThat(writer.metrics().eventsApplied()).isEqualTo(1);
  }

  @Test
  void aFailingEventIsLoggedCountedAndSkippedAndTheWriterGoesOnWithCorrectLagFigures()
      throws Exception {
    initialState();
    writer.beforeApply =
        change -> {
          if (change.key().equals("poison")) {
            throw new IllegalStateException("injected failure");
          }
        };

    writer.submit(
        namespaces1,
        EventType.ADDED,
        new IndexWriter.Change(
            "poison", Extractors.namespace(Objects.namespace("poison", "20", "solar")), null));
    writer.submit(
        namespaces1,
        EventType.ADDED,
        new IndexWriter.Change(
            "after", Extractors.namespace(Objects.namespace("after", "21", "solar")), null));
    writer.barrier(() -> {}).get(30, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(writer.snapshot().namespace("poison")).isNull();
    assertThat(writer.snapshot().namespace("after")).isNotNull();
    IndexMetrics m = writer.metrics();
    assertThat(m.eventsFailed()).isEqualTo(1);
    assertThat(m.eventsReceived()).isEqualTo(2);
    assertThat(m.eventsApplied()).isEqualTo(2);
    assertThat(m.queueDepth()).isZero();
  }
}
