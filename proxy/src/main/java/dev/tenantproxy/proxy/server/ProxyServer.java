package dev.tenantproxy.proxy.server;

import dev.tenantproxy.proxy.auth.AuthenticationFilter;
import dev.tenantproxy.proxy.auth.CachingTokenAuthenticator;
import dev.tenantproxy.proxy.auth.CallerLimitsFilter;
import dev.tenantproxy.proxy.auth.ImpersonationFilter;
import dev.tenantproxy.proxy.auth.KubeAuthenticator;
import dev.tenantproxy.proxy.auth.KubeReviews;
import dev.tenantproxy.proxy.auth.X509Verifier;
import dev.tenantproxy.proxy.config.ProxyConfig;
import dev.tenantproxy.proxy.ops.ObservingFilter;
import dev.tenantproxy.proxy.ops.OpsServer;
import dev.tenantproxy.proxy.ops.ProxyMetrics;
import dev.tenantproxy.proxy.ops.Readiness;
import dev.tenantproxy.proxy.passthrough.ForwardHeaders;
import dev.tenantproxy.proxy.passthrough.OpenStreams;
import dev.tenantproxy.proxy.passthrough.PassThroughFilter;
import dev.tenantproxy.proxy.upstream.Upstream;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tenant-proxy serve}: HTTPS listeners (one verticle per event loop), the filter onion, TLS
 * hot reload and graceful shutdown. Usage:
 *
 * <pre>{@code
 * ProxyServer server = ProxyServer.builder(vertx, config, upstream)
 *     .readiness(index::hasSynced)
 *     .addServingFilter(new NamespaceFilter(index))
 *     .build();
 * server.start().onSuccess(s -> ... s.port() ...);
 * server.shutdown(); // stop accepting, end streams, wait up to the grace period
 * }</pre>
 */
public final class ProxyServer {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);
  private static final List<String> DEFAULT_IDENTITY_HEADERS =
      List.of("X-Remote-User", "X-Remote-Group");
  private static final List<String> DEFAULT_IDENTITY_PREFIXES = List.of("X-Remote-Extra-");

  private final Vertx vertx;
  private final ProxyConfig config;
  private final ProxyMetrics metrics;
  private final FilterRegistry registry;
  private final OpenStreams streams = new OpenStreams();
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final List<X509Certificate> issuers;
  private final TlsReloader tls;
  private final Readiness readiness;
  private volatile OpsServer ops;
  private volatile boolean shuttingDown;
  private volatile int port;
  private final List<String> deployments = new CopyOnWriteArrayList<>();

  private ProxyServer(Builder b) {
    this.vertx = b.vertx;
    this.config = b.config;
    this.metrics = new ProxyMetrics(b.registry != null ? b.registry : ProxyMetrics.newRegistry());
    this.readiness = b.readiness;
    X509Verifier clientCa =
        config.clientCaFile() == null ? null : X509Verifier.fromPemFile(config.clientCaFile());
    X509Verifier frontCa =
        config.requestHeader() == null
            ? null
            : X509Verifier.fromPemFile(config.requestHeader().clientCaFile());
    List<X509Certificate> acceptable = new ArrayList<>();
    if (clientCa != null) {
      acceptable.addAll(clientCa.authorities());
    }
    if (frontCa != null) {
      acceptable.addAll(frontCa.authorities());
    }
    this.issuers = List.copyOf(acceptable);
    KubeReviews reviews = new KubeReviews(b.upstream, metrics.tokenReviewCounter());
    KubeReviews accessReviews = new KubeReviews(b.upstream, metrics.accessReviewCounter());
    CachingTokenAuthenticator tokens =
        new CachingTokenAuthenticator(
            reviews,
            config.tuning().tokenReviewsInFlight(),
            config.tuning().tokenReviewsQueued(),
            config.tokenCache().ttl(),
            config.tokenCache().negativeTtl(),
            config.tokenCache().maxEntries(),
            metrics.cacheListener("tokenreview"));
    KubeAuthenticator authenticator =
        new KubeAuthenticator(clientCa, frontCa, config.requestHeader(), tokens);
    List<String> identityHeaders = new ArrayList<>(DEFAULT_IDENTITY_HEADERS);
    List<String> identityPrefixes = new ArrayList<>(DEFAULT_IDENTITY_PREFIXES);
    if (config.requestHeader() != null) {
      identityHeaders.addAll(config.requestHeader().usernameHeaders());
      identityHeaders.addAll(config.requestHeader().groupHeaders());
      identityPrefixes.addAll(config.requestHeader().extraHeaderPrefixes());
    }
    this.registry =
        new FilterRegistry(
            new ObservingFilter(metrics),
            new AuthenticationFilter(authenticator),
            new ImpersonationFilter(
                accessReviews,
                config.impersonationCacheTtl(),
                config.impersonationCacheSize(),
                metrics.cacheListener("impersonation")),
            new PassThroughFilter(
                b.upstream,
                new ForwardHeaders(identityHeaders, identityPrefixes),
                streams,
                config.maxStreamBufferBytes(),
                metrics));
    // per-caller limits first: they bound served and passed-through requests alike
    registry.addServing(new CallerLimitsFilter(config.callerLimits()));
    b.serving.forEach(registry::addServing);
    this.tls = new TlsReloader(vertx, config, issuers, servers);
    metrics.certificate("serving", tls.files());
    metrics.upstreamResent(b.upstream::resent);
    if (b.upstream.frontProxyFiles() != null) {
      metrics.certificate("front-proxy-client", b.upstream.frontProxyFiles());
    }
  }

  public static Builder builder(Vertx vertx, ProxyConfig config, Upstream upstream) {
    return new Builder(vertx, config, upstream);
  }

  /** Builder of a {@link ProxyServer}. */
  public static final class Builder {
    private final Vertx vertx;
    private final ProxyConfig config;
    private final Upstream upstream;
    private Readiness readiness = Readiness.always();
    private io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry;
    private final List<ProxyFilter> serving = new ArrayList<>();

    private Builder(Vertx vertx, ProxyConfig config, Upstream upstream) {
      this.vertx = vertx;
      this.config = config;
      this.upstream = upstream;
    }

    /** What {@code /readyz} reports besides "not shutting down" (the index's synced signal). */
    public Builder readiness(Readiness r) {
      this.readiness = r;
      return this;
    }

    /** A further condition of {@code /readyz}, besides what {@link #readiness} set. */
    public Builder alsoReady(Readiness r) {
      this.readiness = this.readiness.and(r);
      return this;
    }

    /** The registry shared with Vert.x's own metrics (MicrometerMetricsFactory). */
    public Builder registry(io.micrometer.prometheusmetrics.PrometheusMeterRegistry r) {
      this.registry = r;
      return this;
    }

    /** Plugs a serving filter in (after authentication/impersonation, before pass-through). */
    public Builder addServingFilter(ProxyFilter filter) {
      serving.add(filter);
      return this;
    }

    public ProxyServer build() {
      return new ProxyServer(this);
    }
  }

  /** Listens; completes once every verticle serves. */
  public Future<ProxyServer> start() {
    ServerSSLOptions ssl;
    Buffer certPem;
    Buffer keyPem;
    try {
      certPem = read(config.tlsCertFile());
      keyPem = read(config.tlsPrivateKeyFile());
      ssl = ServerTls.options(certPem, keyPem, issuers);
    } catch (UncheckedIOException e) {
      return Future.failedFuture(e);
    }
    FilterChain chain = FilterChain.of(registry.ordered());
    int instances = config.effectiveEventLoops();
    // Vert.x shares one listener among servers on the same address; for a random port, a negative
    // port asks Vert.x to pick one free port shared by all listeners (0 would give each its own)
    int listenPort = config.port() == 0 ? -1 : config.port();
    return vertx
        .deployVerticle(
            () ->
                new ProxyVerticle(
                    config.bindAddress(),
                    listenPort,
                    ssl,
                    chain,
                    servers::add,
                    config.tuning().firstRequestTimeout().toMillis(),
                    // a closing connection lingers, never past the shutdown grace period
                    Math.min(LingeringClose.BOUND_MS, config.shutdownGracePeriod().toMillis())),
            new DeploymentOptions().setInstances(instances))
        .onSuccess(
            id -> {
              deployments.add(id);
              port = servers.get(0).actualPort();
              if (servers.stream().anyMatch(s -> s.actualPort() != port)) {
                throw new IllegalStateException("listeners did not share one port");
              }
            })
        .compose(
            id -> {
              // before the ops server listens: its first scrape shows the serving certificate's
              // expiry, never an empty gauge
              tls.start(certPem, keyPem);
              return OpsServer.start(
                  vertx,
                  config.bindAddress(),
                  config.opsPort(),
                  readiness,
                  () -> shuttingDown,
                  metrics);
            })
        .map(
            started -> {
              ops = started;
              LOG.info(
                  "tenant-proxy listening on https://{}:{} with {} event loops (TLS engine {});"
                      + " health and metrics on http://{}:{}",
                  config.bindAddress(),
                  port,
                  instances,
                  dev.tenantproxy.proxy.config.TlsEngine.options().getClass().getSimpleName(),
                  config.bindAddress(),
                  started.port());
              return this;
            });
  }

  /** The serving certificate's reloader (tests). */
  TlsReloader tlsReloader() {
    return tls;
  }

  /** The actual listening port. */
  public int port() {
    return port;
  }

  /** The actual port of {@code /healthz}, {@code /readyz}, {@code /livez}, {@code /metrics}. */
  public int opsPort() {
    OpsServer o = ops;
    if (o == null) {
      throw new IllegalStateException("not started");
    }
    return o.port();
  }

  public ProxyMetrics metrics() {
    return metrics;
  }

  public FilterRegistry filters() {
    return registry;
  }

  /**
   * Graceful shutdown: {@code /readyz} turns 503, listeners stop accepting, open watches and
   * upgraded streams are ended cleanly, in-flight requests get up to the grace period.
   */
  public Future<Void> shutdown() {
    shuttingDown = true;
    tls.stop();
    long graceMs = config.shutdownGracePeriod().toMillis();
    // end open streams first (their final bytes flushed), then stop the listeners
    return streams
        .endAll()
        .timeout(Math.max(1, graceMs), TimeUnit.MILLISECONDS)
        .otherwiseEmpty()
        .compose(
            ended -> {
              List<Future<Void>> closing = new ArrayList<>();
              for (HttpServer s : servers) {
                closing.add(s.shutdown(graceMs, TimeUnit.MILLISECONDS));
              }
              return Future.join(closing);
            })
        .<Void>mapEmpty()
        .otherwiseEmpty()
        .compose(
            v -> {
              List<Future<Void>> undeploy = new ArrayList<>();
              for (String id : deployments) {
                undeploy.add(vertx.undeploy(id));
              }
              return Future.join(undeploy).<Void>mapEmpty().otherwiseEmpty();
            })
        .compose(
            v -> {
              // last: /readyz answers 503 until the very end of the shutdown
              OpsServer o = ops;
              return o == null ? Future.<Void>succeededFuture() : o.close().otherwiseEmpty();
            });
  }

  private static Buffer read(Path file) {
    try {
      return Buffer.buffer(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
