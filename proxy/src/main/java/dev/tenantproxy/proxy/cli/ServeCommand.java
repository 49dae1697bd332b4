package dev.tenantproxy.proxy.cli;

import dev.tenantproxy.proxy.config.ConfigException;
import dev.tenantproxy.proxy.config.ProxyConfig;
import dev.tenantproxy.proxy.config.ProxyConfig.RequestHeaderConfig;
import dev.tenantproxy.proxy.config.ProxyConfig.TokenCacheConfig;
import dev.tenantproxy.proxy.config.ProxyConfig.Tuning;
import dev.tenantproxy.proxy.rbacsync.RbacSyncOptions;
import dev.tenantproxy.proxy.rbacsync.RbacSyncProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tenant-proxy serve}: runs the proxy until SIGTERM / Ctrl-C. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serve the tenant-aware proxy. Every flag also reads TENANT_PROXY_<FLAG> from the"
            + " environment (e.g. TENANT_PROXY_TLS_CERT_FILE).")
public final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Option(
      names = "--bind-address",
      defaultValue = "${env:TENANT_PROXY_BIND_ADDRESS:-0.0.0.0}",
      description = "Address to listen on (default ${DEFAULT-VALUE}).")
  String bindAddress;

  @Option(
      names = "--secure-port",
      defaultValue = "${env:TENANT_PROXY_SECURE_PORT:-8443}",
      description = "HTTPS port; 0 picks a free one (default ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--tls-cert-file",
      defaultValue = "${env:TENANT_PROXY_TLS_CERT_FILE}",
      description = "Serving certificate chain (PEM); reloaded when it changes.")
  Path tlsCertFile;

  @Option(
      names = "--tls-private-key-file",
      defaultValue = "${env:TENANT_PROXY_TLS_PRIVATE_KEY_FILE}",
      description = "Serving private key (PEM); reloaded when it changes.")
  Path tlsKeyFile;

  @Option(
      names = "--tls-reload-interval",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_TLS_RELOAD_INTERVAL:-10s}",
      description =
          "How often the TLS files (serving certificate, --proxy-client-cert-file) are checked for"
              + " changes (default ${DEFAULT-VALUE}).")
  Duration tlsReloadInterval;

  @Option(
      names = "--client-ca-file",
      defaultValue = "${env:TENANT_PROXY_CLIENT_CA_FILE}",
      description = "CA bundle that signs user client certificates (CN = user, O = groups).")
  Path clientCaFile;

  @Option(
      names = "--requestheader-client-ca-file",
      defaultValue = "${env:TENANT_PROXY_REQUESTHEADER_CLIENT_CA_FILE}",
      description = "CA that signs front proxies' client certificates; enables identity headers.")
  Path requestHeaderCa;

  @Option(
      names = "--requestheader-allowed-names",
      split = ",",
      defaultValue = "${env:TENANT_PROXY_REQUESTHEADER_ALLOWED_NAMES:-}",
      description =
          "Front-proxy certificate CNs allowed to send identity headers; empty = any"
              + " signed by --requestheader-client-ca-file.")
  List<String> requestHeaderAllowedNames;

  @Option(
      names = "--requestheader-username-headers",
      split = ",",
      defaultValue = "${env:TENANT_PROXY_REQUESTHEADER_USERNAME_HEADERS:-X-Remote-User}",
      description = "Headers carrying the user name (default ${DEFAULT-VALUE}).")
  List<String> usernameHeaders;

  @Option(
      names = "--requestheader-group-headers",
      split = ",",
      defaultValue = "${env:TENANT_PROXY_REQUESTHEADER_GROUP_HEADERS:-X-Remote-Group}",
      description = "Headers carrying groups (default ${DEFAULT-VALUE}).")
  List<String> groupHeaders;

  @Option(
      names = "--requestheader-extra-headers-prefix",
      split = ",",
      defaultValue = "${env:TENANT_PROXY_REQUESTHEADER_EXTRA_HEADERS_PREFIX:-X-Remote-Extra-}",
      description = "Prefixes of headers carrying extra attributes (default ${DEFAULT-VALUE}).")
  List<String> extraPrefixes;

  @Option(
      names = "--kubeconfig",
      defaultValue = "${env:TENANT_PROXY_KUBECONFIG}",
      description =
          "The proxy's own credentials towards the API server; unset = in-cluster"
              + " ServiceAccount.")
  Path kubeconfig;

  @Option(
      names = "--proxy-client-cert-file",
      defaultValue = "${env:TENANT_PROXY_PROXY_CLIENT_CERT_FILE}",
      description =
          "Client certificate signed by the API server's --requestheader-client-ca-file (CN in"
              + " its --requestheader-allowed-names): callers' requests carry their identity as"
              + " X-Remote-* headers on connections authenticated with it, with no authorization"
              + " check per request at the API server; unset = Impersonate-* headers. Reloaded"
              + " when it changes, once the API server takes a user asserted with the new one.")
  Path proxyClientCertFile;

  @Option(
      names = "--proxy-client-key-file",
      defaultValue = "${env:TENANT_PROXY_PROXY_CLIENT_KEY_FILE}",
      description = "The private key of --proxy-client-cert-file.")
  Path proxyClientKeyFile;

  @Option(
      names = "--context",
      defaultValue = "${env:TENANT_PROXY_CONTEXT}",
      description = "kubeconfig context (default: the current context).")
  String context;

  @Option(
      names = "--token-cache-ttl",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_TOKEN_CACHE_TTL:-30s}",
      description = "How long an authenticated token is cached (default ${DEFAULT-VALUE}).")
  Duration tokenTtl;

  @Option(
      names = "--token-cache-negative-ttl",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_TOKEN_CACHE_NEGATIVE_TTL:-5s}",
      description =
          "How long a rejected token is answered 401 without asking (default ${DEFAULT-VALUE}).")
  Duration tokenNegativeTtl;

  @Option(
      names = "--token-cache-size",
      defaultValue = "${env:TENANT_PROXY_TOKEN_CACHE_SIZE:-10000}",
      description = "Bound of the token cache (default ${DEFAULT-VALUE}).")
  int tokenCacheSize;

  @Option(
      names = "--impersonation-cache-ttl",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_IMPERSONATION_CACHE_TTL:-30s}",
      description =
          "How long an impersonation SubjectAccessReview answer is cached (default ${DEFAULT-VALUE}).")
  Duration sarTtl;

  @Option(
      names = "--impersonation-cache-size",
      defaultValue = "${env:TENANT_PROXY_IMPERSONATION_CACHE_SIZE:-10000}",
      description = "Bound of the impersonation cache (default ${DEFAULT-VALUE}).")
  int sarSize;

  @Option(
      names = "--shutdown-grace-period",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_SHUTDOWN_GRACE_PERIOD:-20s}",
      description = "How long SIGTERM waits for in-flight requests (default ${DEFAULT-VALUE}).")
  Duration grace;

  @Option(
      names = "--max-stream-buffer-bytes",
      defaultValue = "${env:TENANT_PROXY_MAX_STREAM_BUFFER_BYTES:-1048576}",
      description = "Write-queue bound per streamed response or relay (default ${DEFAULT-VALUE}).")
  int maxStreamBuffer;

  @Option(
      names = "--event-loops",
      defaultValue = "${env:TENANT_PROXY_EVENT_LOOPS:-0}",
      description =
          "Event loops / server verticles; 0 = 2 per CPU core (default ${DEFAULT-VALUE}).")
  int eventLoops;

  @Option(
      names = "--upstream-connect-timeout",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_UPSTREAM_CONNECT_TIMEOUT:-10s}",
      description = "Connect timeout towards the API server (default ${DEFAULT-VALUE}).")
  Duration connectTimeout;

  @Option(
      names = "--ops-port",
      defaultValue = "${env:TENANT_PROXY_OPS_PORT:-8081}",
      description =
          "Plain-HTTP port of /healthz, /livez, /readyz and /metrics on --bind-address; 0 picks a"
              + " free one (default ${DEFAULT-VALUE}). On --secure-port these paths reach the API"
              + " server.")
  int opsPort;

  @Option(
      names = "--first-request-timeout",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_FIRST_REQUEST_TIMEOUT:-32s}",
      description =
          "A new connection without a complete request head within this is closed (default"
              + " ${DEFAULT-VALUE}).")
  Duration firstRequestTimeout;

  @Option(
      names = "--token-review-max-in-flight",
      defaultValue = "${env:TENANT_PROXY_TOKEN_REVIEW_MAX_IN_FLIGHT:-64}",
      description = "TokenReviews running at once (default ${DEFAULT-VALUE}).")
  int tokenReviewsInFlight;

  @Option(
      names = "--token-review-max-queued",
      defaultValue = "${env:TENANT_PROXY_TOKEN_REVIEW_MAX_QUEUED:-4096}",
      description = "TokenReviews waiting; a new token beyond gets 429 (default ${DEFAULT-VALUE}).")
  int tokenReviewsQueued;

  @Option(
      names = "--index-sync-timeout",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_INDEX_SYNC_TIMEOUT:-30s}",
      description =
          "How long one start attempt of the index waits for its informers before retrying"
              + " (default ${DEFAULT-VALUE}).")
  Duration indexSyncTimeout;

  @Option(
      names = "--watch-cache-size",
      defaultValue = "${env:TENANT_PROXY_WATCH_CACHE_SIZE:-10000}",
      description =
          "Events kept per watch cache; older resourceVersions get 410 (default"
              + " ${DEFAULT-VALUE}).")
  int watchCacheSize;

  @Option(
      names = "--watch-bookmark-interval",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_WATCH_BOOKMARK_INTERVAL:-30s}",
      description = "Bookmark period of served watches (default ${DEFAULT-VALUE}).")
  Duration watchBookmarkInterval;

  @Option(
      names = "--watch-buffer-events",
      defaultValue = "${env:TENANT_PROXY_WATCH_BUFFER_EVENTS:-1000}",
      description =
          "Events buffered per slow served watch before it ends with 410 (default"
              + " ${DEFAULT-VALUE}).")
  int watchBufferEvents;

  @Option(
      names = "--watch-buffer-bytes",
      defaultValue = "${env:TENANT_PROXY_WATCH_BUFFER_BYTES:-0}",
      description =
          "Bytes all served watches together may hold for clients that read slowly; one watch at"
              + " most a quarter; 0 = a quarter of the heap (default ${DEFAULT-VALUE}).")
  long watchBufferBytes;

  @Option(
      names = "--resource-version-wait",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_RESOURCE_VERSION_WAIT:-3s}",
      description =
          "How long a served read waits for the cache to reach a newer resourceVersion (default"
              + " ${DEFAULT-VALUE}).")
  Duration resourceVersionWait;

  @Option(
      names = "--min-watch-timeout",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_MIN_WATCH_TIMEOUT:-30m}",
      description =
          "A served watch without timeoutSeconds ends after 1-2x this (default"
              + " ${DEFAULT-VALUE}).")
  Duration minWatchTimeout;

  @Option(
      names = "--max-watches-per-caller",
      defaultValue = "${env:TENANT_PROXY_MAX_WATCHES_PER_CALLER:-1000}",
      description = "Open watches per caller; beyond: 429 (default ${DEFAULT-VALUE}).")
  int maxWatchesPerCaller;

  @Option(
      names = "--max-inflight-per-caller",
      defaultValue = "${env:TENANT_PROXY_MAX_INFLIGHT_PER_CALLER:-400}",
      description =
          "Requests in flight per caller (watches, upgrades and follow streams not counted);"
              + " beyond: 429 (default ${DEFAULT-VALUE}).")
  int maxInflightPerCaller;

  @Option(
      names = "--all-namespaces-concurrency",
      defaultValue = "${env:TENANT_PROXY_ALL_NAMESPACES_CONCURRENCY:-8}",
      description =
          "Upstream requests one all-namespaces list (get pods -A), or the seed lists of one"
              + " all-namespaces watch, has in flight at most (default ${DEFAULT-VALUE}).")
  int allNamespacesConcurrency;

  @Option(
      names = "--all-namespaces-max-held-bytes",
      defaultValue = "${env:TENANT_PROXY_ALL_NAMESPACES_MAX_HELD_BYTES:-8388608}",
      description =
          "Bytes of an all-namespaces list held for its Warning header before it streams on"
              + " (default ${DEFAULT-VALUE}).")
  long allNamespacesMaxHeldBytes;

  @Option(
      names = "--all-namespaces-discovery-ttl",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_ALL_NAMESPACES_DISCOVERY_TTL:-5m}",
      description =
          "How long the API server's discovery of a group/version is used for all-namespaces"
              + " reads (default ${DEFAULT-VALUE}).")
  Duration allNamespacesDiscoveryTtl;

  @Option(
      names = "--all-namespaces-discovery-miss-refresh",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_ALL_NAMESPACES_DISCOVERY_MISS_REFRESH:-10s}",
      description =
          "How soon a resource missing from discovery refetches its group/version at most"
              + " (default ${DEFAULT-VALUE}).")
  Duration allNamespacesDiscoveryMissRefresh;

  @Option(
      names = "--all-namespaces-slow-consumer-timeout",
      converter = DurationConverter.class,
      defaultValue = "${env:TENANT_PROXY_ALL_NAMESPACES_SLOW_CONSUMER_TIMEOUT:-30s}",
      description =
          "An all-namespaces watch whose client does not read for this long ends with 410"
              + " (default ${DEFAULT-VALUE}).")
  Duration allNamespacesSlowConsumerTimeout;

  @Option(
      names = "--all-namespaces-max-event-bytes",
      defaultValue = "${env:TENANT_PROXY_ALL_NAMESPACES_MAX_EVENT_BYTES:-16777216}",
      description =
          "Largest single upstream watch event of an all-namespaces watch (default"
              + " ${DEFAULT-VALUE}).")
  int allNamespacesMaxEventBytes;

  @Option(
      names = "--rbac-sync",
      defaultValue = "${env:TENANT_PROXY_RBAC_SYNC:-false}",
      description =
          "Also run rbac-sync in this process (direct mode; see `tenant-proxy rbac-sync --help`"
              + " for its flags, accepted here too; default ${DEFAULT-VALUE}).")
  boolean rbacSync;

  @Mixin RbacSyncFlags rbacSyncFlags;

  /** The validated configuration these options describe. */
  ProxyConfig toConfig() {
    RequestHeaderConfig rh =
        requestHeaderCa == null
            ? null
            : new RequestHeaderConfig(
                requestHeaderCa,
                nonEmpty(requestHeaderAllowedNames),
                nonEmpty(usernameHeaders),
                nonEmpty(groupHeaders),
                nonEmpty(extraPrefixes));
    return new ProxyConfig(
            bindAddress,
            port,
            tlsCertFile,
            tlsKeyFile,
            tlsReloadInterval,
            clientCaFile,
            rh,
            kubeconfig,
            context,
            proxyClientCertFile,
            proxyClientKeyFile,
            new TokenCacheConfig(tokenTtl, tokenNegativeTtl, tokenCacheSize),
            sarTtl,
            sarSize,
            grace,
            maxStreamBuffer,
            eventLoops,
            connectTimeout,
            opsPort,
            new Tuning(
                firstRequestTimeout,
                tokenReviewsInFlight,
                tokenReviewsQueued,
                indexSyncTimeout,
                watchCacheSize,
                watchBookmarkInterval,
                watchBufferEvents,
                watchBufferBytes,
                resourceVersionWait,
                minWatchTimeout),
            new ProxyConfig.CallerLimits(maxWatchesPerCaller, maxInflightPerCaller),
            new ProxyConfig.AllNamespacesConfig(
                allNamespacesConcurrency,
                allNamespacesMaxHeldBytes,
                allNamespacesDiscoveryTtl,
                allNamespacesDiscoveryMissRefresh,
                allNamespacesSlowConsumerTimeout,
                allNamespacesMaxEventBytes))
        .validate();
  }

  private static List<String> nonEmpty(List<String> values) {
    return values == null
        ? List.of()
        : values.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  @Override
  public Integer call() throws Exception {
    ProxyConfig config;
    try {
      config = toConfig();
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    RbacSyncOptions rbacSyncOptions = null;
    if (rbacSync) {
      try {
        rbacSyncOptions = rbacSyncFlags.toOptions();
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        return 2;
      }
    }
    RunningProxy proxy;
    try {
      proxy = RunningProxy.start(config, true);
    } catch (RuntimeException e) {
      LOG.error("{}", e.getMessage());
      return 1;
    }
    RbacSyncProcess sync =
        rbacSyncOptions == null
            ? null
            : RbacSyncProcess.start(config.kubeconfig(), config.kubeContext(), rbacSyncOptions);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  boolean clean = proxy.stop();
                  if (sync != null) {
                    sync.close();
                  }
                  stopped.countDown();
                  // the shutdown's own log lines are still queued for the log writer
                  dev.tenantproxy.proxy.ops.BatchingConsoleAppender.stopLogging();
                  // a JVM stopped by SIGTERM exits 143 unless a hook ends it: a graceful stop
                  // (every watch ended, in-flight requests done within the grace period) is a
                  // success, exit 0 as kube-apiserver's; 1 when the grace period ran out
                  Runtime.getRuntime().halt(clean ? 0 : 1);
                },
                "tenant-proxy-shutdown"));
    stopped.await();
    return 0;
  }
}
