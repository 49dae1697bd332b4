package dev.tenantproxy.proxy.cli;

import dev.tenantproxy.proxy.config.NetTransport;
import dev.tenantproxy.proxy.config.ProxyConfig;
import dev.tenantproxy.proxy.config.TlsEngine;
import dev.tenantproxy.proxy.ops.ProxyMetrics;
import dev.tenantproxy.proxy.serve.ServedKinds;
import dev.tenantproxy.proxy.server.ProxyServer;
import dev.tenantproxy.proxy.upstream.FrontProxyClient;
import dev.tenantproxy.proxy.upstream.RequestHeaderProbe;
import dev.tenantproxy.proxy.upstream.Upstream;
import dev.tenantproxy.proxy.upstream.UpstreamCredentials;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tenant-proxy serve} as an object: its own Vert.x (with Micrometer metrics), the upstream
 * client on the proxy's credentials, namespace serving (tenancy index) and the server. Used by
 * {@link ServeCommand}, the sandbox and the end-to-end tests, so they all run the same wiring.
 */
public final class RunningProxy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunningProxy.class);

  private final ProxyConfig config;
  private final Vertx vertx;
  private final Upstream upstream;
  private final ServedKinds served;
  private final ProxyServer server;
  private final RequestHeaderProbe probe;
  private boolean closed;

  private RunningProxy(
      ProxyConfig config,
      Vertx vertx,
      Upstream upstream,
      ServedKinds served,
      ProxyServer server,
      RequestHeaderProbe probe) {
    this.config = config;
    this.vertx = vertx;
    this.upstream = upstream;
    this.served = served;
    this.server = server;
    this.probe = probe;
  }

  /**
   * Starts the proxy (blocking until it listens, at most 60 s).
   *
   * @param serveNamespaces whether the tenancy index and namespace serving are wired in
   */
  public static RunningProxy start(ProxyConfig config, boolean serveNamespaces) {
    config.validate();
    // Netty's OpenSSL probe (loading BoringSSL, ~0.1 s) runs beside the set-up below; whoever
    // needs the TLS engine first waits for it (class initialisation), nobody does it twice
    TlsEngine.warmUp();
    // parsed once: the upstream client's credentials and the index's fabric8 client both use it
    io.fabric8.kubernetes.client.Config kube =
        config.kubeconfig() != null
            ? UpstreamCredentials.parseKubeconfig(config.kubeconfig(), config.kubeContext())
            : null;
    UpstreamCredentials credentials =
        kube != null
            ? UpstreamCredentials.fromParsed(config.kubeconfig(), kube)
            : UpstreamCredentials.inCluster();
    PrometheusMeterRegistry registry = ProxyMetrics.newRegistry();
    Vertx vertx =
        Vertx.builder()
            .with(
                new VertxOptions()
                    .setEventLoopPoolSize(config.effectiveEventLoops())
                    .setMetricsOptions(
                        // Vert.x's own per-request and per-connection server meters cost CPU on
                        // every request and repeat what tenant_proxy_requests records: off. So
                        // are its per-request upstream client meters (2.7% of the event loop on
                        // the pass-through path, lean.md; tenant_proxy_upstream_requests counts
                        // them); connection and pool meters stay
                        new MicrometerMetricsOptions()
                            .setEnabled(true)
                            .setJvmMetricsEnabled(true)
                            .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
                            .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
                            .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)))
            .withMetrics(new MicrometerMetricsFactory(registry))
            .withTransport(NetTransport.choose())
            .build();
    LOG.info("network transport: {}", vertx.isNativeTransportEnabled() ? "epoll (native)" : "nio");
    // the index's first lists leave now: with a large fleet they are most of the start, and the
    // rest of the set-up (upstream client, filters, server, TLS contexts) runs while they do
    ServedKinds.StartedIndex index;
    try {
      index = serveNamespaces ? ServedKinds.startIndex(vertx, config, kube) : null;
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
    Upstream upstream;
    ProxyServer.Builder builder;
    ServedKinds served;
    RequestHeaderProbe probe = null;
    try {
      upstream =
          Upstream.create(
              vertx,
              credentials,
              config.proxyClientCertFile() == null
                  ? null
                  : FrontProxyClient.fromFiles(
                      config.proxyClientCertFile(), config.proxyClientKeyFile()),
              config.tlsReloadInterval(),
              (int) config.upstreamConnectTimeout().toMillis());
      LOG.info(
          "callers are asserted to the API server by {}",
          config.proxyClientCertFile() == null
              ? "Impersonate-* headers"
              : "X-Remote-* headers (front-proxy client certificate "
                  + config.proxyClientCertFile()
                  + ", reloaded when it changes)");
      builder = ProxyServer.builder(vertx, config, upstream).registry(registry);
      // serving filters (namespaces, access reviews) and the index's readiness plug in here
      served = index != null ? ServedKinds.install(builder, vertx, config, upstream, index) : null;
      if (config.proxyClientCertFile() != null) {
        // not ready before the API server has taken an asserted user from the headers
        probe = RequestHeaderProbe.start(vertx, upstream);
        builder.alsoReady(probe::passed);
      }
    } catch (RuntimeException e) {
      if (index != null) {
        index.close();
      }
      vertx.close();
      throw e;
    }
    ProxyServer server = builder.build();
    if (served != null) {
      server.metrics().servedWatches(served::openWatches);
      server.metrics().index(served::indexMetrics);
      server.metrics().watchHubFailures(served::hubFailures);
      dev.tenantproxy.proxy.serve.allnamespaces.AllNamespaces.registerMetrics(
          server.metrics().registry());
    }
    RunningProxy running = new RunningProxy(config, vertx, upstream, served, server, probe);
    try {
      server.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      running.close();
      throw new IllegalStateException(
          "tenant-proxy cannot start: " + (e.getCause() != null ? e.getCause() : e), e);
    }
    return running;
  }

  /** The port the proxy listens on. */
  public int port() {
    return server.port();
  }

  /** The port of {@code /healthz}, {@code /livez}, {@code /readyz}, {@code /metrics} (HTTP). */
  public int opsPort() {
    return server.opsPort();
  }

  public ProxyServer server() {
    return server;
  }

  public ProxyMetrics metrics() {
    return server.metrics();
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * Graceful stop: ends watches, stops listening, waits at most the grace period (+5 s).
   *
   * @return whether everything stopped in time (false also when already stopped)
   */
  public synchronized boolean stop() {
    if (closed) {
      return false;
    }
    closed = true;
    if (probe != null) {
      probe.stop();
    }
    boolean clean = true;
    LOG.info("shutting down (grace period {})", config.shutdownGracePeriod());
    if (served != null) {
      served.endAllWatches();
    }
    try {
      server
          .shutdown()
          .compose(v -> upstream.close())
          .eventually(vertx::close)
          .toCompletionStage()
          .toCompletableFuture()
          .get(config.shutdownGracePeriod().toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("shutdown did not finish in time: {}", e.toString());
      clean = false;
    }
    if (served != null) {
      served.close();
    }
    LOG.info("stopped{}", clean ? "" : " (grace period exceeded)");
    return clean;
  }

  /** {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }
}
