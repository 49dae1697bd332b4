package dev.tenantproxy.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import org.junit.jupiter.api.Test;

/** The Status a failure to reach the API server is answered with. */
class StatusResponsesTest {

  @Test
  void aStreamNettyWouldNotOpenOnAConnectionTheApiServerIsClosingIs503() {
    Http2Exception refused =
        Http2Exception.streamError(
            49,
            Http2Error.REFUSED_STREAM,
            "Cannot create stream 49 greater than Last-Stream-ID 21");

    assertThat(StatusResponses.toStatus(refused).code()).isEqualTo(503);
  }

  @Test
  void aStreamClosedByTheApiServersGoawayOrResetIs503() {
    assertThat(StatusResponses.toStatus(new HttpClosedException("Stream was closed")).code())
        .isEqualTo(503);
    assertThat(StatusResponses.toStatus(new StreamResetException(7)).code()).isEqualTo(503);
  }

  @Test
  void anUnexpectedFailureIs500() {
    assertThat(StatusResponses.toStatus(new IllegalStateException("bug")).code()).isEqualTo(500);
  }
}
