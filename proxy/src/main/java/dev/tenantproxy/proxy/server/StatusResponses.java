package dev.tenantproxy.proxy.server;

import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.proxy.upstream.UpstreamStatusException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.StreamResetException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where a failure becomes a Kubernetes {@code Status} response. */
public final class StatusResponses {
  private static final Logger LOG = LoggerFactory.getLogger(StatusResponses.class);

  /**
   * The most bytes of request line and headers the proxy accepts, as kube-apiserver (Go's {@code
   * http.Server.MaxHeaderBytes}, 1 MiB): a 20 KB label selector is an ordinary request.
   */
  public static final int MAX_HEADER_BYTES = 1 << 20;

  private StatusResponses() {}

  /** Maps any failure to the Status the proxy answers with. */
  /**
   * The Status for a request the HTTP decoder refused: 414 / 431 for what is too long, 400 for
   * anything else it could not parse (whatever exception Netty raised: a bad version, method,
   * header name or Content-Length is the client's fault, never a 500).
   */
  static KubeStatusException refusedByDecoder(Throwable cause) {
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException
        || cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      return toStatus(cause);
    }
    return KubeStatusException.badRequest("malformed HTTP request");
  }

  public static KubeStatusException toStatus(Throwable failure) {
    if (failure instanceof KubeStatusException kse) {
      return kse;
    }
    if (failure instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      return new KubeStatusException(
          414,
          "RequestURITooLong",
          "the request line is longer than " + MAX_HEADER_BYTES + " bytes",
          null,
          null,
          null);
    }
    if (failure instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      return new KubeStatusException(
          431,
          "RequestHeaderFieldsTooLarge",
          "the request headers are larger than " + MAX_HEADER_BYTES + " bytes",
          null,
          null,
          null);
    }
    if (failure instanceof io.netty.handler.codec.DecoderException) {
      return KubeStatusException.badRequest("malformed HTTP request");
    }
    if (failure instanceof UpstreamStatusException use) {
      return new KubeStatusException(
          502, "BadGateway", "the API server answered " + use.status(), null, null, null);
    }
    if (failure instanceof ConnectException
        || failure instanceof UnknownHostException
        || failure instanceof SSLException
        || failure instanceof TimeoutException
        || failure instanceof io.netty.channel.ConnectTimeoutException
        || failure instanceof io.vertx.core.http.HttpClosedException
        || failure instanceof StreamResetException
        // a stream Netty would not open on a connection the API server is closing (GOAWAY)
        || failure instanceof io.netty.handler.codec.http2.Http2Exception
        || (failure != null
            && failure
                .getClass()
                .getName()
                .equals("io.vertx.core.http.impl.NoStackTraceTimeoutException"))) {
      return KubeStatusException.serviceUnavailable("the API server is unavailable");
    }
    LOG.error("internal error", failure);
    return KubeStatusException.internal("internal error");
  }

  /**
   * Answers {@code response} with the Status for {@code failure}; when the response head is already
   * sent, the stream is reset instead.
   */
  public static Future<Void> send(HttpServerResponse response, Throwable failure) {
    return send(response, failure, null);
  }

  /**
   * As {@link #send(HttpServerResponse, Throwable)}, with a {@code Connection} header (e.g. {@code
   * close}) when not null.
   */
  public static Future<Void> send(
      HttpServerResponse response, Throwable failure, String connection) {
    KubeStatusException status = toStatus(failure);
    if (response.headWritten() || response.ended() || response.closed()) {
      response.reset();
      return Future.failedFuture(status);
    }
    response.headers().clear();
    response
        .setStatusCode(status.code())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader("Cache-Control", "no-cache, private");
    if (connection != null) {
      response.putHeader(HttpHeaders.CONNECTION, connection);
    }
    if (status.code() == 429 || status.code() == 503) {
      response.putHeader("Retry-After", "1");
    }
    return response.end(Buffer.buffer(status.toStatusJson()));
  }
}
