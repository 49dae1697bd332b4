package dev.tenantproxy.proxy.upstream;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.streams.ReadStream;

/**
 * What a request to the API server carries, and whether it can be sent once more ({@link
 * Upstream#send}): a request the API server did not process is sent again only with a body that is
 * still whole in memory.
 */
public interface RequestBody {

  /** Sends {@code req} with this body: the first time, or again once {@link #replayable()}. */
  Future<HttpClientResponse> sendWith(HttpClientRequest req);

  /** Whether all of the body is in memory, so the request can be sent again. */
  boolean replayable();

  /** No body. */
  static RequestBody none() {
    return RequestBodies.Held.NONE;
  }

  /** A body held in memory. */
  static RequestBody of(Buffer body) {
    return new RequestBodies.Held(body);
  }

  /**
   * A body streamed from {@code source} with back-pressure, of which up to {@code maxCopied} bytes
   * are copied as they pass: a body no larger, once it has ended, can be sent again; a larger one,
   * or one that has not ended, cannot.
   */
  static RequestBody streamed(ReadStream<Buffer> source, long maxCopied) {
    return new RequestBodies.Teed(source, maxCopied);
  }
}
