package dev.tenantproxy.proxy.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The one typed configuration of {@code tenant-proxy serve}. Built from flags and {@code
 * TENANT_PROXY_*} environment variables by the CLI (or directly by tests), then {@link
 * #validate()}d once at start-up; every message names the flag and the fix.
 *
 * @param bindAddress address to listen on ({@code --bind-address})
 * @param port port to listen on, 0 picks a free one ({@code --secure-port})
 * @param tlsCertFile serving certificate chain, PEM ({@code --tls-cert-file}); reloaded on change
 * @param tlsPrivateKeyFile serving key, PEM ({@code --tls-private-key-file}); reloaded on change
 * @param tlsReloadInterval how often the TLS files' modification times are checked (serving and
 *     front-proxy client certificates)
 * @param clientCaFile CA bundle that signs client certificates (CN = user, O = groups), or null
 * @param requestHeader trusted front-proxy settings (identity headers), or null when disabled
 * @param kubeconfig the proxy's own credentials towards the API server; null means in-cluster
 * @param kubeContext kubeconfig context to use, or null for the current one
 * @param proxyClientCertFile client certificate (PEM) signed by the API server's {@code
 *     --requestheader-client-ca-file}: callers are asserted upstream by {@code X-Remote-*} headers
 *     on connections authenticated with it instead of {@code Impersonate-*} ({@code
 *     --proxy-client-cert-file}); null = impersonation; reloaded on change, like the serving pair
 * @param proxyClientKeyFile its private key, PEM ({@code --proxy-client-key-file})
 * @param tokenCache TokenReview cache settings
 * @param impersonationCacheTtl how long a SubjectAccessReview answer for impersonation is kept
 * @param impersonationCacheSize bound of the impersonation decision cache
 * @param shutdownGracePeriod how long SIGTERM waits for in-flight requests before closing
 * @param maxStreamBufferBytes write-queue bound per streamed response (watches, logs) and relay
 * @param eventLoops number of event loops and server verticles (0 = 2 x CPU cores)
 * @param upstreamConnectTimeout connect timeout towards the API server
 * @param opsPort plain-HTTP port of {@code /healthz}, {@code /livez}, {@code /readyz}, {@code
 *     /metrics} on {@code bindAddress} ({@code --ops-port}); 0 picks a free one
 * @param tuning bounds and timings of the serving core, the index and the watch hub
 * @param callerLimits per-caller bounds on open watches and in-flight requests
 * @param allNamespaces bounds and timings of all-namespaces reads ({@code --all-namespaces-*})
 */
public record ProxyConfig(
    String bindAddress,
    int port,
    Path tlsCertFile,
    Path tlsPrivateKeyFile,
    Duration tlsReloadInterval,
    Path clientCaFile,
    RequestHeaderConfig requestHeader,
    Path kubeconfig,
    String kubeContext,
    Path proxyClientCertFile,
    Path proxyClientKeyFile,
    TokenCacheConfig tokenCache,
    Duration impersonationCacheTtl,
    int impersonationCacheSize,
    Duration shutdownGracePeriod,
    int maxStreamBufferBytes,
    int eventLoops,
    Duration upstreamConnectTimeout,
    int opsPort,
    Tuning tuning,
    CallerLimits callerLimits,
    AllNamespacesConfig allNamespaces) {

  // --- per-caller limits (issue 12): --max-watches-per-caller, --max-inflight-per-caller ---
  /**
   * Per authenticated caller (user name), like kube-apiserver's priority and fairness: beyond
   * either bound a request gets 429 TooManyRequests with {@code Retry-After}.
   *
   * @param maxWatches open watches at once ({@code --max-watches-per-caller})
   * @param maxInflight other requests in flight at once ({@code --max-inflight-per-caller});
   *     watches and long-running streams (upgrades, {@code follow=true}) are not counted here
   */
  public record CallerLimits(int maxWatches, int maxInflight) {
    public static final CallerLimits DEFAULTS = new CallerLimits(1000, 400);
  }

  public ProxyConfig withCallerLimits(CallerLimits limits) {
    Copy c = new Copy(this);
    c.callerLimits = limits;
    return c.build();
  }

  // --- end of per-caller limits ---

  /**
   * All-namespaces reads of Capsule users ({@code kubectl get pods -A}: per-namespace upstream
   * requests as the caller, merged; package {@code serve/allnamespaces}). A merged watch without
   * {@code timeoutSeconds} ends like every served watch, after 1-2x {@code --min-watch-timeout}.
   *
   * @param concurrency upstream list requests one merged list (or one merged watch's seed) has in
   *     flight at most ({@code --all-namespaces-concurrency})
   * @param maxHeldBytes how much of a merged list is held before its head is sent, so that the
   *     {@code Warning} naming refused namespaces can be on it; beyond it the list streams on
   *     ({@code --all-namespaces-max-held-bytes})
   * @param discoveryTtl how long the API server's discovery of a group/version is used ({@code
   *     --all-namespaces-discovery-ttl})
   * @param discoveryMissRefresh how soon a resource missing from discovery (a CRD just installed)
   *     refetches its group/version at most ({@code --all-namespaces-discovery-miss-refresh})
   * @param slowConsumerTimeout a merged watch whose client has not drained its write queue for this
   *     long ends with ERROR 410 ({@code --all-namespaces-slow-consumer-timeout})
   * @param maxEventBytes the largest single upstream watch event accepted ({@code
   *     --all-namespaces-max-event-bytes})
   */
  public record AllNamespacesConfig(
      int concurrency,
      long maxHeldBytes,
      Duration discoveryTtl,
      Duration discoveryMissRefresh,
      Duration slowConsumerTimeout,
      int maxEventBytes) {
    /** The flags' defaults. */
    public static final AllNamespacesConfig DEFAULTS =
        new AllNamespacesConfig(
            8,
            8L << 20,
            Duration.ofMinutes(5),
            Duration.ofSeconds(10),
            Duration.ofSeconds(30),
            16 << 20);

    /** etcd's default request limit is 1.5 MiB; an object's JSON can be larger still. */
    static final int MIN_EVENT_BYTES = 1 << 20;

    void validate(List<String> errors) {
      atLeast(errors, "--all-namespaces-concurrency", concurrency, 1, "8");
      if (maxHeldBytes < 0) {
        errors.add(
            "--all-namespaces-max-held-bytes "
                + maxHeldBytes
                + " must be zero or positive, e.g. 8388608 (0 sends a list's head at once, before"
                + " refused namespaces are known)");
      }
      positive(errors, "--all-namespaces-discovery-ttl", discoveryTtl);
      positive(errors, "--all-namespaces-discovery-miss-refresh", discoveryMissRefresh);
      if (discoveryTtl != null
          && discoveryMissRefresh != null
          && discoveryMissRefresh.compareTo(discoveryTtl) > 0) {
        errors.add(
            "--all-namespaces-discovery-miss-refresh "
                + Durations.format(discoveryMissRefresh)
                + " is longer than --all-namespaces-discovery-ttl "
                + Durations.format(discoveryTtl)
                + ": a missing resource would wait for the whole TTL; make it shorter, e.g. 10s");
      }
      positive(errors, "--all-namespaces-slow-consumer-timeout", slowConsumerTimeout);
      if (maxEventBytes < MIN_EVENT_BYTES) {
        errors.add(
            "--all-namespaces-max-event-bytes "
                + maxEventBytes
                + " must be at least "
                + MIN_EVENT_BYTES
                + " (etcd stores objects up to 1.5 MiB; a smaller bound would end watches over"
                + " ordinary objects), e.g. 16777216");
      }
    }
  }

  public ProxyConfig withAllNamespaces(AllNamespacesConfig config) {
    Copy c = new Copy(this);
    c.allNamespaces = config;
    return c.build();
  }

  /**
   * Front-proxy (request header) authentication, kube-apiserver's {@code --requestheader-*} flags.
   *
   * @param clientCaFile CA that must sign the front proxy's client certificate
   * @param allowedNames accepted common names; empty = any certificate signed by the CA
   * @param usernameHeaders headers carrying the user name, first non-empty wins
   * @param groupHeaders headers carrying groups (repeated)
   * @param extraHeaderPrefixes prefixes of headers carrying extra attributes
   */
  public record RequestHeaderConfig(
      Path clientCaFile,
      List<String> allowedNames,
      List<String> usernameHeaders,
      List<String> groupHeaders,
      List<String> extraHeaderPrefixes) {
    public RequestHeaderConfig {
      Objects.requireNonNull(clientCaFile, "clientCaFile");
      allowedNames = List.copyOf(allowedNames);
      usernameHeaders = List.copyOf(usernameHeaders);
      groupHeaders = List.copyOf(groupHeaders);
      extraHeaderPrefixes = List.copyOf(extraHeaderPrefixes);
    }
  }

  /**
   * TokenReview cache.
   *
   * @param ttl how long an authenticated token's identity is kept
   * @param negativeTtl how long a rejected token is answered 401 without asking the API server
   * @param maxEntries bound of the cache
   */
  public record TokenCacheConfig(Duration ttl, Duration negativeTtl, int maxEntries) {}

  /**
   * Bounds and timings of the serving core, the tenancy index and the namespace watch hub; each is
   * one flag of {@code serve} (and one value of the Helm chart).
   *
   * @param firstRequestTimeout a new connection that sends no complete request head within this is
   *     closed ({@code --first-request-timeout}; kube-apiserver's ReadHeaderTimeout, 32 s)
   * @param tokenReviewsInFlight TokenReviews running at once ({@code --token-review-max-in-flight})
   * @param tokenReviewsQueued TokenReviews waiting beyond those; a new token beyond gets 429
   *     ({@code --token-review-max-queued})
   * @param indexSyncTimeout how long one start attempt of the index waits for its informers to sync
   *     before it logs and retries ({@code --index-sync-timeout})
   * @param watchCacheSize events kept per watch cache; a watch from an older resourceVersion gets
   *     410 ({@code --watch-cache-size})
   * @param watchBookmarkInterval how often a served watch that asked for bookmarks gets one ({@code
   *     --watch-bookmark-interval})
   * @param watchBufferEvents events buffered per served watch whose client reads slowly; beyond,
   *     the watch ends with 410 and the client re-lists ({@code --watch-buffer-events})
   * @param watchBufferBytes rendered events all served watches together may hold back behind full
   *     write queues; 0 = a quarter of the maximum heap. One watch holds at most a quarter of it;
   *     above the total, the watch holding the most ends with 410 ({@code --watch-buffer-bytes})
   * @param resourceVersionWait how long a served read with a resourceVersion newer than the cache
   *     waits for the cache ({@code --resource-version-wait})
   * @param minWatchTimeout a served watch without timeoutSeconds ends after a random time between
   *     this and twice this ({@code --min-watch-timeout}, kube-apiserver's --min-request-timeout)
   */
  public record Tuning(
      Duration firstRequestTimeout,
      int tokenReviewsInFlight,
      int tokenReviewsQueued,
      Duration indexSyncTimeout,
      int watchCacheSize,
      Duration watchBookmarkInterval,
      int watchBufferEvents,
      long watchBufferBytes,
      Duration resourceVersionWait,
      Duration minWatchTimeout) {

    /** The defaults of the flags. */
    public static Tuning defaults() {
      return new Tuning(
          Duration.ofSeconds(32),
          64,
          4096,
          Duration.ofSeconds(30),
          10_000,
          Duration.ofSeconds(30),
          1000,
          0,
          Duration.ofSeconds(3),
          Duration.ofMinutes(30));
    }

    public Tuning withFirstRequestTimeout(Duration timeout) {
      return new Tuning(
          timeout,
          tokenReviewsInFlight,
          tokenReviewsQueued,
          indexSyncTimeout,
          watchCacheSize,
          watchBookmarkInterval,
          watchBufferEvents,
          watchBufferBytes,
          resourceVersionWait,
          minWatchTimeout);
    }

    public Tuning withWatchBufferBytes(long bytes) {
      return new Tuning(
          firstRequestTimeout,
          tokenReviewsInFlight,
          tokenReviewsQueued,
          indexSyncTimeout,
          watchCacheSize,
          watchBookmarkInterval,
          watchBufferEvents,
          bytes,
          resourceVersionWait,
          minWatchTimeout);
    }

    void validate(List<String> errors) {
      positive(errors, "--first-request-timeout", firstRequestTimeout);
      atLeast(errors, "--token-review-max-in-flight", tokenReviewsInFlight, 1, "64");
      atLeast(errors, "--token-review-max-queued", tokenReviewsQueued, 0, "4096");
      positive(errors, "--index-sync-timeout", indexSyncTimeout);
      atLeast(errors, "--watch-cache-size", watchCacheSize, 1, "10000");
      positive(errors, "--watch-bookmark-interval", watchBookmarkInterval);
      atLeast(errors, "--watch-buffer-events", watchBufferEvents, 1, "1000");
      if (watchBufferBytes != 0 && watchBufferBytes < (4L << 20)) {
        errors.add(
            "--watch-buffer-bytes "
                + watchBufferBytes
                + " must be 0 (a quarter of the heap) or at least 4194304 (4 MiB), e.g."
                + " --watch-buffer-bytes=33554432");
      }
      positive(errors, "--resource-version-wait", resourceVersionWait);
      positive(errors, "--min-watch-timeout", minWatchTimeout);
    }
  }

  public ProxyConfig withOpsPort(int newOpsPort) {
    Copy c = new Copy(this);
    c.opsPort = newOpsPort;
    return c.build();
  }

  public ProxyConfig withTuning(Tuning newTuning) {
    Copy c = new Copy(this);
    c.tuning = newTuning;
    return c.build();
  }

  /** Defaults for everything but the TLS files; handy for tests. */
  public static ProxyConfig defaults(Path tlsCertFile, Path tlsPrivateKeyFile) {
    return new ProxyConfig(
        "0.0.0.0",
        8443,
        tlsCertFile,
        tlsPrivateKeyFile,
        Duration.ofSeconds(10),
        null,
        null,
        null,
        null,
        null,
        null,
        new TokenCacheConfig(Duration.ofSeconds(30), Duration.ofSeconds(5), 10_000),
        Duration.ofSeconds(30),
        10_000,
        Duration.ofSeconds(20),
        1 << 20,
        0,
        Duration.ofSeconds(10),
        8081,
        Tuning.defaults(),
        CallerLimits.DEFAULTS,
        AllNamespacesConfig.DEFAULTS);
  }

  public ProxyConfig withPort(int newPort) {
    Copy c = new Copy(this);
    c.port = newPort;
    return c.build();
  }

  public ProxyConfig withBindAddress(String address) {
    Copy c = new Copy(this);
    c.bindAddress = address;
    return c.build();
  }

  public ProxyConfig withClientCaFile(Path file) {
    Copy c = new Copy(this);
    c.clientCaFile = file;
    return c.build();
  }

  public ProxyConfig withRequestHeader(RequestHeaderConfig config) {
    Copy c = new Copy(this);
    c.requestHeader = config;
    return c.build();
  }

  public ProxyConfig withKubeconfig(Path file) {
    Copy c = new Copy(this);
    c.kubeconfig = file;
    return c.build();
  }

  /** Asserts callers upstream by request headers with this client certificate and key. */
  public ProxyConfig withProxyClient(Path certFile, Path keyFile) {
    Copy c = new Copy(this);
    c.proxyClientCertFile = certFile;
    c.proxyClientKeyFile = keyFile;
    return c.build();
  }

  public ProxyConfig withTokenCache(TokenCacheConfig config) {
    Copy c = new Copy(this);
    c.tokenCache = config;
    return c.build();
  }

  public ProxyConfig withTlsReloadInterval(Duration interval) {
    Copy c = new Copy(this);
    c.tlsReloadInterval = interval;
    return c.build();
  }

  public ProxyConfig withEventLoops(int loops) {
    Copy c = new Copy(this);
    c.eventLoops = loops;
    return c.build();
  }

  public ProxyConfig withShutdownGracePeriod(Duration grace) {
    Copy c = new Copy(this);
    c.shutdownGracePeriod = grace;
    return c.build();
  }

  /** Number of server verticles / event loops to use. */
  public int effectiveEventLoops() {
    return eventLoops > 0 ? eventLoops : 2 * Runtime.getRuntime().availableProcessors();
  }

  /**
   * Checks everything that can be checked before start.
   *
   * @throws ConfigException naming every offending flag and how to fix it
   */
  public ProxyConfig validate() {
    List<String> errors = new ArrayList<>();
    if (port < 0 || port > 65535) {
      errors.add("--secure-port " + port + " is out of range: use 0..65535 (0 picks a free port)");
    }
    if (bindAddress == null || bindAddress.isBlank()) {
      errors.add("--bind-address is empty: use an IP address such as 0.0.0.0 or 127.0.0.1");
    }
    requireFile(errors, "--tls-cert-file", tlsCertFile, true, "the PEM serving certificate chain");
    requireFile(errors, "--tls-private-key-file", tlsPrivateKeyFile, true, "the PEM serving key");
    requireFile(errors, "--client-ca-file", clientCaFile, false, "a PEM CA bundle");
    if (requestHeader != null) {
      requireFile(
          errors,
          "--requestheader-client-ca-file",
          requestHeader.clientCaFile(),
          true,
          "the PEM CA that signs the front proxy's client certificate");
      if (requestHeader.usernameHeaders().isEmpty()) {
        errors.add(
            "--requestheader-username-headers is empty while --requestheader-client-ca-file is"
                + " set: give at least one header name, e.g. X-Remote-User");
      }
    }
    requireFile(errors, "--kubeconfig", kubeconfig, false, "a kubeconfig file");
    if ((proxyClientCertFile == null) != (proxyClientKeyFile == null)) {
      errors.add(
          (proxyClientCertFile == null ? "--proxy-client-key-file" : "--proxy-client-cert-file")
              + " is set without "
              + (proxyClientCertFile == null
                  ? "--proxy-client-cert-file"
                  : "--proxy-client-key-file")
              + ": give both (a client certificate signed by the API server's"
              + " --requestheader-client-ca-file, and its key) or neither (impersonation)");
    } else {
      requireFile(
          errors,
          "--proxy-client-cert-file",
          proxyClientCertFile,
          false,
          "the PEM client certificate signed by the API server's --requestheader-client-ca-file");
      requireFile(errors, "--proxy-client-key-file", proxyClientKeyFile, false, "its PEM key");
    }
    if (kubeconfig == null) {
      if (System.getenv("KUBERNETES_SERVICE_HOST") == null) {
        errors.add(
            "--kubeconfig is not set and KUBERNETES_SERVICE_HOST is not defined (not in a pod):"
                + " give --kubeconfig (or TENANT_PROXY_KUBECONFIG) with the proxy's own"
                + " credentials");
      }
    }
    positive(errors, "--tls-reload-interval", tlsReloadInterval);
    positive(errors, "--token-cache-ttl", tokenCache.ttl());
    positive(errors, "--token-cache-negative-ttl", tokenCache.negativeTtl());
    if (tokenCache.maxEntries() < 1) {
      errors.add("--token-cache-size must be at least 1, e.g. 10000");
    }
    positive(errors, "--impersonation-cache-ttl", impersonationCacheTtl);
    if (impersonationCacheSize < 1) {
      errors.add("--impersonation-cache-size must be at least 1, e.g. 10000");
    }
    if (shutdownGracePeriod == null || shutdownGracePeriod.isNegative()) {
      errors.add("--shutdown-grace-period must be zero or positive, e.g. 20s");
    }
    if (maxStreamBufferBytes < 1024) {
      errors.add("--max-stream-buffer-bytes must be at least 1024, e.g. 1048576");
    }
    if (eventLoops < 0) {
      errors.add("--event-loops must be 0 (2 per CPU core) or positive");
    }
    positive(errors, "--upstream-connect-timeout", upstreamConnectTimeout);
    if (opsPort < 0 || opsPort > 65535) {
      errors.add("--ops-port " + opsPort + " is out of range: use 0..65535 (0 picks a free port)");
    } else if (opsPort != 0 && opsPort == port) {
      errors.add(
          "--ops-port "
              + opsPort
              + " is the same as --secure-port: give the health and metrics endpoints their own"
              + " port, e.g. 8081");
    }
    if (tuning == null) {
      errors.add("the serving tunables are missing (a bug: use ProxyConfig.Tuning.defaults())");
    } else {
      tuning.validate(errors);
    }
    if (callerLimits == null || callerLimits.maxWatches() < 1) {
      errors.add("--max-watches-per-caller must be at least 1, e.g. 1000");
    }
    if (callerLimits == null || callerLimits.maxInflight() < 1) {
      errors.add("--max-inflight-per-caller must be at least 1, e.g. 400");
    }
    if (allNamespaces == null) {
      errors.add(
          "the all-namespaces tunables are missing (a bug: use"
              + " ProxyConfig.AllNamespacesConfig.DEFAULTS)");
    } else {
      allNamespaces.validate(errors);
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return this;
  }

  private static void requireFile(
      List<String> errors, String flag, Path file, boolean required, String what) {
    if (file == null) {
      if (required) {
        errors.add(flag + " is required: give " + what);
      }
      return;
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      errors.add(flag + " " + file + " is not a readable file: give " + what);
    }
  }

  private static void atLeast(
      List<String> errors, String flag, int value, int min, String example) {
    if (value < min) {
      errors.add(flag + " " + value + " must be at least " + min + ", e.g. " + example);
    }
  }

  private static void positive(List<String> errors, String flag, Duration value) {
    if (value == null || value.isZero() || value.isNegative()) {
      errors.add(flag + " must be a positive duration such as 30s, 5m or 500ms");
    }
  }

  /**
   * A mutable copy behind the {@code withX} methods: each changes one component and keeps the
   * others, without repeating the whole constructor call per method.
   */
  private static final class Copy {
    private String bindAddress;
    private int port;
    private Path tlsCertFile;
    private Path tlsPrivateKeyFile;
    private Duration tlsReloadInterval;
    private Path clientCaFile;
    private RequestHeaderConfig requestHeader;
    private Path kubeconfig;
    private String kubeContext;
    private Path proxyClientCertFile;
    private Path proxyClientKeyFile;
    private TokenCacheConfig tokenCache;
    private Duration impersonationCacheTtl;
    private int impersonationCacheSize;
    private Duration shutdownGracePeriod;
    private int maxStreamBufferBytes;
    private int eventLoops;
    private Duration upstreamConnectTimeout;
    private int opsPort;
    private Tuning tuning;
    private CallerLimits callerLimits;
    private AllNamespacesConfig allNamespaces;

    Copy(ProxyConfig c) {
      bindAddress = c.bindAddress;
      port = c.port;
      tlsCertFile = c.tlsCertFile;
      tlsPrivateKeyFile = c.tlsPrivateKeyFile;
      tlsReloadInterval = c.tlsReloadInterval;
      clientCaFile = c.clientCaFile;
      requestHeader = c.requestHeader;
      kubeconfig = c.kubeconfig;
      kubeContext = c.kubeContext;
      proxyClientCertFile = c.proxyClientCertFile;
      proxyClientKeyFile = c.proxyClientKeyFile;
      tokenCache = c.tokenCache;
      impersonationCacheTtl = c.impersonationCacheTtl;
      impersonationCacheSize = c.impersonationCacheSize;
      shutdownGracePeriod = c.shutdownGracePeriod;
      maxStreamBufferBytes = c.maxStreamBufferBytes;
      eventLoops = c.eventLoops;
      upstreamConnectTimeout = c.upstreamConnectTimeout;
      opsPort = c.opsPort;
      tuning = c.tuning;
      callerLimits = c.callerLimits;
      allNamespaces = c.allNamespaces;
    }

    ProxyConfig build() {
      return new ProxyConfig(
          bindAddress,
          port,
          tlsCertFile,
          tlsPrivateKeyFile,
          tlsReloadInterval,
          clientCaFile,
          requestHeader,
          kubeconfig,
          kubeContext,
          proxyClientCertFile,
          proxyClientKeyFile,
          tokenCache,
          impersonationCacheTtl,
          impersonationCacheSize,
          shutdownGracePeriod,
          maxStreamBufferBytes,
          eventLoops,
          upstreamConnectTimeout,
          opsPort,
          tuning,
          callerLimits,
          allNamespaces);
    }
  }
}
