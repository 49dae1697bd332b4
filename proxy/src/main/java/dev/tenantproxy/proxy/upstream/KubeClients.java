package dev.tenantproxy.proxy.upstream;

import dev.tenantproxy.cache.informer.TenancyIndex;
import dev.tenantproxy.proxy.config.TlsEngine;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx5.TlsWarmup;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.ext.web.client.WebClientOptions;

/**
 * The fabric8 clients of the proxy (informers of the tenancy index, rbac-sync, explain): on the
 * proxy's Vert.x and on the same TLS engine as the proxy's own upstream connections ({@link
 * TlsEngine}: BoringSSL when available). fabric8's Vert.x 5 client would otherwise use the JDK's
 * TLS, whose AES-GCM and handshake run as Java code — at start-up, before the JIT has compiled
 * them, decrypting the initial list of a 10,000-namespace fleet (≈ 10 MB) cost more event-loop CPU
 * than parsing it (docs/benchmarks/lean.md).
 */
public final class KubeClients {
  private KubeClients() {}

  /**
   * A fabric8 client with {@code config} on {@code vertx} (its HTTP client uses {@link TlsEngine}).
   */
  public static KubernetesClient create(Vertx vertx, Config config) {
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientFactory(new EngineFactory(vertx))
        .withKubernetesSerialization(TenancyIndex.serialization())
        .build();
  }

  /**
   * fabric8 calls {@code additionalConfig} after its own TLS settings: the engine set here wins.
   */
  static final class EngineFactory extends Vertx5HttpClientFactory {
    EngineFactory(Vertx vertx) {
      super(vertx);
      // fabric8 would build a JDK TLS context at start to warm the JDK engine, which is not used
      setTlsWarmup(TlsWarmup.OFF);
    }

    @Override
    protected void additionalConfig(
        WebClientOptions options, WebSocketClientOptions webSocket, PoolOptions pool) {
      if (options.isSsl()) {
        options.setSslEngineOptions(TlsEngine.options());
      }
      if (webSocket.isSsl()) {
        webSocket.setSslEngineOptions(TlsEngine.options());
      }
    }
  }
}
