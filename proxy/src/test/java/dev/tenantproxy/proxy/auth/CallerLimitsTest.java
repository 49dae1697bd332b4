package dev.tenantproxy.proxy.auth;

import static dev.tenantproxy.proxy.testing.ProxyHarness.await;
import static dev.tenantproxy.proxy.testing.ProxyHarness.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.proxy.config.ProxyConfig;
import dev.tenantproxy.proxy.ops.Readiness;
import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.ProxyHarness.Response;
import dev.tenantproxy.proxy.testing.TestClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CallerLimitsTest {
  @TempDir static Path dir;
  static ProxyHarness h;
  static TestClient alice;
  static TestClient bob;

  /** Upstream responses held open until the test ends them. */
  static final List<HttpServerResponse> held = new CopyOnWriteArrayList<>();

  /** One per request {@link #open} started: completes when the caller has its whole response. */
  static final List<Future<Void>> ends = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    h =
        ProxyHarness.start(
            dir,
            c -> c.withCallerLimits(new ProxyConfig.CallerLimits(2, 3)),
            Readiness.always(),
            List.of());
    alice = h.client(h.user("alice", "devs"), HttpVersion.HTTP_2);
    bob = h.client(h.user("bob", "devs"), HttpVersion.HTTP_2);
  }

  @BeforeEach
  void holdEveryUpstreamResponse() {
    releaseAll();
    ends.clear();
    h.api.handler =
        req -> {
          HttpServerResponse resp = req.response().setChunked(true);
          resp.putHeader("Content-Type", "application/json");
          held.add(resp);
          // a watch's first event, or the head of a list that is not finished yet
          resp.write(req.uri().contains("watch") ? "{\"type\":\"ADDED\",\"object\":{}}\n" : "{");
        };
  }

  @AfterAll
  static void stop() {
    releaseAll();
    h.close();
  }

  private static void releaseAll() {
    for (HttpServerResponse r : held) {
      h.vertx.runOnContext(v -> r.end(r.headWritten() ? "}" : ""));
    }
    held.clear();
  }

  /**
   * Ends every held response and waits until the caller has each one's end: the proxy frees a
   * caller's slot when it has passed the end on, so a request sent before that would still count
   * the ended ones (a race the proxy's event loop loses on a loaded machine).
   */
  private static void releaseAllAndAwaitTheirEnds() {
    releaseAll();
    for (Future<Void> end : ends) {
      await(end.timeout(20, TimeUnit.SECONDS));
    }
  }

  /** Starts a request and completes once its first bytes arrived (it stays open upstream). */
  private static Future<Integer> open(TestClient client, String uri) {
    return client.exchange(
        c ->
            c.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(uri))
                .compose(req -> req.send())
                .compose(
                    resp -> {
                      Promise<Integer> first = Promise.promise();
                      Promise<Void> end = Promise.promise();
                      ends.add(end.future());
                      resp.handler(b -> first.tryComplete(resp.statusCode()));
                      resp.endHandler(
                          v -> {
                            first.tryComplete(resp.statusCode());
                            end.tryComplete();
                          });
                      return first.future();
                    }));
  }

  @Test
  void aCallerBeyondItsOpenWatchesGets429WithRetryAfterWhileAnotherCallerStillWatches() {
    String watch = "/api/v1/namespaces/solar-dev/configmaps?watch=true";
    // given: alice holds her 2 watches
    List<Future<Integer>> opened = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      opened.add(open(alice, watch));
    }
    for (Future<Integer> f : opened) {
      assertThat(await(f.timeout(20, TimeUnit.SECONDS))).isEqualTo(200);
    }

    // when: a third one
    Response third = get(alice, watch, null);

    // then: 429 TooManyRequests as a Status, with Retry-After
    assertThat(third.status()).isEqualTo(429);
    assertThat(third.headers().get("Retry-After")).isEqualTo("1");
    JsonObject status = new JsonObject(third.body());
    assertThat(status.getString("kind")).isEqualTo("Status");
    assertThat(status.getString("reason")).isEqualTo("TooManyRequests");
    // another caller is not affected, nor are alice's non-watch requests
    assertThat(await(open(bob, watch).timeout(20, TimeUnit.SECONDS))).isEqualTo(200);
    assertThat(
            await(
                open(alice, "/api/v1/namespaces/solar-dev/configmaps")
                    .timeout(20, TimeUnit.SECONDS)))
        .isEqualTo(200);

    // and: once her watches end, alice may watch again
    releaseAllAndAwaitTheirEnds();
    Future<Integer> again = open(alice, watch);
    assertThat(await(again.timeout(20, TimeUnit.SECONDS))).isEqualTo(200);
  }

  @Test
  void aCallerBeyondItsRequestsInFlightGets429AndItsSlotsComeBackWhenTheyFinish() {
    String list = "/api/v1/namespaces/solar-dev/configmaps";
    List<Future<Integer>> opened = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      opened.add(open(alice, list));
    }
    for (Future<Integer> f : opened) {
      assertThat(await(f.timeout(20, TimeUnit.SECONDS))).isEqualTo(200);
    }

    Response fourth = get(alice, list, null);
    assertThat(fourth.status()).isEqualTo(429);
    assertThat(fourth.headers().get("Retry-After")).isEqualTo("1");
    assertThat(new JsonObject(fourth.body()).getString("reason")).isEqualTo("TooManyRequests");
    assertThat(await(open(bob, list).timeout(20, TimeUnit.SECONDS))).isEqualTo(200);

    releaseAllAndAwaitTheirEnds();
    h.api.handler = dev.tenantproxy.proxy.testing.FakeApiServer.EMPTY_LIST;
    for (int i = 0; i < 3; i++) {
      assertThat(get(alice, list, null).status()).isEqualTo(200);
    }
  }
}
