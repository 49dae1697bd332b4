package dev.tenantproxy.cache.informer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.testsupport.TestVertx;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link KindInformer#following()}: what readiness asks. It promises: false until the first list is
 * applied and after {@code stop()}; true while fabric8 watches; once the watch is lost, true for
 * {@link KindInformer#WATCH_GRACE} (so a watch restart does not flap readiness) and false after it;
 * true again as soon as fabric8 watches again, with a fresh grace for the next loss. Driven by a
 * fake API server (a Vert.x HTTP server answering the namespace list and holding watches open,
 * expiring them with 410, answering 503, or refusing connections) and a fake clock for the grace.
 */
class KindInformerTest {
  private static final long GRACE = KindInformer.WATCH_GRACE.toNanos();
  private static final Duration BOUND = Duration.ofSeconds(30);
  // what the API server sends on a watch whose resourceVersion it no longer has
  private static final String EXPIRED =
      "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
          + "\"status\":\"Failure\",\"reason\":\"Expired\",\"code\":410,"
          + "\"message\":\"too old resource version\"}}";
  private static final String UNAVAILABLE =
      "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
          + "\"reason\":\"ServiceUnavailable\",\"code\":503,\"message\":\"unavailable\"}";
  private static final String LIST =
      "{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"10\"},"
          + "\"items\":[{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"9\"}}]}";

  private final Vertx vertx = TestVertx.create();
  private final AtomicBoolean answerLists = new AtomicBoolean(true);
  // false: every request gets 503 (the API server is up but unavailable)
  private final AtomicBoolean available = new AtomicBoolean(true);
  // how to end each open watch, after writing the given event line or none (fabric8 watches over
  // WebSocket; plain HTTP also answered)
  private final List<Consumer<String>> openWatches = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<HttpServerRequest> heldLists = new ConcurrentLinkedQueue<>();
  private final IndexWriter writer = new IndexWriter();
  private final AtomicLong clock = new AtomicLong();
  private HttpServer server;
  private int port;
  private KubernetesClient client;
  private KindInformer informer;

  private void start(long clockOrigin) throws Exception {
    clock.set(clockOrigin);
    apiServerUp();
    port = server.actualPort();
    client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:" + port)
                    .withRequestRetryBackoffLimit(0)
                    .withWatchReconnectInterval(50)
                    .build())
            .withHttpClientFactory(new Vertx5HttpClientFactory(vertx))
            .withKubernetesSerialization(TenancyIndex.serialization())
            .build();
    informer = new KindInformer(ResourceKind.NAMESPACES, true, client, writer, 500, clock::get);
  }

  private void answer(HttpServerRequest request) {
    boolean watch =
        "true".equals(request.getParam("watch")) || "1".equals(request.getParam("watch"));
    HttpServerResponse response = request.response();
    if (!available.get()) {
      response.setStatusCode(503).putHeader("Content-Type", "application/json").end(UNAVAILABLE);
      return;
    }
    if (!watch) {
      if (answerLists.get()) {
        response.putHeader("Content-Type", "application/json").end(LIST);
      } else {
        heldLists.add(request);
      }
      return;
    }
    if ("websocket".equalsIgnoreCase(request.getHeader("Upgrade"))) {
      request
          .toWebSocket()
          .onSuccess(
              ws ->
                  openWatches.add(
                      event -> {
                        if (event != null) {
                          ws.writeTextMessage(event);
                        }
                        ws.close();
                      }));
      return;
    }
    response.setChunked(true).putHeader("Content-Type", "application/json").setStatusCode(200);
    response.writeHead();
    openWatches.add(event -> response.end(event == null ? "" : event + "\n"));
  }

  /** The fake API server listens (again, on the same port after {@link #apiServerDown()}). */
  private void apiServerUp() throws Exception {
    server =
        vertx
            .createHttpServer()
            .requestHandler(this::answer)
            .listen(port, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  /** The fake API server goes away: its watches end, new connections are refused. */
  private void apiServerDown() throws Exception {
    endWatches();
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Ends every open watch cleanly, as the API server does at a watch's timeout or shutdown. */
  private void endWatches() {
    endWatches(null);
  }

  /** Ends every open watch after {@code event} (null: none). */
  private void endWatches(String event) {
    List<Consumer<String>> ending = List.copyOf(openWatches);
    openWatches.removeAll(ending);
    ending.forEach(w -> w.accept(event)); // Vert.x hands each to its connection's event loop
  }

  private boolean watching() {
    return informer.health().watching();
  }

  @AfterEach
  void close() throws Exception {
    if (informer != null) {
      informer.stop();
    }
    if (client != null) {
      client.close();
    }
    writer.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void notFollowingBeforeTheFirstListIsAppliedNorAfterStop() throws Exception {
    // given: the API server holds the first list
    answerLists.set(false);
    start(1_000_000_000L);
    assertThat(informer.following()).as("before start").isFalse();

    // when: the informer starts
    var synced = informer.start();

    // then: not following while the list is not applied, whatever the clock says
    await().atMost(BOUND).until(() -> !heldLists.isEmpty());
    assertThat(informer.following()).isFalse();
    clock.addAndGet(10 * GRACE);
    assertThat(informer.following()).isFalse();

    // when: the list is answered
    answerLists.set(true);
    HttpServerRequest held = heldLists.poll();
    held.response().putHeader("Content-Type", "application/json").end(LIST);
    synced.get(30, TimeUnit.SECONDS);

    // then: following (watching, or within the grace before its watch opens)
    assertThat(informer.following()).isTrue();
    await().atMost(BOUND).until(this::watching);
    assertThat(informer.following()).isTrue();

    // and: not once stopped
    informer.stop();
    assertThat(informer.following()).isFalse();
  }

  @ParameterizedTest(name = "clock origin {0}")
  @ValueSource(longs = {1_000_000_000L, -9_000_000_000L, 0L})
  void aLostWatchIsFollowingForTheGraceThenNotUntilTheWatchIsBack(long origin) throws Exception {
    // given: a synced informer watching (System.nanoTime() has an arbitrary origin: it may be
    // negative)
    start(origin);
    informer.start().get(30, TimeUnit.SECONDS);
    await().atMost(BOUND).until(this::watching);
    assertThat(informer.following()).isTrue();

    // when: the API server ends the watch and refuses new ones (it is going down)
    apiServerDown();
    await().atMost(BOUND).until(() -> !watching());

    // then: following during the grace, measured from when the loss was first seen
    assertThat(informer.following()).isTrue();
    clock.addAndGet(GRACE - 1);
    assertThat(informer.following()).as("just inside the grace").isTrue();
    clock.addAndGet(1);
    assertThat(informer.following()).as("at the end of the grace").isFalse();
    clock.addAndGet(60 * GRACE);
    assertThat(informer.following()).as("long after").isFalse();

    // when: the API server takes watches again
    apiServerUp();
    await().atMost(BOUND).until(this::watching);

    // then: following at once, and the next loss gets a fresh grace
    assertThat(informer.following()).isTrue();
    apiServerDown();
    await().atMost(BOUND).until(() -> !watching());
    assertThat(informer.following()).isTrue();
    clock.addAndGet(GRACE / 2);
    assertThat(informer.following()).isTrue();
    clock.addAndGet(GRACE);
    assertThat(informer.following()).isFalse();
  }

  @Test
  void aLossNobodyAskedAboutDoesNotShortenTheGraceOfALaterLoss() throws Exception {
    // given: a synced informer watching
    start(5_000_000_000L);
    informer.start().get(30, TimeUnit.SECONDS);
    await().atMost(BOUND).until(this::watching);
    assertThat(informer.following()).isTrue();

    // when: the watch is lost and refused for a while (fabric8 reports the refusals), and is back
    // before readiness asks again. The watch ends with 410 Expired, so fabric8 lists again and
    // reports each 503: a watch that just ends is reconnected by fabric8 without a report once it
    // is 2 s old (likely on a loaded machine), and then no failure would be on record.
    await().atMost(BOUND).until(() -> watching() && !openWatches.isEmpty());
    available.set(false);
    endWatches(EXPIRED);
    await().atMost(BOUND).until(() -> !watching() && informer.health().lastError() != null);
    available.set(true);
    await().atMost(BOUND).until(this::watching);
    // an hour passes with the watch open, readiness not asking
    clock.addAndGet(TimeUnit.HOURS.toNanos(1));

    // and: a new loss that fabric8 has not reported a failure for (the watch expires, the list
    // it retries with hangs): only the earlier loss's failure is on record
    await().atMost(BOUND).until(() -> watching() && !openWatches.isEmpty());
    answerLists.set(false);
    endWatches(EXPIRED);
    await().atMost(BOUND).until(() -> !watching() && !heldLists.isEmpty());

    // then: the new loss has its own grace
    assertThat(informer.following()).as("at the start of the new loss").isTrue();
    clock.addAndGet(GRACE - 1);
    assertThat(informer.following()).isTrue();
    clock.addAndGet(1);
    assertThat(informer.following()).isFalse();
  }
}
