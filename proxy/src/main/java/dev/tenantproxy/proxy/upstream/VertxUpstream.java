package dev.tenantproxy.proxy.upstream;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.proxy.tls.CertificateFiles;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Upstream} on Vert.x HTTP client agents (one pool with the proxy's credentials, a second
 * one with the front-proxy certificate when callers are asserted by request headers) and raw
 * connections for upgrades; the token is re-read when it rotates, the front-proxy certificate
 * reloaded when its files change ({@link FrontProxyPool}: a new pool, put in service for new
 * requests once the API server takes the probe user asserted on it, the old one retired; new
 * upgrades get the new certificate, open ones keep theirs).
 *
 * <p>DESIGN (probe before promote). A renewed front-proxy certificate that passes the local checks
 * (key, validity) can still be one the API server does not take: signed by another CA than its
 * {@code --requestheader-client-ca-file}, or with a CN outside {@code
 * --requestheader-allowed-names}. Put in service, it would make every caller's request a 401 while
 * the previous certificate still works. So the new pool first carries one {@link
 * RequestHeaderProbe#once request-header probe}, with the start probe's rules (201 naming the probe
 * user, 403 naming it, or 404: no SelfSubjectReview API, a warning); only then is it promoted. When
 * the API server refuses (401 for a CN it does not allow; a 403 as {@code system:anonymous} for a
 * CA it does not know, as kube-apiserver 1.35 answers in {@code FrontProxyCertReloadIT}), the new
 * pool is closed and the pair refused until its files change ({@link CertificateFiles.Refused}, not
 * again: probing the same certificate every interval would add a refused request to the API
 * server's log every 10 s and give the same answer; the expiry gauge keeps showing the certificate
 * in service, whose expiry alert fires if nobody fixes it; once the API server's trust is fixed,
 * touching the files or restarting the proxy offers the pair again). When the API server does not
 * answer (network, timeout, 5xx, 429), the pair is refused for now and probed again at the next
 * interval, although the files do not change: a transient failure must not leave a good renewal
 * unused until the previous certificate expires.
 */
final class VertxUpstream implements Upstream {
  private static final Logger LOG = LoggerFactory.getLogger(VertxUpstream.class);
  private static final long TOKEN_REREAD_MS = 60_000;
  private static final int MAX_REVIEW_BODY = 1 << 20;

  private final Vertx vertx;
  private final UpstreamCredentials credentials;
  private final LoopLocalPool pooled;
  private final FrontProxyPool asCallers;
  private final CertificateFiles frontProxyFiles;
  private final CallerAssertion assertion;
  private final int connectTimeoutMs;
  private final RawUpgrades upgrades;
  private final String host;
  private final int port;
  private final boolean ssl;
  private final long tokenTimer;
  private volatile String token;
  private final java.util.concurrent.atomic.LongAdder resent =
      new java.util.concurrent.atomic.LongAdder();

  /**
   * HTTP/2 connections to the API server, shared by every caller. Each carries as many streams as
   * the API server allows (kube-apiserver advertises 100 to 250 per connection), and every open
   * watch passed through or merged for all-namespaces holds one stream for its whole life: with 4
   * connections, 400 open watches (e.g. 100 owners watching {@code -A} over 5 namespaces) used
   * every stream and all further requests — of every caller — queued behind them. 64 connections
   * per event loop ({@link LoopLocalPool}) give thousands of concurrent watches; the connections
   * are opened only when needed.
   */
  static final int HTTP2_CONNECTIONS = 64;

  VertxUpstream(
      Vertx vertx,
      UpstreamCredentials credentials,
      FrontProxyClient frontProxy,
      int connectTimeoutMs) {
    this(vertx, credentials, frontProxy, null, FrontProxyPool.RETIREMENT_GRACE, connectTimeoutMs);
  }

  /**
   * @param reloadInterval how often {@code frontProxy}'s files are checked for a renewal (null:
   *     never)
   * @param retirementGrace how long the streams of connections made with a renewed front-proxy
   *     certificate go on
   */
  VertxUpstream(
      Vertx vertx,
      UpstreamCredentials credentials,
      FrontProxyClient frontProxy,
      Duration reloadInterval,
      Duration retirementGrace,
      int connectTimeoutMs) {
    this.vertx = vertx;
    this.credentials = credentials;
    this.connectTimeoutMs = connectTimeoutMs;
    this.token = credentials.token();
    this.ssl = "https".equalsIgnoreCase(credentials.server().getScheme());
    this.host = credentials.server().getHost();
    int p = credentials.server().getPort();
    this.port = p > 0 ? p : (ssl ? 443 : 80);
    if (frontProxy != null && !ssl) {
      throw new IllegalArgumentException(
          "--proxy-client-cert-file needs an https API server (the certificate is the assertion)");
    }
    this.pooled = pool(vertx, credentials.clientCertPem(), credentials.clientKeyPem());
    this.assertion =
        frontProxy == null ? CallerAssertion.IMPERSONATION : CallerAssertion.REQUEST_HEADER;
    // a caller's requests go on connections authenticated with the front-proxy certificate, which
    // carry nothing else of the proxy's: no token, no own certificate
    this.asCallers =
        frontProxy == null
            ? null
            : new FrontProxyPool(
                vertx,
                frontProxy,
                client -> pool(vertx, client.certPem(), client.keyPem()),
                this::probe,
                retirementGrace);
    this.upgrades =
        new RawUpgrades(
            vertx,
            credentials,
            frontProxy,
            assertion,
            host,
            port,
            ssl,
            connectTimeoutMs,
            () -> token);
    if (credentials.tokenFile() != null) {
      tokenTimer = vertx.setPeriodic(TOKEN_REREAD_MS, id -> rereadToken());
    } else {
      tokenTimer = -1;
    }
    if (frontProxy != null && frontProxy.hasFiles() && reloadInterval != null) {
      // the same watch as the serving certificate's, every --tls-reload-interval
      Path certFile = frontProxy.certFile();
      Path keyFile = frontProxy.keyFile();
      this.frontProxyFiles =
          CertificateFiles.watch(
              vertx,
              "front-proxy client certificate",
              certFile,
              keyFile,
              reloadInterval,
              pair ->
                  renewFrontProxy(
                      new FrontProxyClient(pair.certPem(), pair.keyPem(), certFile, keyFile)));
      frontProxyFiles.start(frontProxy.certPem(), frontProxy.keyPem());
    } else {
      this.frontProxyFiles = null;
    }
  }

  /**
   * Puts a renewed front-proxy certificate in service for new requests and upgrades, once the API
   * server has taken the probe user asserted on a connection made with it.
   */
  private Future<Void> renewFrontProxy(FrontProxyClient next) {
    return asCallers.renew(next).compose(v -> upgrades.renewFrontProxy(next));
  }

  /**
   * One request-header probe on {@code fresh}'s connections; fails with a {@link
   * CertificateFiles.Refused} when the API server refuses the assertion (for good) or does not
   * answer (for now).
   */
  private Future<Void> probe(LoopLocalPool fresh) {
    return RequestHeaderProbe.once(
            (prepare, body, read) ->
                Unprocessed.send(
                    () ->
                        fresh.request(
                            asCaller(
                                HttpMethod.POST,
                                RequestHeaderProbe.REVIEWS,
                                RequestHeaderProbe.PROBE)),
                    prepare,
                    body,
                    read,
                    resent::increment))
        .compose(
            verdict ->
                verdict.problem() == null
                    ? Future.<Void>succeededFuture()
                    : Future.<Void>failedFuture(
                        new CertificateFiles.Refused(verdict.problem(), !verdict.refused())));
  }

  @Override
  public CertificateFiles frontProxyFiles() {
    return frontProxyFiles;
  }

  /** The caller pool (tests). */
  FrontProxyPool callerPool() {
    return asCallers;
  }

  private LoopLocalPool pool(Vertx vertx, Buffer certPem, Buffer keyPem) {
    HttpClientOptions base =
        new HttpClientOptions()
            .setSsl(ssl)
            .setSslEngineOptions(dev.tenantproxy.proxy.config.TlsEngine.options())
            .setConnectTimeout(connectTimeoutMs)
            .setDecompressionSupported(false)
            .setVerifyHost(true)
            .setKeepAlive(true)
            .setMaxHeaderSize(64 * 1024);
    if (credentials.caPem() != null) {
      base.setTrustOptions(new PemTrustOptions().addCertValue(credentials.caPem()));
    }
    if (certPem != null && keyPem != null) {
      base.setKeyCertOptions(new PemKeyCertOptions().setCertValue(certPem).setKeyValue(keyPem));
    }
    HttpClientOptions h2 =
        new HttpClientOptions(base)
            .setProtocolVersion(ssl ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1)
            .setUseAlpn(ssl)
            .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
            .setHttp2KeepAliveTimeout(0)
            .setHttp2MultiplexingLimit(250);
    PoolOptions limits = new PoolOptions().setHttp1MaxSize(64).setHttp2MaxSize(HTTP2_CONNECTIONS);
    return new LoopLocalPool(
        () ->
            vertx
                .httpClientBuilder()
                .with(h2)
                .with(limits)
                // the flushes of one event-loop turn leave as one TLS write, not one per request
                // head
                .withConnectHandler(dev.tenantproxy.proxy.server.FlushBatching::install)
                .build());
  }

  private void rereadToken() {
    vertx
        .fileSystem()
        .readFile(credentials.tokenFile().toString())
        .onSuccess(
            b -> {
              String t = b.toString().trim();
              if (!t.isEmpty()) {
                token = t;
              }
            })
        .onFailure(
            e ->
                LOG.warn(
                    "cannot re-read the proxy token file {}: {}",
                    credentials.tokenFile(),
                    e.getMessage()));
  }

  @Override
  public Future<HttpClientRequest> open(HttpMethod method, String uri) {
    RequestOptions options = options(method, uri);
    String t = token;
    if (t != null) {
      options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + t);
    }
    return pooled.request(options);
  }

  @Override
  public Future<HttpClientRequest> open(HttpMethod method, String uri, Caller caller) {
    if (caller == null) {
      return open(method, uri);
    }
    if (assertion == CallerAssertion.IMPERSONATION) {
      Future<HttpClientRequest> opened = open(method, uri);
      return opened.map(
          req -> {
            assertion.addTo(req.headers(), caller);
            return req;
          });
    }
    return asCallers.request(asCaller(method, uri, caller));
  }

  /** A request for a front-proxy connection, with {@code caller} in its request headers. */
  private RequestOptions asCaller(HttpMethod method, String uri, Caller caller) {
    RequestOptions options = options(method, uri);
    MultiMap asserted = MultiMap.caseInsensitiveMultiMap();
    assertion.addTo(asserted, caller);
    options.setHeaders(asserted);
    return options;
  }

  private RequestOptions options(HttpMethod method, String uri) {
    return new RequestOptions()
        .setMethod(method)
        .setHost(host)
        .setPort(port)
        .setSsl(ssl)
        .setURI(uri)
        .setFollowRedirects(false);
  }

  @Override
  public Future<UpgradeResponse> upgrade(
      HttpMethod method, String uri, MultiMap headers, Caller caller) {
    return upgrades.upgrade(method, uri, headers, caller);
  }

  @Override
  public <T> Future<T> send(
      HttpMethod method,
      String uri,
      Caller caller,
      java.util.function.Consumer<HttpClientRequest> prepare,
      RequestBody body,
      java.util.function.Function<io.vertx.core.http.HttpClientResponse, Future<T>> read) {
    return Unprocessed.send(
        () -> open(method, uri, caller), prepare, body, read, resent::increment);
  }

  @Override
  public long resent() {
    return resent.sum();
  }

  @Override
  public Future<JsonObject> postJson(String path, JsonObject body) {
    return send(
        HttpMethod.POST,
        path,
        null,
        req -> {
          req.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
          req.putHeader(HttpHeaders.ACCEPT, "application/json");
        },
        RequestBody.of(body.toBuffer()),
        resp -> readReview(path, resp));
  }

  private static Future<JsonObject> readReview(
      String path, io.vertx.core.http.HttpClientResponse resp) {
    long len = parseLength(resp.getHeader(HttpHeaders.CONTENT_LENGTH));
    if (len > MAX_REVIEW_BODY) {
      resp.request().reset();
      return Future.failedFuture(
          new UpstreamStatusException(502, "review answer too large: " + len));
    }
    return resp.body()
        .compose(
            b -> {
              if (resp.statusCode() / 100 != 2) {
                return Future.failedFuture(
                    new UpstreamStatusException(
                        resp.statusCode(), "POST " + path + " -> " + resp.statusCode()));
              }
              return Future.succeededFuture(new JsonObject(b));
            });
  }

  private static long parseLength(String v) {
    try {
      return v == null ? -1 : Long.parseLong(v);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public Future<Void> close() {
    if (tokenTimer >= 0) {
      vertx.cancelTimer(tokenTimer);
    }
    if (frontProxyFiles != null) {
      frontProxyFiles.stop();
    }
    Future<Void> callers = asCallers == null ? Future.succeededFuture() : asCallers.close();
    return Future.all(pooled.close(), callers, upgrades.close()).mapEmpty();
  }
}
