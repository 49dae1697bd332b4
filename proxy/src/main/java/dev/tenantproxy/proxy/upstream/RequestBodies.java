package dev.tenantproxy.proxy.upstream;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.streams.ReadStream;

/** The {@link RequestBody} kinds. */
final class RequestBodies {
  private RequestBodies() {}

  /** A body in memory (or none). */
  static final class Held implements RequestBody {
    static final Held NONE = new Held(null);
    private final Buffer body;

    Held(Buffer body) {
      this.body = body;
    }

    @Override
    public Future<HttpClientResponse> sendWith(HttpClientRequest req) {
      return body == null ? req.send() : req.send(body);
    }

    @Override
    public boolean replayable() {
      return true;
    }

    @Override
    public Future<Void> whole() {
      return Future.succeededFuture();
    }
  }

  /**
   * A streamed body, copied as it passes up to a bound.
   *
   * <p>DESIGN. The body is forwarded here, not with Vert.x's {@code send(ReadStream)}: its pipe
   * goes on writing into a request that has failed (and throws from {@code writeQueueFull()},
   * "Request already complete", out of the source's data handler), and when it does stop it drops
   * what the source still delivers. A request the API server did not process can fail before the
   * client has sent all of the body (Netty refuses the stream as the head is written). So the
   * source keeps these handlers for its whole life: after a failure the body still arrives, is
   * copied (not written), and once it has ended ({@link #whole()}) the request can be sent again.
   * Used on the stream's event loop only (the caller's server request and its upstream request
   * share it: {@code LoopLocalPool}), so it needs no locking.
   */
  static final class Teed implements RequestBody {
    private final ReadStream<Buffer> source;
    private final long maxCopied;
    private final Promise<Void> whole = Promise.promise();
    private Buffer copy;
    private boolean streaming;
    private boolean forwarding;
    private HttpClientRequest target;

    Teed(ReadStream<Buffer> source, long maxCopied) {
      this.source = source;
      this.maxCopied = maxCopied;
      this.copy = maxCopied > 0 ? Buffer.buffer((int) Math.min(maxCopied, 16 * 1024)) : null;
      if (copy == null) {
        whole.tryFail("the body is streamed only");
      }
    }

    @Override
    public Future<HttpClientResponse> sendWith(HttpClientRequest req) {
      if (streaming) {
        if (copy == null || !whole.future().succeeded()) {
          return Future.failedFuture(new IllegalStateException("the body is not whole in memory"));
        }
        return req.send(copy.copy());
      }
      streaming = true;
      forwarding = true;
      target = req;
      if (!req.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
        // an HTTP/1.1 request needs one or the other before its first write (as Vert.x's
        // send(ReadStream) does); HTTP/2 ignores it
        req.setChunked(true);
      }
      Future<HttpClientResponse> answer = req.response();
      answer.onFailure(e -> stopForwarding());
      source.handler(this::onChunk);
      source.endHandler(v -> onEnd());
      source.exceptionHandler(
          e -> {
            whole.tryFail(e);
            if (forwarding) {
              stopForwarding();
              req.reset();
            }
          });
      source.resume();
      return answer;
    }

    private void onChunk(Buffer chunk) {
      if (copy != null) {
        if (copy.length() + (long) chunk.length() > maxCopied) {
          copy = null; // larger than announced: streamed only
          whole.tryFail("the body is larger than its copy may be");
        } else {
          copy.appendBuffer(chunk);
        }
      }
      if (!forwarding) {
        return; // the request failed: the rest of the body is only copied
      }
      try {
        target.write(chunk);
        if (target.writeQueueFull()) {
          source.pause();
          target.drainHandler(v -> source.resume());
        }
      } catch (IllegalStateException requestEnded) {
        // it failed (or was reset) before its failure was reported; reset, so that a request
        // refused for any other reason fails too instead of waiting for a body never written
        stopForwarding();
        target.reset();
      }
    }

    private void onEnd() {
      if (copy != null) {
        whole.tryComplete();
      }
      if (forwarding) {
        try {
          target.end();
        } catch (IllegalStateException requestEnded) {
          stopForwarding();
          target.reset();
        }
      }
    }

    /** The request failed: stop writing, and read the rest of the body (into the copy, if kept). */
    private void stopForwarding() {
      if (forwarding) {
        forwarding = false;
        target.drainHandler(null);
        source.resume();
      }
    }

    @Override
    public boolean replayable() {
      return copy != null && !whole.future().failed();
    }

    @Override
    public Future<Void> whole() {
      return whole.future();
    }
  }
}
