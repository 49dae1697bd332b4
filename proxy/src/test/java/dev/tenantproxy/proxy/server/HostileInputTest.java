package dev.tenantproxy.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.proxy.testing.FakeApiServer;
import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.TestPki;
import dev.tenantproxy.testsupport.RawTls;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Raw HTTP/1.1 bytes over TLS against a running proxy: malformed input gets a Status (never a 500)
 * and a closed connection, nothing of it reaches the API server, pipelined requests each get their
 * own answer in order, and after every case the proxy still serves.
 */
class HostileInputTest {
  private static final String CM = "/api/v1/namespaces/solar/configmaps";
  private static final int TIMEOUT_MS = 30_000;

  @TempDir static Path dir;
  static ProxyHarness h;
  static TestPki.Issued alice;

  @BeforeAll
  static void start() {
    h = ProxyHarness.start(dir);
    alice = h.user("alice", "devs");
    // the answer names the request it answers: a response carrying another request's bytes shows
    h.api.handler =
        req ->
            req.body()
                .onSuccess(
                    b ->
                        req.response()
                            .putHeader("Content-Type", "application/json")
                            .end(
                                new JsonObject()
                                    .put("uri", req.uri())
                                    .put("body", b.toString())
                                    .encode()));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @AfterEach
  void everyForwardedRequestCarriedTheProxysCredentialsAndTheCaller() {
    for (FakeApiServer.Recorded r : h.api.requests) {
      assertThat(r.headers().getAll("Authorization")).containsExactly("Bearer proxy-token");
      assertThat(r.headers().getAll("Impersonate-User")).containsExactly("alice");
    }
    // the proxy still serves a normal request on a new connection
    try (RawTls raw = connect()) {
      RawTls.Resp r = raw.write("GET " + CM + "?health HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(new JsonObject(r.body()).getString("uri")).isEqualTo(CM + "?health");
    }
    h.api.requests.clear();
  }

  static Stream<Arguments> refused() {
    String get = "GET " + CM + " HTTP/1.1\r\nHost: x\r\n";
    String post = "POST " + CM + " HTTP/1.1\r\nHost: x\r\n";
    return Stream.of(
        Arguments.of("garbage request line", "HELLO\r\n\r\n", 400),
        Arguments.of("no HTTP version", "GET " + CM + "\r\nHost: x\r\n\r\n", 400),
        Arguments.of("bad method characters", "G@T " + CM + " HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        Arguments.of("space in the URI", "GET /api/v1/a b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        Arguments.of("NUL in the URI", "GET /api/v1/a\0b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        Arguments.of("asterisk-form GET", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        Arguments.of("header without colon", get + "Foo\r\n\r\n", 400),
        Arguments.of("invalid header name", get + "X(A): 1\r\n\r\n", 400),
        Arguments.of("space before the colon", get + "X-A : 1\r\n\r\n", 400),
        Arguments.of("no Host", "GET " + CM + " HTTP/1.1\r\n\r\n", 400),
        Arguments.of("two Hosts", get + "Host: y\r\n\r\n", 400),
        Arguments.of(
            "two Content-Lengths", post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x", 400),
        Arguments.of("negative Content-Length", post + "Content-Length: -1\r\n\r\n{}", 400),
        Arguments.of("non-numeric Content-Length", post + "Content-Length: 2x\r\n\r\n{}", 400),
        Arguments.of("Transfer-Encoding gzip", post + "Transfer-Encoding: gzip\r\n\r\n{}", 501),
        Arguments.of(
            "Transfer-Encoding gzip, chunked",
            post + "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            501),
        Arguments.of("HTTP/0.9", "GET " + CM + " HTTP/0.9\r\nHost: x\r\n\r\n", 501),
        Arguments.of(
            "HTTP/2.0 in a request line", "GET " + CM + " HTTP/2.0\r\nHost: x\r\n\r\n", 501));
  }

  @ParameterizedTest(name = "{0}: {2} and the connection closed, nothing forwarded")
  @MethodSource("refused")
  void malformedInputGetsAClientErrorStatusAndAClosedConnectionAndNothingIsForwarded(
      String name, String bytes, int status) {
    try (RawTls raw = connect()) {
      raw.write(bytes + "GET " + CM + "?after HTTP/1.1\r\nHost: x\r\n\r\n");

      RawTls.Resp r = raw.read();

      assertThat(r).as(name).isNotNull();
      assertThat(r.status()).as(name).isEqualTo(status);
      if (status != 501 || !r.body().isEmpty()) {
        // Vert.x itself answers an unknown HTTP version (501, no body); everything else is a Status
        JsonObject s = new JsonObject(r.body());
        assertThat(s.getString("kind")).isEqualTo("Status");
        assertThat(s.getInteger("code")).isEqualTo(status);
        assertThat(r.headers().get("connection")).isEqualTo("close");
      }
      // the request written after the bad one is never answered: the connection ends
      assertThat(raw.readUntilClosed()).as(name).isEmpty();
    }
    assertThat(h.api.requests).as(name).isEmpty();
  }

  @Test
  void pipelinedRequestsAreEachAnsweredInOrderWithTheirOwnAnswer() {
    try (RawTls raw = connect()) {
      raw.write(
          "GET /api/v1/namespaces/one/configmaps HTTP/1.1\r\nHost: x\r\n\r\n"
              + "POST /api/v1/namespaces/two/configmaps HTTP/1.1\r\nHost: x\r\n"
              + "Content-Length: 5\r\n\r\n{\"a\"}"
              + "GET /api/v1/namespaces/three/configmaps HTTP/1.1\r\nHost: x\r\n"
              + "Connection: close\r\n\r\n");

      List<RawTls.Resp> all = raw.readUntilClosed();

      assertThat(all).extracting(RawTls.Resp::status).containsExactly(200, 200, 200);
      assertThat(all)
          .extracting(r -> new JsonObject(r.body()).getString("uri"))
          .containsExactly(
              "/api/v1/namespaces/one/configmaps",
              "/api/v1/namespaces/two/configmaps",
              "/api/v1/namespaces/three/configmaps");
      assertThat(all)
          .extracting(r -> new JsonObject(r.body()).getString("body"))
          .containsExactly("", "{\"a\"}", "");
    }
    assertThat(h.api.requests).hasSize(3);
  }

  @Test
  void
      contentLengthAndChunkedTogetherAreReadAsChunkedLikeGoAndWhatFollowsIsAnotherRequestOfTheSameCaller() {
    // the rule (Netty's and Go's, RFC 9112 §6.1): Transfer-Encoding wins, Content-Length dropped
    try (RawTls raw = connect()) {
      raw.write(
          "POST /api/v1/namespaces/one/configmaps HTTP/1.1\r\nHost: x\r\n"
              + "Content-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "2\r\n{}\r\n0\r\n\r\n"
              + "GET /api/v1/namespaces/two/configmaps HTTP/1.1\r\nHost: x\r\n"
              + "Connection: close\r\n\r\n");

      List<RawTls.Resp> all = raw.readUntilClosed();

      assertThat(all)
          .extracting(r -> new JsonObject(r.body()).getString("uri"))
          .containsExactly(
              "/api/v1/namespaces/one/configmaps", "/api/v1/namespaces/two/configmaps");
      assertThat(new JsonObject(all.get(0).body()).getString("body")).isEqualTo("{}");
    }
    // both went through the filters as alice (checked after each test), none carries both headers
    assertThat(h.api.requests).hasSize(2);
    assertThat(h.api.requests)
        .noneMatch(
            r ->
                r.headers().contains("Content-Length")
                    && r.headers().contains("Transfer-Encoding"));
  }

  @Test
  void bytesBeyondTheAnnouncedContentLengthAreTheNextRequestNotPartOfTheBody() {
    try (RawTls raw = connect()) {
      raw.write(
          "POST /api/v1/namespaces/one/configmaps HTTP/1.1\r\nHost: x\r\n"
              + "Content-Length: 2\r\n\r\n{}"
              + "GET /api/v1/namespaces/two/configmaps HTTP/1.1\r\nHost: x\r\n"
              + "Connection: close\r\n\r\n");

      List<RawTls.Resp> all = raw.readUntilClosed();

      assertThat(all)
          .extracting(r -> new JsonObject(r.body()).getString("body"))
          .containsExactly("{}", "");
    }
    assertThat(h.api.requests).hasSize(2);
  }

  @Test
  void aBadChunkSizeEndsTheConnectionWithoutAnAnswerFromAnotherRequest() {
    try (RawTls raw = connect()) {
      raw.write(
          "POST /api/v1/namespaces/one/configmaps HTTP/1.1\r\nHost: x\r\n"
              + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
              + "GET /api/v1/namespaces/two/configmaps HTTP/1.1\r\nHost: x\r\n\r\n");

      List<RawTls.Resp> all = raw.readUntilClosed();

      // a 4xx or nothing; never the answer to the request that followed
      assertThat(all).allSatisfy(r -> assertThat(r.status()).isBetween(400, 499));
    }
    assertThat(h.api.requests).noneMatch(r -> r.uri().contains("/two/"));
  }

  @Test
  void anAbsoluteFormTargetIsServedForItsPathLikeGoDoes() {
    try (RawTls raw = connect()) {
      RawTls.Resp r =
          raw.write("GET https://elsewhere" + CM + " HTTP/1.1\r\nHost: x\r\n\r\n").read();

      assertThat(r.status()).isEqualTo(200);
    }
  }

  @Test
  void aClientThatSendsHalfARequestHeadAndGoesSilentIsClosedAfterTheFirstRequestTimeout() {
    try (RawTls raw =
        RawTls.connect(
            TestPki.sslContext(alice, h.servingCa),
            h.proxy.port(),
            (int) firstRequestTimeoutMs() + TIMEOUT_MS)) {
      long start = System.nanoTime();
      raw.write("GET " + CM + " HTTP/1.1\r\nHost: x\r\n");

      boolean closed = raw.closedByPeer();

      assertThat(closed).isTrue();
      assertThat((System.nanoTime() - start) / 1_000_000)
          .isGreaterThanOrEqualTo(firstRequestTimeoutMs() - 1_000);
    }
    assertThat(h.api.requests).isEmpty();
  }

  @Test
  void aKeepAliveConnectionIdleAfterItsFirstRequestIsNotClosedByTheFirstRequestTimeout() {
    try (RawTls raw =
        RawTls.connect(
            TestPki.sslContext(alice, h.servingCa),
            h.proxy.port(),
            (int) firstRequestTimeoutMs() + 5_000)) {
      assertThat(raw.write("GET " + CM + " HTTP/1.1\r\nHost: x\r\n\r\n").read().status())
          .isEqualTo(200);

      // still open after the first-request timeout has passed
      assertThat(raw.closedByPeer()).isFalse();
      assertThat(raw.write("GET " + CM + " HTTP/1.1\r\nHost: x\r\n\r\n").read().status())
          .isEqualTo(200);
    }
  }

  @Test
  void aClientThatStopsReadingPausesTheUpstreamStreamAndClosingItFreesTheUpstreamRequest() {
    long limit = 1L << 30;
    java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean waitingForDrain =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.CompletableFuture<Void> upstreamClosed =
        new java.util.concurrent.CompletableFuture<>();
    io.vertx.core.buffer.Buffer chunk = io.vertx.core.buffer.Buffer.buffer(new byte[64 * 1024]);
    var previous = h.api.handler;
    h.api.handler =
        req -> {
          var resp = req.response().setChunked(true).putHeader("Content-Type", "text/plain");
          resp.closeHandler(v -> upstreamClosed.complete(null));
          resp.exceptionHandler(e -> upstreamClosed.complete(null));
          Runnable[] pump = new Runnable[1];
          pump[0] =
              () -> {
                waitingForDrain.set(false);
                while (!resp.writeQueueFull() && written.get() < limit && !resp.closed()) {
                  resp.write(chunk);
                  written.addAndGet(chunk.length());
                }
                if (resp.writeQueueFull()) {
                  waitingForDrain.set(true);
                  resp.drainHandler(v -> pump[0].run());
                }
              };
          pump[0].run();
        };
    try {
      try (RawTls raw = connect()) {
        raw.write(
            "GET /api/v1/namespaces/solar/pods/p/log?follow=true HTTP/1.1\r\nHost: x\r\n\r\n");

        // the client reads nothing: the upstream stream stalls with the writer waiting for drain
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(60))
            .until(() -> waitingForDrain.get() && written.get() > 0);
        long stalledAt = written.get();
        org.awaitility.Awaitility.await()
            .pollDelay(java.time.Duration.ofSeconds(2))
            .atMost(java.time.Duration.ofSeconds(60))
            .until(() -> waitingForDrain.get());
        assertThat(written.get()).isLessThan(64L << 20); // buffers, not the whole 1 GiB
        assertThat(written.get() - stalledAt).isLessThan(16L << 20);
        assertThat(upstreamClosed).isNotDone();
      }

      // the client is gone: the proxy cancels the upstream request
      assertThat(upstreamClosed).succeedsWithin(java.time.Duration.ofSeconds(30));
    } finally {
      h.api.handler = previous;
    }
  }

  @Test
  void aClientThatSendsTheHeadThenNoBodyAndLeavesFreesTheUpstreamRequest() {
    java.util.concurrent.CompletableFuture<Void> arrived =
        new java.util.concurrent.CompletableFuture<>();
    java.util.concurrent.CompletableFuture<Void> upstreamClosed =
        new java.util.concurrent.CompletableFuture<>();
    var previous = h.api.handler;
    h.api.handler =
        req -> {
          req.response().closeHandler(v -> upstreamClosed.complete(null));
          req.exceptionHandler(e -> upstreamClosed.complete(null));
          arrived.complete(null); // no answer: it waits for the body that never comes
        };
    try {
      try (RawTls raw = connect()) {
        raw.write(
            "POST "
                + CM
                + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{");
        assertThat(arrived).succeedsWithin(java.time.Duration.ofSeconds(30));
        assertThat(upstreamClosed).isNotDone();
      }

      assertThat(upstreamClosed).succeedsWithin(java.time.Duration.ofSeconds(30));
    } finally {
      h.api.handler = previous;
    }
  }

  private static RawTls connect() {
    return RawTls.connect(TestPki.sslContext(alice, h.servingCa), h.proxy.port(), TIMEOUT_MS);
  }

  private static long firstRequestTimeoutMs() {
    return h.config.tuning().firstRequestTimeout().toMillis();
  }
}
