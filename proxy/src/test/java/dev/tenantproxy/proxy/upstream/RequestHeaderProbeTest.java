package dev.tenantproxy.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.testsupport.TestVertx;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RequestHeaderProbeTest {
  private Vertx vertx;
  private RequestHeaderProbe probe;

  @AfterEach
  void stop() throws Exception {
    if (probe != null) {
      probe.stop();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aReviewNamingTheAssertedUserPassesTheProbe() {
    assertThat(RequestHeaderProbe.verdict(201, review(RequestHeaderProbe.PROBE.user())))
        .isEqualTo(RequestHeaderProbe.Verdict.OK);
  }

  @Test
  void aRefusedCertificateIsARefusalThatNamesTheFlagsToFix() {
    RequestHeaderProbe.Verdict v = RequestHeaderProbe.verdict(401, Buffer.buffer("{}"));

    assertThat(v.refused()).isTrue();
    assertThat(v.problem())
        .contains("--proxy-client-cert-file")
        .contains("--requestheader-client-ca-file")
        .contains("--requestheader-allowed-names");
  }

  @Test
  void aReviewNamingAnotherUserIsARefusalNamingTheHeaderFlag() {
    RequestHeaderProbe.Verdict v = RequestHeaderProbe.verdict(201, review("system:anonymous"));

    assertThat(v.refused()).isTrue();
    assertThat(v.problem())
        .contains("system:anonymous")
        .contains("--requestheader-username-headers");
  }

  @Test
  void aForbiddenReviewPassesOnlyWhenItNamesTheAssertedUser() {
    String named =
        "{\"kind\":\"Status\",\"message\":\"selfsubjectreviews.authentication.k8s.io is forbidden:"
            + " User \\\""
            + RequestHeaderProbe.PROBE.user()
            + "\\\" cannot create resource\"}";
    assertThat(RequestHeaderProbe.verdict(403, Buffer.buffer(named)))
        .isEqualTo(RequestHeaderProbe.Verdict.OK);
    assertThat(
            RequestHeaderProbe.verdict(403, Buffer.buffer("{\"message\":\"User \\\"x\\\"\"}"))
                .refused())
        .isTrue();
  }

  @Test
  void aForbiddenReviewOfAnotherUserIsARefusalThatSaysWhomTheApiServerTookItFor() {
    RequestHeaderProbe.Verdict v =
        RequestHeaderProbe.verdict(
            403,
            Buffer.buffer(
                "{\"kind\":\"Status\",\"message\":\"selfsubjectreviews.authentication.k8s.io"
                    + " is forbidden: User \\\"system:anonymous\\\" cannot create resource\"}"));

    assertThat(v.refused()).isTrue();
    assertThat(v.problem())
        .contains("User \"system:anonymous\"")
        .contains("--requestheader-client-ca-file")
        .contains("--requestheader-username-headers");
  }

  @Test
  void anOverloadedApiServerIsRetriedNotARefusal() {
    RequestHeaderProbe.Verdict v = RequestHeaderProbe.verdict(429, Buffer.buffer("{}"));

    assertThat(v.refused()).isFalse();
    assertThat(v.problem()).contains("429");
  }

  @Test
  void oneProbeThatGetsNoAnswerIsARetryNotARefusal() throws Exception {
    RequestHeaderProbe.Verdict v =
        RequestHeaderProbe.once(
                (prepare, body, read) -> Future.failedFuture("Connection refused: 127.0.0.1:1"))
            .await(10, TimeUnit.SECONDS);

    assertThat(v.refused()).isFalse();
    assertThat(v.problem()).contains("did not answer").contains("Connection refused");
  }

  @Test
  void theProbeRetriesUntilTheApiServerTakesTheAssertedUserThenStaysPassed() throws Exception {
    vertx = TestVertx.create();
    Queue<Integer> script = new ConcurrentLinkedQueue<>(java.util.List.of(401, 503, 201));
    Queue<String> assertedUsers = new ConcurrentLinkedQueue<>();
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  assertedUsers.add(String.valueOf(req.getHeader("Impersonate-User")));
                  Integer status = script.poll();
                  int code = status == null ? 201 : status;
                  req.response()
                      .setStatusCode(code)
                      .end(
                          code == 201
                              ? review(RequestHeaderProbe.PROBE.user())
                              : Buffer.buffer("{}"));
                });
    int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    HttpClient client = vertx.createHttpClient();
    Upstream upstream = plainUpstream(client, port);

    probe = RequestHeaderProbe.start(vertx, upstream);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!probe.passed() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(probe.passed()).isTrue();
    assertThat(assertedUsers).hasSize(3).containsOnly(RequestHeaderProbe.PROBE.user());
    Thread.sleep(1_500);
    assertThat(assertedUsers).as("no probe after it passed").hasSize(3);
  }

  private static Buffer review(String user) {
    return new JsonObject()
        .put("kind", "SelfSubjectReview")
        .put("status", new JsonObject().put("userInfo", new JsonObject().put("username", user)))
        .toBuffer();
  }

  /** An upstream on plain HTTP whose caller requests are asserted by the interface's default. */
  private static Upstream plainUpstream(HttpClient client, int port) {
    return new Upstream() {
      @Override
      public Future<HttpClientRequest> open(HttpMethod method, String uri) {
        return client.request(method, port, "127.0.0.1", uri);
      }

      @Override
      public Future<UpgradeResponse> upgrade(
          HttpMethod method, String uri, MultiMap headers, Caller caller) {
        return Future.failedFuture("not used");
      }

      @Override
      public Future<JsonObject> postJson(String path, JsonObject body) {
        return Future.failedFuture("not used");
      }

      @Override
      public Future<Void> close() {
        return client.close();
      }
    };
  }
}
