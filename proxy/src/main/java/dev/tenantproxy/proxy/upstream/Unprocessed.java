package dev.tenantproxy.proxy.upstream;

import dev.tenantproxy.proxy.server.NettyChannels;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Sends a request again when the API server did not process it.
 *
 * <p>DESIGN (what "not processed" means). On HTTP/2 a server that closes a connection sends GOAWAY
 * with the last stream it has taken: every stream the client opened above it was never handed to a
 * handler, and the client may send it again on another connection, whatever its method (RFC 9113
 * §6.8, §8.7). So may it a stream the server reset with {@code REFUSED_STREAM}. kube-apiserver does
 * both in normal operation: with {@code --goaway-chance} it closes connections at random so that
 * clients spread over the replicas behind a load balancer; it answers a request whose front-proxy
 * certificate it refuses with a 401 and a GOAWAY, whatever else is in flight on that connection;
 * and it sends GOAWAY when it shuts down. client-go's HTTP/2 transport sends such requests again;
 * without this the proxy answered them 503, a failure the caller's own client would never have
 * seen.
 *
 * <p>The signs, as Vert.x 5 reports them: the stream failed with {@link HttpClosedException}, its
 * connection received a GOAWAY and the request's stream id is above the GOAWAY's last stream id
 * (Netty closes those streams when the GOAWAY arrives); or a {@link StreamResetException} with code
 * {@code REFUSED_STREAM}; or Netty refused to open the stream at all because the connection had
 * already received a GOAWAY ({@link Http2Exception} {@code REFUSED_STREAM}). Anything else (a reset
 * after the server took the stream, a connection lost without GOAWAY, a timeout) may have been
 * processed and is not sent again. The next attempt goes to the pool again; after a GOAWAY it has
 * already evicted the connection that went away (Vert.x evicts it when the GOAWAY arrives, before
 * Netty closes the refused streams), after a refused stream it may pick the same connection, which
 * is still usable: at most {@value #ATTEMPTS} attempts in all, the second at once, each later one
 * after a pause that doubles from {@value #FIRST_PAUSE_MS} ms (client-go's HTTP/2 transport also
 * sends the first again at once and backs off after; with {@code --goaway-chance=0.02} and 24
 * callers about one request in ten was sent again, and a second refusal is rare: the new connection
 * has to close within the request's lifetime too). A connection that cannot be opened fails the
 * request as before.
 *
 * <p>Only a request whose whole body is in memory can be sent again ({@link RequestBody}): none,
 * one held, or a streamed one small enough to have been copied as it passed, once it has ended.
 */
final class Unprocessed {
  /** Attempts in all, the first included. */
  static final int ATTEMPTS = 5;

  /** The pause before the third attempt; it doubles for each later one. */
  static final long FIRST_PAUSE_MS = 50;

  private static final long REFUSED_STREAM = Http2Error.REFUSED_STREAM.code();

  private Unprocessed() {}

  /**
   * Opens a request with {@code open}, lets {@code prepare} set its headers, sends it with {@code
   * body} ({@link RequestBody#none()}: none), again while the API server did not process it, and
   * reads the answer with {@code read} as its head arrives; {@code resent} runs once per request
   * sent again.
   */
  static <T> Future<T> send(
      Supplier<Future<HttpClientRequest>> open,
      Consumer<HttpClientRequest> prepare,
      RequestBody body,
      Function<HttpClientResponse, Future<T>> read,
      Runnable resent) {
    return attempt(open, prepare, body, read, resent, 1);
  }

  private static <T> Future<T> attempt(
      Supplier<Future<HttpClientRequest>> open,
      Consumer<HttpClientRequest> prepare,
      RequestBody body,
      Function<HttpClientResponse, Future<T>> read,
      Runnable resent,
      int attempt) {
    return open.get()
        .compose(
            req -> {
              Future<HttpClientResponse> sent;
              try {
                prepare.accept(req);
                sent = body.sendWith(req);
              } catch (RuntimeException e) {
                // an opened request holds its connection's stream until it ends or is reset
                req.reset();
                return Future.failedFuture(e);
              }
              // read in the callback of send(), as the head arrives: its body handler is set
              // before any body event, wherever this was called from
              return sent.transform(
                  answered -> {
                    if (answered.succeeded()) {
                      return read.apply(answered.result());
                    }
                    Throwable e = answered.cause();
                    if (attempt < ATTEMPTS && body.replayable() && notProcessed(req, e)) {
                      // a streamed body may still be arriving: send again once it is whole
                      return body.whole()
                          .transform(
                              whole -> {
                                if (whole.failed()) {
                                  return Future.<T>failedFuture(e);
                                }
                                resent.run();
                                return pause(attempt)
                                    .compose(
                                        v ->
                                            attempt(
                                                open, prepare, body, read, resent, attempt + 1));
                              });
                    }
                    return Future.failedFuture(e);
                  });
            });
  }

  /** None before the second attempt, then {@link #FIRST_PAUSE_MS} doubling. */
  private static Future<Void> pause(int attemptsMade) {
    io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
    if (attemptsMade < 2 || context == null) {
      return Future.succeededFuture();
    }
    long ms = FIRST_PAUSE_MS << (attemptsMade - 2);
    return context.owner().timer(ms, java.util.concurrent.TimeUnit.MILLISECONDS).mapEmpty();
  }

  /** Whether {@code failure} of {@code req} says the API server never took the request. */
  static boolean notProcessed(HttpClientRequest req, Throwable failure) {
    if (failure instanceof HttpClosedException) {
      int stream = streamId(req);
      int last = lastStreamBeforeGoAway(req);
      return stream > 0 && last >= 0 && stream > last;
    }
    if (failure instanceof StreamResetException reset) {
      return reset.getCode() == REFUSED_STREAM;
    }
    if (failure instanceof Http2Exception refused) {
      return refused.error() == Http2Error.REFUSED_STREAM;
    }
    return false;
  }

  /**
   * The last stream id of the GOAWAY that {@code req}'s connection received, as Netty recorded it
   * when it read the frame; -1 when none arrived (or the connection is not one Netty's HTTP/2 codec
   * carries). Read from Netty, not from {@link HttpClosedException#goAway()}: in Vert.x 5.0.7 that
   * copies the frame's debug data, which Netty has released by then ({@code
   * IllegalReferenceCountException}).
   */
  private static int lastStreamBeforeGoAway(HttpClientRequest req) {
    io.netty.channel.Channel channel;
    try {
      channel = NettyChannels.of(req.connection());
    } catch (RuntimeException noConnection) {
      return -1;
    }
    Http2ConnectionHandler http2 =
        channel == null ? null : channel.pipeline().get(Http2ConnectionHandler.class);
    if (http2 == null || !http2.connection().goAwayReceived()) {
      return -1;
    }
    return http2.connection().local().lastStreamKnownByPeer();
  }

  /** The request's HTTP/2 stream id; -1 when it has none (HTTP/1.1, or no stream was opened). */
  private static int streamId(HttpClientRequest req) {
    try {
      return req.streamId();
    } catch (RuntimeException noStream) {
      // Vert.x 5.0.7 reads the id from the Netty stream, which is null until one was opened
      return -1;
    }
  }
}
