package dev.tenantproxy.proxy.upstream;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/2 pool that carries callers' requests when they are asserted by request headers, made
 * with the front-proxy client certificate, and its renewal when that certificate is renewed.
 *
 * <p>DESIGN (per-request verification). kube-apiserver does not trust a front-proxy connection once
 * for all: on every request it verifies the connection's client certificate chain against its
 * {@code --requestheader-client-ca-file} at the current time and its CN against {@code
 * --requestheader-allowed-names} ({@code k8s.io/apiserver/pkg/authentication/request/x509}, {@code
 * Verifier.AuthenticateRequest}: {@code PeerCertificates[0].Verify(opts)}, then {@code
 * verifySubject}). So a pooled connection opened with the old certificate fails every request the
 * moment that certificate expires (with a 401, and on HTTP/2 a GOAWAY, after which the pool opens
 * the next connection with the same certificate): renewing must move every <em>new</em> request to
 * connections made with the new certificate, pooled connections included.
 *
 * <p>DESIGN (a new pool per certificate). {@link HttpClientAgent#updateSSLOptions} does not do that
 * in Vert.x 5.0.7: it replaces the options for connections opened later (the pool is keyed by its
 * SSL options: {@code HttpClientImpl.doRequest}, {@code EndpointKey}), and the connections pooled
 * under the old options are neither used again nor closed; with no HTTP/2 keep-alive timeout they
 * stay open, with their old-certificate TLS sessions, until the client is closed, and nothing can
 * close them alone. So a renewal builds a new pool (a {@link LoopLocalPool}: one agent per event
 * loop) and retires the old one as a whole, each agent with {@link HttpClient#shutdown(long,
 * TimeUnit)}: every HTTP/2 connection of it sends GOAWAY (it takes no new stream), its streams in
 * flight go on, and what is still open when the grace ends is closed.
 *
 * <p>DESIGN (the swap). A renewal first has the new pool checked ({@code probe}: the API server
 * must take a caller asserted on it, {@code VertxUpstream}); a pool that fails the check is closed
 * and the one in service stays. The pool in service is one volatile reference, read once per
 * request. A renewal that passed stores the new pool, then shuts the old one down {@value
 * #SETTLE_MS} ms later, when every request that read the old reference just before the store has
 * usually had its stream. One that has not (it waited for a connection being opened: a cold TLS
 * handshake on a loaded machine takes seconds) fails to get its stream when the old pool closes
 * ("Pool closed"), before any byte is sent, and is opened once more on the pool in service (a test
 * showed such requests failing without it). Nothing here blocks: pools are built and shut down on
 * the event loop of the renewal.
 *
 * <p>DESIGN (the grace: {@link #RETIREMENT_GRACE}, 10 minutes). The old certificate normally is
 * still valid (cert-manager renews at two thirds of the lifetime), and the API server never checks
 * a stream again once it is serving it, so nothing is gained by cutting streams early; but a stream
 * that never ends (a {@code kubectl logs -f}) must not hold connections made with a retired
 * certificate for ever (its key may have been replaced because it leaked). Ten minutes let every
 * request the API server bounds by its {@code --request-timeout} (1 minute) finish, and every watch
 * of a client-go informer (controllers, operators, Lens, k9s ask for 5 to 10 minutes, {@code
 * minWatchTimeout} x [1, 2)) end by itself, its next one going on the new pool. Only watches
 * without a timeout (kubectl get -w, which the API server ends after 30 to 60 minutes) and endless
 * streams are ended by the grace: the proxy ends a watch cleanly as when the API server goes away
 * ({@code passthrough/PassThroughFilter}), and a client re-watches from its last resourceVersion.
 */
final class FrontProxyPool {
  private static final Logger LOG = LoggerFactory.getLogger(FrontProxyPool.class);

  /** How long a retired pool's streams may go on before its connections are closed. */
  static final Duration RETIREMENT_GRACE = Duration.ofMinutes(10);

  /** How long a replaced pool still takes the streams of requests that read it before the swap. */
  static final long SETTLE_MS = 1_000;

  private final Vertx vertx;
  private final Function<FrontProxyClient, LoopLocalPool> factory;
  private final Function<LoopLocalPool, Future<Void>> probe;
  private final Duration grace;
  private final Set<LoopLocalPool> retiring = ConcurrentHashMap.newKeySet();
  private volatile LoopLocalPool current;
  private boolean closed; // guarded by this

  /**
   * @param factory builds a pool whose connections authenticate with a certificate
   * @param probe checks a renewed certificate's pool before it is put in service (a failed future:
   *     not put in service); not applied to {@code first}
   * @param grace how long a retired pool's streams may go on
   */
  FrontProxyPool(
      Vertx vertx,
      FrontProxyClient first,
      Function<FrontProxyClient, LoopLocalPool> factory,
      Function<LoopLocalPool, Future<Void>> probe,
      Duration grace) {
    this.vertx = vertx;
    this.factory = factory;
    this.probe = probe;
    this.grace = grace;
    this.current = factory.apply(first);
  }

  /** Opens a request on the pool in service. */
  Future<HttpClientRequest> request(RequestOptions options) {
    LoopLocalPool agent = current;
    return agent
        .request(options)
        .recover(
            e -> {
              LoopLocalPool now = current;
              // retired while this request waited for a stream there: nothing was sent yet
              return now != agent ? now.request(options) : Future.failedFuture(e);
            });
  }

  /**
   * Builds a pool made with {@code next} and has it probed; when the probe passes, puts it in
   * service for every request opened from now on and retires the one before (its streams go on for
   * the grace). When the probe fails the new pool is closed, the one in service stays, and the
   * returned future fails as the probe did. Call on a Vert.x event loop.
   */
  Future<Void> renew(FrontProxyClient next) {
    LoopLocalPool fresh = factory.apply(next);
    return probe
        .apply(fresh)
        .transform(
            ar -> {
              if (ar.failed()) {
                return fresh.close().transform(closed -> Future.<Void>failedFuture(ar.cause()));
              }
              promote(fresh);
              return Future.<Void>succeededFuture();
            });
  }

  private void promote(LoopLocalPool fresh) {
    LoopLocalPool old;
    synchronized (this) {
      if (closed) {
        fresh.close();
        return;
      }
      old = current;
      retiring.add(old);
      current = fresh;
    }
    LOG.info(
        "requests in callers' names go on new connections with the renewed front-proxy"
            + " certificate; the previous connections take no new request and are closed once"
            + " their streams end, at the latest in {}",
        grace);
    vertx.setTimer(
        SETTLE_MS,
        id ->
            old.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS)
                .onComplete(
                    ar -> {
                      retiring.remove(old);
                      LOG.debug("the previous front-proxy connections are closed");
                    }));
  }

  /** How many retired pools still have connections (tests). */
  int retiring() {
    return retiring.size();
  }

  /** Closes the pool in service and every retired one at once. */
  Future<Void> close() {
    List<LoopLocalPool> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(retiring);
      all.add(current);
    }
    return Future.join(all.stream().map(LoopLocalPool::close).toList()).mapEmpty();
  }
}
