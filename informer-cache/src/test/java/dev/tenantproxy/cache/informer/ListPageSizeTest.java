package dev.tenantproxy.cache.informer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.testsupport.TestVertx;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which page size each informer asks for: the {@code limit} of its list requests, as a recording
 * HTTP server sees them (every list is answered empty, every watch is left open).
 */
class ListPageSizeTest {
  private static final ResourceKind NODES = new ResourceKind("", "v1", "Node", "nodes", false);

  private final Vertx vertx = TestVertx.create();
  private final Queue<String> lists = new ConcurrentLinkedQueue<>();
  private KubernetesClient client;
  private DefaultTenancyIndex index;

  @AfterEach
  void close() throws Exception {
    if (index != null) {
      index.close();
    }
    if (client != null) {
      client.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void namespacesAreListedInPagesOfTwoThousandAndEveryOtherKindInPagesOfFiveHundred()
      throws Exception {
    // given
    startIndex(TenancyIndexOptions.defaults());

    // when
    index.serve(NODES).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);

    // then
    assertThat(lists)
        .contains(
            "/api/v1/namespaces?limit=2000",
            "/apis/capsule.clastix.io/v1beta2/tenants?limit=500",
            "/api/v1/nodes?limit=500")
        .allSatisfy(
            uri ->
                assertThat(uri)
                    .endsWith(uri.startsWith("/api/v1/namespaces?") ? "limit=2000" : "limit=500"));
  }

  @Test
  void aPageSizeSetForTheIndexAppliesToNamespacesToo() throws Exception {
    // when
    startIndex(TenancyIndexOptions.defaults().withListPageSize(7));

    // then
    assertThat(lists)
        .contains("/api/v1/namespaces?limit=7", "/apis/capsule.clastix.io/v1beta2/tenants?limit=7")
        .allSatisfy(uri -> assertThat(uri).endsWith("limit=7"));
  }

  private void startIndex(TenancyIndexOptions options) throws Exception {
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  if ("true".equals(req.getParam("watch"))) {
                    return; // a watch that never sends an event
                  }
                  lists.add(req.uri());
                  req.response()
                      .putHeader("Content-Type", "application/json")
                      .end(
                          "{\"kind\":\"List\",\"apiVersion\":\"v1\","
                              + "\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[]}");
                })
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:" + server.actualPort())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .withHttpClientFactory(new Vertx5HttpClientFactory(vertx))
            .withKubernetesSerialization(TenancyIndex.serialization())
            .build();
    index = new DefaultTenancyIndex(client, vertx, options);
    index.start().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
