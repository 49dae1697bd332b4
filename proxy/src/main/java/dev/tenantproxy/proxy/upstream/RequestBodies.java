package dev.tenantproxy.proxy.upstream;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
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
  }

  /**
   * A streamed body copied as it passes, up to a bound. Used on the stream's event loop only (the
   * pipe and the resend run there), so it needs no locking.
   */
  static final class Teed implements RequestBody, ReadStream<Buffer> {
    private final ReadStream<Buffer> source;
    private final long maxCopied;
    private Buffer copy;
    private boolean streaming;
    private boolean ended;

    Teed(ReadStream<Buffer> source, long maxCopied) {
      this.source = source;
      this.maxCopied = maxCopied;
      this.copy = maxCopied > 0 ? Buffer.buffer((int) Math.min(maxCopied, 16 * 1024)) : null;
    }

    @Override
    public Future<HttpClientResponse> sendWith(HttpClientRequest req) {
      if (!streaming) {
        streaming = true;
        return req.send(this); // pipes the source with back-pressure, copying as it goes
      }
      if (!replayable()) {
        return Future.failedFuture(new IllegalStateException("the body was streamed once"));
      }
      return req.send(copy.copy());
    }

    @Override
    public boolean replayable() {
      return ended && copy != null;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      source.handler(
          handler == null
              ? null
              : chunk -> {
                if (copy != null) {
                  if (copy.length() + (long) chunk.length() > maxCopied) {
                    copy = null; // too large to keep: this body is streamed only
                  } else {
                    copy.appendBuffer(chunk);
                  }
                }
                handler.handle(chunk);
              });
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
      source.endHandler(
          endHandler == null
              ? null
              : v -> {
                ended = true;
                endHandler.handle(v);
              });
      return this;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      source.exceptionHandler(handler);
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      source.pause();
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      source.resume();
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      source.fetch(amount);
      return this;
    }
  }
}
