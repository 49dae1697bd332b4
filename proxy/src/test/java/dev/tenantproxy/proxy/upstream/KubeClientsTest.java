package dev.tenantproxy.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.cache.informer.TenancyIndex;
import dev.tenantproxy.proxy.config.TlsEngine;
import dev.tenantproxy.testsupport.TestVertx;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.vertx5.TlsWarmup;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fabric8 clients of the proxy use the proxy's TLS engine, not the JDK's that fabric8 sets, and
 * the tenancy index's serialization.
 */
class KubeClientsTest {
  private final Vertx vertx = TestVertx.create();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void tlsOptionsFabric8SetToTheJdkEngineGetTheProxysEngineAndNoJdkWarmUp() {
    // given: options as fabric8's builder leaves them before additionalConfig (TLS, JDK engine)
    WebClientOptions http = new WebClientOptions();
    http.setSsl(true).setSslEngineOptions(new JdkSSLEngineOptions());
    WebSocketClientOptions webSocket = new WebSocketClientOptions();
    webSocket.setSsl(true).setSslEngineOptions(new JdkSSLEngineOptions());
    KubeClients.EngineFactory factory = new KubeClients.EngineFactory(vertx);

    // when
    factory.additionalConfig(http, webSocket, new PoolOptions());

    // then: the proxy's engine (BoringSSL where bundled, as on this platform)
    Class<?> engine = TlsEngine.options().getClass();
    assertThat(http.getSslEngineOptions()).isExactlyInstanceOf(engine);
    assertThat(webSocket.getSslEngineOptions()).isExactlyInstanceOf(engine);
    if (OpenSSLEngineOptions.isAvailable()
        && System.getenv("TENANT_PROXY_TLS_ENGINE") == null
        && System.getProperty("tenantproxy.tls.engine") == null) {
      assertThat(http.getSslEngineOptions()).isInstanceOf(OpenSSLEngineOptions.class);
    }
    assertThat(factory.getTlsWarmup()).isEqualTo(TlsWarmup.OFF);
  }

  @Test
  void theClientDecodesTheInformersListPagesWithTheIndexsSerialization() {
    try (KubernetesClient client =
        KubeClients.create(
            vertx, new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").build())) {
      assertThat(client.getKubernetesSerialization())
          .isExactlyInstanceOf(TenancyIndex.serialization().getClass())
          .isNotExactlyInstanceOf(KubernetesSerialization.class);
    }
  }
}
