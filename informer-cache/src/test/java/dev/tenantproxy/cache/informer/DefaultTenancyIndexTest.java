package dev.tenantproxy.cache.informer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.cache.index.VisibilityChange;
import dev.tenantproxy.cache.watchcache.EventType;
import dev.tenantproxy.testsupport.TestVertx;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The index without an API server: start-up timeout, health, and the change-feed context hop. */
class DefaultTenancyIndexTest {
  private final Vertx vertx = TestVertx.create();
  private final KubernetesClient client =
      new KubernetesClientBuilder()
          .withConfig(
              new ConfigBuilder()
                  .withMasterUrl("https://127.0.0.1:1")
                  .withRequestRetryBackoffLimit(0)
                  .build())
          .withHttpClientFactory(new Vertx5HttpClientFactory(vertx))
          .withKubernetesSerialization(TenancyIndex.serialization())
          .build();
  private final DefaultTenancyIndex index =
      new DefaultTenancyIndex(
          client, vertx, TenancyIndexOptions.defaults().withSyncTimeout(Duration.ofSeconds(1)));

  @AfterEach
  void close() throws Exception {
    index.close();
    client.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void startFailsAfterTheSyncTimeoutNamingTheInformersAndTheyKeepRetrying() throws Exception {
    // when
    Throwable failure =
        index
            .start()
            .toCompletionStage()
            .toCompletableFuture()
            .handle((v, t) -> t)
            .get(20, TimeUnit.SECONDS);

    // then
    assertThat(failure)
        .hasMessageContaining("informers not synced after PT1S")
        .hasMessageContaining("tenants.capsule.clastix.io/v1beta2")
        .hasMessageContaining("namespaces/v1");
    assertThat(index.isReady()).isFalse();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(index.health())
                    .filteredOn(h -> h.kind().equals("namespaces/v1"))
                    .singleElement()
                    .satisfies(
                        h -> {
                          assertThat(h.synced()).isFalse();
                          assertThat(h.retrying()).isTrue();
                          assertThat(h.lastError()).isNotBlank();
                        }));
    assertThat(index.health())
        .filteredOn(h -> h.kind().startsWith("proxysettings"))
        .singleElement()
        .satisfies(h -> assertThat(h.required()).isFalse());
  }

  @Test
  void changeFeedSubscriberWithAContextIsCalledOnThatContext() {
    // given
    Context context = vertx.getOrCreateContext();
    Queue<Context> calledOn = new ConcurrentLinkedQueue<>();
    Queue<VisibilityChange> changes = new ConcurrentLinkedQueue<>();
    index.onVisibilityChange(
        context,
        c -> {
          calledOn.add(Vertx.currentContext());
          changes.add(c);
        });
    Generation tenants = new Generation(ResourceKind.TENANTS);
    Generation namespaces = new Generation(ResourceKind.NAMESPACES);

    // when
    var tenant = Objects.tenant("solar", "1", "alice");
    var namespace = Objects.namespace("solar-a", "2", "solar");
    index
        .writer()
        .apply(
            tenants,
            EventType.ADDED,
            new IndexWriter.Change("solar", Extractors.model(ResourceKind.TENANTS, tenant), null));
    index
        .writer()
        .apply(
            namespaces,
            EventType.ADDED,
            new IndexWriter.Change(
                "solar-a", Extractors.model(ResourceKind.NAMESPACES, namespace), null));

    // then
    await().atMost(Duration.ofSeconds(30)).until(() -> changes.size() == 1);
    assertThat(calledOn).containsExactly(context);
    assertThat(index.snapshot().namespacesOfTenant("solar")).containsExactly("solar-a");
  }
}
