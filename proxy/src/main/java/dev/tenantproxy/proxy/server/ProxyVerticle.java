package dev.tenantproxy.proxy.server;

import dev.tenantproxy.filters.status.KubeStatusException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.ServerSSLOptions;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One HTTPS listener on one event loop; every request enters the filter onion paused. */
final class ProxyVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyVerticle.class);

  /**
   * How long a new connection may take to deliver its first request head ({@code
   * --first-request-timeout}): a client that connects (or sends half a request line) and then goes
   * silent is closed, not held for ever. Go's {@code http.Server.ReadHeaderTimeout}; kube-apiserver
   * uses 32 s. Only the first request is bounded: an HTTP/2 connection or a keep-alive HTTP/1.1
   * connection idle between requests is the client's (kubectl keeps them), and a watch may be
   * silent for minutes.
   */
  private final long firstRequestTimeoutMs;

  /** The longest a closing connection lingers (see {@link LingeringClose}). */
  private final long lingerMs;

  private final String host;
  private final int port;
  private final ServerSSLOptions ssl;
  private final FilterChain chain;
  private final Consumer<HttpServer> started;
  // HTTP/1.x connections answered with "Connection: close", lingering: requests pipelined behind
  // the refused one are not served (touched only on this verticle's event loop)
  private final Set<HttpConnection> closing = new HashSet<>();
  // connections still waiting for their first request head, with the timer that closes them
  private final Map<HttpConnection, Long> awaitingFirstRequest = new HashMap<>();

  ProxyVerticle(
      String host,
      int port,
      ServerSSLOptions ssl,
      FilterChain chain,
      Consumer<HttpServer> started,
      long firstRequestTimeoutMs,
      long lingerMs) {
    this.firstRequestTimeoutMs = firstRequestTimeoutMs;
    this.lingerMs = lingerMs;
    this.host = host;
    this.port = port;
    this.ssl = ssl;
    this.chain = chain;
    this.started = started;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options =
        new HttpServerOptions()
            .setSsl(true)
            .setSslEngineOptions(dev.tenantproxy.proxy.config.TlsEngine.options())
            .setUseAlpn(true)
            .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
            .setKeyCertOptions(ssl.getKeyCertOptions())
            .setTrustOptions(ssl.getTrustOptions())
            .setClientAuth(ssl.getClientAuth())
            // as large as kube-apiserver accepts (1 MiB); above, 414 / 431 with a Status
            .setMaxInitialLineLength(StatusResponses.MAX_HEADER_BYTES)
            .setMaxHeaderSize(StatusResponses.MAX_HEADER_BYTES)
            .setInitialSettings(
                new Http2Settings()
                    .setMaxConcurrentStreams(
                        HttpServerOptions.DEFAULT_INITIAL_SETTINGS_MAX_CONCURRENT_STREAMS)
                    .setMaxHeaderListSize(StatusResponses.MAX_HEADER_BYTES))
            .setCompressionSupported(false)
            .setDecompressionSupported(false)
            .setHandle100ContinueAutomatically(true);
    HttpServer server = vertx.createHttpServer(options);
    server.requestHandler(this::handle);
    server.invalidRequestHandler(this::invalid);
    server.connectionHandler(this::connected);
    server.exceptionHandler(e -> LOG.debug("connection error: {}", e.toString()));
    return server.listen(port, host).onSuccess(started::accept);
  }

  private void connected(HttpConnection connection) {
    // every close of this connection (shutdown, refusal, timeout) half-closes first and lingers
    LingeringClose.install(connection, lingerMs);
    // the flushes of one event-loop turn leave as one TLS write (never waits on anything else)
    FlushBatching.install(connection);
    long timer =
        vertx.setTimer(
            firstRequestTimeoutMs,
            t -> {
              if (awaitingFirstRequest.remove(connection) != null) {
                LOG.debug("no request head within {} ms: closing", firstRequestTimeoutMs);
                connection.close();
              }
            });
    awaitingFirstRequest.put(connection, timer);
    connection.closeHandler(
        v -> {
          firstRequestArrived(connection);
          closing.remove(connection);
        });
  }

  private void firstRequestArrived(HttpConnection connection) {
    Long timer = awaitingFirstRequest.remove(connection);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }

  private void handle(HttpServerRequest request) {
    request.pause();
    firstRequestArrived(request.connection());
    if (closing.contains(request.connection())) {
      return; // pipelined behind a refused request: never served, the connection is closing
    }
    KubeStatusException refused = RequestFraming.check(request);
    if (refused != null) {
      refuse(request, refused);
      return;
    }
    ProxyExchange exchange = new ProxyExchange(request, context, System.nanoTime());
    chain.next(exchange).onFailure(e -> lastResort(request, e));
  }

  /**
   * An HTTP/1.x request the decoder refused (request line or headers too long, malformed): a Status
   * with the code the API server would give, then the connection is closed, since its bytes can no
   * longer be framed. The close lingers ({@link LingeringClose}: the answer is flushed, the output
   * half-closed, and what the client still writes is read and dropped): a client still writing the
   * rest of an oversized request gets the answer, not a reset.
   */
  private void invalid(HttpServerRequest request) {
    firstRequestArrived(request.connection());
    Throwable cause = request.decoderResult().cause();
    LOG.debug("invalid request: {}", cause == null ? "?" : cause.toString());
    if (closing.contains(request.connection())) {
      return; // the bytes after a refused request: the connection is already closing
    }
    refuse(request, StatusResponses.refusedByDecoder(cause));
  }

  /**
   * Answers a request refused before the filters with its Status; over HTTP/1.x the connection is
   * then closed (lingering), since what follows on the wire cannot be trusted to be framed as the
   * client meant; over HTTP/2 only the stream ends.
   */
  private void refuse(HttpServerRequest request, KubeStatusException status) {
    if (request.version() == HttpVersion.HTTP_2) {
      request.resume();
      StatusResponses.send(request.response(), status);
      return;
    }
    HttpConnection connection = request.connection();
    closing.add(connection);
    StatusResponses.send(request.response(), status, "close")
        .onComplete(
            done -> connection.close()); // lingers (LingeringClose); stays in closing until closed
  }

  /**
   * The observing filter turns every failure of the layers it wraps into a Status; a failure of a
   * layer outside it (the ops endpoints) would otherwise leave the request paused and unanswered
   * for ever. Answered here through the same one mapping, {@link StatusResponses}.
   */
  private static void lastResort(HttpServerRequest request, Throwable failure) {
    LOG.debug("request failed: {}", failure.toString());
    if (!request.response().ended() && !request.response().closed()) {
      ProxyExchange.resume(request);
      StatusResponses.send(request.response(), failure);
    }
  }
}
