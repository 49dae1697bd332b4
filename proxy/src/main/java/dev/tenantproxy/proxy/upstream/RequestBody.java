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

  /**
   * Sends {@code req} with this body: the first time as it comes, again (only once {@link #whole()}
   * has completed) from the copy.
   */
  Future<HttpClientResponse> sendWith(HttpClientRequest req);

  /** Whether the request can still be sent again: its body is, or will be, whole in memory. */
  boolean replayable();

  /**
   * Completes once all of the body is in memory (at once for a body held or none, at the end of a
   * streamed one); fails when it never will be (too large, or its source failed).
   */
  Future<Void> whole();

  /** No body. */
  static RequestBody none() {
    return RequestBodies.Held.NONE;
  }

  /** A body held in memory. */
  static RequestBody of(Buffer body) {
    return new RequestBodies.Held(body);
  }

  /**
   * A body streamed from {@code source} (paused) with back-pressure, of which up to {@code
   * maxCopied} bytes are copied as they pass: a body no larger can be sent again, once it has
   * ended; a larger one cannot.
   */
  static RequestBody streamed(ReadStream<Buffer> source, long maxCopied) {
    return new RequestBodies.Teed(source, maxCopied);
  }
}
