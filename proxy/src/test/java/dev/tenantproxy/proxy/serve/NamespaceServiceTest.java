package dev.tenantproxy.proxy.serve;

import static dev.tenantproxy.proxy.serve.Fleet.ALICE;
import static dev.tenantproxy.proxy.serve.Fleet.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.proxy.serve.kinds.Namespaces;
import dev.tenantproxy.testsupport.TestVertx;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP side: a real Vert.x server answering through {@link KindService}. */
class NamespaceServiceTest {
  private static final String TABLE =
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

  private final Fleet fleet = Fleet.standard();
  private Vertx vertx;
  private ExecutorService hubThread;
  private WatchHub hub;
  private HttpServer server;
  private HttpClient client;
  private int maxBuffered = 1000;
  // the proxy's default heap (-Xmx128m): 32 MiB for all watches, 8 MiB per watch
  private WatchMemory memory = WatchMemory.forHeap(128L << 20);

  @BeforeEach
  void start() throws Exception {
    vertx = TestVertx.create();
    hubThread = Executors.newSingleThreadExecutor();
  }

  private void serve() throws Exception {
    hub = new WatchHub(fleet, hubThread, fleet.cache.resourceVersion());
    KindService service =
        new KindService(
            vertx,
            Namespaces.INSTANCE,
            fleet,
            hub,
            new KindService.Options(
                Duration.ofMillis(200),
                maxBuffered,
                Duration.ofMillis(300),
                Duration.ofMinutes(30),
                memory),
            Clock.systemUTC());
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  String user = req.getHeader("X-Test-User");
                  Caller caller =
                      "bob".equals(user) ? BOB : "admin".equals(user) ? Fleet.ADMIN : ALICE;
                  Future<Void> f = service.serve(req, caller);
                  if (f == null) {
                    req.response().setStatusCode(599).end("passed through");
                  }
                })
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    client = vertx.createHttpClient();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    hubThread.shutdownNow();
  }

  private record Answer(int status, String contentType, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  /**
   * Sends a GET on an event-loop context and hands its response to {@code read} in the callback
   * that delivers it (so no body event can be missed).
   */
  private <T> Future<T> exchange(
      String uri, String accept, String user, Function<HttpClientResponse, Future<T>> read) {
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost("127.0.0.1")
            .setPort(server.actualPort())
            .setURI(uri);
    if (accept != null) {
      o.putHeader("Accept", accept);
    }
    if (user != null) {
      o.putHeader("X-Test-User", user);
    }
    return TestVertx.onContext(
        vertx, () -> client.request(o).compose(req -> req.send().compose(read)));
  }

  /**
   * A watch whose client does not read: paused in the callback that delivers the response, before
   * any body chunk can be handled; what it reads once resumed goes to {@code received}.
   */
  private HttpClientResponse pausedWatch(Buffer received) throws Exception {
    return exchange(
            "/api/v1/namespaces?watch=true",
            null,
            null,
            r -> {
              r.pause();
              r.handler(
                  b -> {
                    synchronized (received) {
                      received.appendBuffer(b);
                    }
                  });
              return Future.succeededFuture(r);
            })
        .await(30, TimeUnit.SECONDS);
  }

  private Answer get(String uri, String accept, String user) throws Exception {
    return exchange(
            uri,
            accept,
            user,
            r ->
                r.body()
                    .map(
                        b -> new Answer(r.statusCode(), r.getHeader("Content-Type"), b.toString())))
        .await(30, TimeUnit.SECONDS);
  }

  @Test
  void kubectlGetNamespacesGetsATableWithOnlyTheOwnersRows() throws Exception {
    serve();
    Answer a = get("/api/v1/namespaces?limit=500", TABLE, null);
    assertThat(a.status()).isEqualTo(200);
    JsonObject table = a.json();
    assertThat(table.getString("kind")).isEqualTo("Table");
    assertThat(table.getString("apiVersion")).isEqualTo("meta.k8s.io/v1");
    assertThat(table.getJsonArray("columnDefinitions")).hasSize(3);
    JsonArray rows = table.getJsonArray("rows");
    assertThat(rows).hasSize(2);
    assertThat(rows.getJsonObject(0).getJsonArray("cells").getString(0)).isEqualTo("solar-dev");
    assertThat(rows.getJsonObject(0).getJsonObject("object").getString("kind"))
        .isEqualTo("PartialObjectMetadata");
    assertThat(a.body()).doesNotContain("wind-dev").doesNotContain("kube-system");
    assertThat(a.body()).doesNotContain("remainingItemCount");
  }

  @Test
  void jsonListIsANamespaceListWithTheCacheResourceVersion() throws Exception {
    serve();
    JsonObject list = get("/api/v1/namespaces", "application/json", "bob").json();
    assertThat(list.getString("kind")).isEqualTo("NamespaceList");
    assertThat(list.getJsonObject("metadata").getString("resourceVersion"))
        .isEqualTo(Long.toString(fleet.cache.resourceVersion()));
    assertThat(list.getJsonArray("items")).hasSize(1);
    assertThat(
            list.getJsonArray("items").getJsonObject(0).getJsonObject("metadata").getString("name"))
        .isEqualTo("wind-dev");
  }

  @Test
  void partialObjectMetadataListCarriesOnlyMetadata() throws Exception {
    serve();
    JsonObject list =
        get(
                "/api/v1/namespaces",
                "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
                null)
            .json();
    assertThat(list.getString("kind")).isEqualTo("PartialObjectMetadataList");
    assertThat(list.getJsonArray("items").getJsonObject(0).containsKey("status")).isFalse();
  }

  @Test
  void protobufOnlyClientGetsNotAcceptableAndAJsonAcceptingOneGetsJson() throws Exception {
    serve();
    Answer proto = get("/api/v1/namespaces", "application/vnd.kubernetes.protobuf", null);
    assertThat(proto.status()).isEqualTo(406);
    assertThat(proto.json().getString("reason")).isEqualTo("NotAcceptable");
    Answer both =
        get("/api/v1/namespaces", "application/vnd.kubernetes.protobuf,application/json", null);
    assertThat(both.status()).isEqualTo(200);
    assertThat(both.contentType()).isEqualTo("application/json");
    assertThat(both.json().getString("kind")).isEqualTo("NamespaceList");
  }

  @Test
  void getOfAnotherTenantsNamespaceIs404LikeAMissingOne() throws Exception {
    serve();
    Answer other = get("/api/v1/namespaces/wind-dev", null, null);
    Answer missing = get("/api/v1/namespaces/nope", null, null);
    assertThat(other.status()).isEqualTo(404).isEqualTo(missing.status());
    assertThat(other.body().replace("wind-dev", "X"))
        .isEqualTo(missing.body().replace("nope", "X"));
    Answer own = get("/api/v1/namespaces/solar-dev", null, null);
    assertThat(own.json().getString("kind")).isEqualTo("Namespace");
  }

  @Test
  void tableIncludeObjectObjectCarriesOnlyVisibleObjects() throws Exception {
    serve();
    Answer a = get("/api/v1/namespaces?includeObject=Object", TABLE, null);
    JsonArray rows = a.json().getJsonArray("rows");
    assertThat(rows).hasSize(2);
    assertThat(rows.getJsonObject(0).getJsonObject("object").getString("kind"))
        .isEqualTo("Namespace");
    assertThat(a.body()).doesNotContain("wind-dev");
  }

  @Test
  void invalidListOptionsGetTheApiServersStatusFromTheSharedClassifier() throws Exception {
    serve();
    Answer match = get("/api/v1/namespaces?resourceVersionMatch=NotOlderThan", null, null);
    assertThat(match.status()).isEqualTo(422);
    assertThat(match.json().getString("reason")).isEqualTo("Invalid");
    assertThat(match.json().getString("message"))
        .isEqualTo(
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden:"
                + " resourceVersionMatch is forbidden unless resourceVersion is provided");
    Answer limit = get("/api/v1/namespaces?limit=abc", null, null);
    assertThat(limit.status()).isEqualTo(400);
    assertThat(limit.json().getString("message"))
        .isEqualTo("strconv.ParseInt: parsing \"abc\": invalid syntax");
    Answer selector = get("/api/v1/namespaces?fieldSelector=spec.foo%3Dbar", null, null);
    assertThat(selector.status()).isEqualTo(400);
    Answer watchList =
        get("/api/v1/namespaces?watch=1&sendInitialEvents=true&allowWatchBookmarks=1", null, null);
    assertThat(watchList.status()).isEqualTo(422);
    // a non-Capsule user's bad request is not ours: it passes through to the API server
    assertThat(get("/api/v1/namespaces?limit=abc", null, "admin").status()).isEqualTo(599);
  }

  @Test
  void watchParameterOnANamedNamespaceIsAGetAsOnTheApiServer() throws Exception {
    serve();
    Answer a = get("/api/v1/namespaces/solar-dev?watch=true", null, null);
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.json().getString("kind")).isEqualTo("Namespace");
    assertThat(a.json().getJsonObject("metadata").getString("name")).isEqualTo("solar-dev");
  }

  @Test
  void nonCapsuleUsersAndWritesAndSubresourcesAreNotServed() throws Exception {
    serve();
    assertThat(get("/api/v1/namespaces", null, "admin").status()).isEqualTo(599);
    assertThat(get("/api/v1/namespaces/solar-dev/status", null, null).status()).isEqualTo(599);
    assertThat(get("/api/v1/namespaces/solar-dev/configmaps", null, null).status()).isEqualTo(599);
  }

  /** Reads a watch until it ends, collecting its lines. */
  private Future<List<JsonObject>> watch(String uri, String accept, List<JsonObject> lines) {
    return exchange(
        uri,
        accept,
        null,
        r -> {
          StringBuilder partial = new StringBuilder();
          r.handler(
              b -> {
                partial.append(b.toString());
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                  synchronized (lines) {
                    lines.add(new JsonObject(partial.substring(0, nl)));
                  }
                  partial.delete(0, nl + 1);
                }
              });
          return r.end().map(v -> lines);
        });
  }

  @Test
  void tableWatchPutsColumnDefinitionsOnTheFirstEventOnly() throws Exception {
    serve();
    List<JsonObject> lines = new ArrayList<>();
    watch("/api/v1/namespaces?watch=true&timeoutSeconds=300", TABLE, lines);
    await().atMost(Duration.ofSeconds(30)).until(() -> size(lines) == 2);
    hub.onEvent(fleet.namespace("solar-new", "solar", Map.of(), "Active"));
    hub.onVisibilityChange(
        List.of(dev.tenantproxy.filters.tenancy.Principal.user("alice")), List.of("solar-new"));
    await().atMost(Duration.ofSeconds(30)).until(() -> size(lines) == 3);
    List<JsonObject> all = snapshot(lines);
    assertThat(all).extracting(l -> l.getString("type")).containsExactly("ADDED", "ADDED", "ADDED");
    assertThat(all.get(0).getJsonObject("object").getJsonArray("columnDefinitions")).hasSize(3);
    assertThat(all.get(1).getJsonObject("object").getValue("columnDefinitions")).isNull();
    assertThat(
            all.get(2)
                .getJsonObject("object")
                .getJsonArray("rows")
                .getJsonObject(0)
                .getJsonArray("cells")
                .getString(0))
        .isEqualTo("solar-new");
  }

  @Test
  void watchListEndsItsInitialEventsWithTheAnnotatedBookmark() throws Exception {
    serve();
    List<JsonObject> lines = new ArrayList<>();
    watch(
        "/api/v1/namespaces?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
            + "&allowWatchBookmarks=true&timeoutSeconds=300",
        null,
        lines);
    await().atMost(Duration.ofSeconds(30)).until(() -> size(lines) >= 3);
    JsonObject bookmark = snapshot(lines).get(2);
    assertThat(bookmark.getString("type")).isEqualTo("BOOKMARK");
    assertThat(
            bookmark
                .getJsonObject("object")
                .getJsonObject("metadata")
                .getJsonObject("annotations")
                .getString("k8s.io/initial-events-end"))
        .isEqualTo("true");
    // periodic bookmarks follow (every 200 ms in this test)
    await().atMost(Duration.ofSeconds(30)).until(() -> size(lines) >= 5);
    assertThat(snapshot(lines).get(4).getString("type")).isEqualTo("BOOKMARK");
  }

  @Test
  void legacyWatchPathOfOneNamespaceWatchesOnlyThatNamespace() throws Exception {
    serve();
    List<JsonObject> lines = new ArrayList<>();
    // the watch's own timeout ends it: the response ends cleanly (no reset, no error event)
    watch("/api/v1/watch/namespaces/solar-prod?timeoutSeconds=1", null, lines)
        .await(30, TimeUnit.SECONDS);
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0).getJsonObject("object").getJsonObject("metadata").getString("name"))
        .isEqualTo("solar-prod");
  }

  @Test
  void tooOldResourceVersionGetsAnExpiredErrorEvent() throws Exception {
    serve();
    List<JsonObject> lines = new ArrayList<>();
    watch("/api/v1/namespaces?watch=true&resourceVersion=5", null, lines)
        .await(30, TimeUnit.SECONDS);
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0).getString("type")).isEqualTo("ERROR");
    assertThat(lines.get(0).getJsonObject("object").getInteger("code")).isEqualTo(410);
  }

  @Test
  void watcherThatDoesNotReadIsEndedWithExpiredInsteadOfBufferingWithoutBound() throws Exception {
    maxBuffered = 20;
    serve();
    Buffer received = Buffer.buffer();
    HttpClientResponse response = pausedWatch(received);
    String big = "x".repeat(60_000);
    for (int i = 0; i < 400; i++) {
      hub.onEvent(fleet.namespace("solar-dev", "solar", Map.of("big", big, "i", "" + i), "Active"));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> hub.openWatches() == 0);
    Future<Void> end = response.end();
    response.resume();
    end.await(30, TimeUnit.SECONDS);
    String[] all;
    synchronized (received) {
      all = received.toString().split("\n");
    }
    JsonObject last = new JsonObject(all[all.length - 1]);
    assertThat(last.getString("type")).isEqualTo("ERROR");
    assertThat(last.getJsonObject("object").getInteger("code")).isEqualTo(410);
    assertThat(all.length).isLessThan(400);
  }

  @Test
  void watcherThatDoesNotReadLargeObjectsIsEndedWithExpiredOnceItsHeldBackBytesExceedTheBound()
      throws Exception {
    // the default event bound (1000) would hold 60 MB of these events: the byte bound ends it first
    serve();
    Buffer received = Buffer.buffer();
    HttpClientResponse response = pausedWatch(received);
    String big = "x".repeat(60_000);
    for (int i = 0; i < 400; i++) {
      hub.onEvent(fleet.namespace("solar-dev", "solar", Map.of("big", big, "i", "" + i), "Active"));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> hub.openWatches() == 0);
    Future<Void> end = response.end();
    response.resume();
    end.await(30, TimeUnit.SECONDS);
    String[] all;
    synchronized (received) {
      all = received.toString().split("\n");
    }
    JsonObject last = new JsonObject(all[all.length - 1]);
    assertThat(last.getString("type")).isEqualTo("ERROR");
    assertThat(last.getJsonObject("object").getInteger("code")).isEqualTo(410);
    assertThat(all.length).isLessThan(400);
  }

  @Test
  void whenWatchesTogetherHoldTheProcessBudgetTheStalledOneIsEndedWhileAReadingOneGetsEveryEvent()
      throws Exception {
    // a per-watch bound far above the budget: only the process-wide budget can end the stalled one
    memory = new WatchMemory(2L << 20, 1L << 30);
    serve();
    Buffer stalledReceived = Buffer.buffer();
    HttpClientResponse stalled = pausedWatch(stalledReceived);
    List<String> readingLines = new java.util.concurrent.CopyOnWriteArrayList<>();
    StringBuilder partial = new StringBuilder();
    exchange(
            "/api/v1/namespaces?watch=true",
            null,
            null,
            r -> {
              r.handler(
                  b -> {
                    synchronized (partial) {
                      partial.append(b.toString());
                      int nl;
                      while ((nl = partial.indexOf("\n")) >= 0) {
                        readingLines.add(partial.substring(0, nl));
                        partial.delete(0, nl + 1);
                      }
                    }
                  });
              return Future.succeededFuture(r);
            })
        .await(30, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> readingLines.size() == 2);
    String big = "x".repeat(60_000);
    // in step with the reading client: it is never more than one event behind
    for (int i = 0; i < 400; i++) {
      hub.onEvent(fleet.namespace("solar-dev", "solar", Map.of("big", big, "i", "" + i), "Active"));
      int expected = 2 + i + 1;
      await()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(1))
          .atMost(Duration.ofSeconds(30))
          .until(() -> readingLines.size() >= expected);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> hub.openWatches() == 1);
    assertThat(readingLines).hasSize(2 + 400);
    assertThat(readingLines).noneMatch(l -> "ERROR".equals(new JsonObject(l).getString("type")));
    Future<Void> end = stalled.end();
    stalled.resume();
    end.await(30, TimeUnit.SECONDS);
    String[] all;
    synchronized (stalledReceived) {
      all = stalledReceived.toString().split("\n");
    }
    JsonObject last = new JsonObject(all[all.length - 1]);
    assertThat(last.getJsonObject("object").getInteger("code")).isEqualTo(410);
    assertThat(all.length).isLessThan(400);
    await().atMost(Duration.ofSeconds(30)).until(() -> memory.held() == 0);
  }

  @Test
  void webSocketWatchLikeFabric8sGetsOneMessagePerEvent() throws Exception {
    serve();
    List<JsonObject> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.CompletableFuture<Void> closed =
        new java.util.concurrent.CompletableFuture<>();
    // the JDK's WebSocket client takes its listener before it connects: the initial ADDED events,
    // sent by the server at once after the upgrade, cannot arrive before a handler exists
    java.net.http.WebSocket.Listener listener =
        new java.net.http.WebSocket.Listener() {
          private final StringBuilder text = new StringBuilder();

          @Override
          public java.util.concurrent.CompletionStage<?> onText(
              java.net.http.WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
              messages.add(new JsonObject(text.toString()));
              text.setLength(0);
            }
            ws.request(1);
            return null;
          }

          @Override
          public java.util.concurrent.CompletionStage<?> onClose(
              java.net.http.WebSocket ws, int status, String reason) {
            closed.complete(null);
            return null;
          }

          @Override
          public void onError(java.net.http.WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
          }
        };
    java.net.http.WebSocket ws =
        java.net.http.HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .connectTimeout(Duration.ofSeconds(30))
            .buildAsync(
                java.net.URI.create(
                    "ws://127.0.0.1:"
                        + server.actualPort()
                        + "/api/v1/namespaces?watch=true&timeoutSeconds=300"),
                listener)
            .get(30, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> messages.size() == 2);
    // the watch is registered once its initial events are out; an event now reaches it
    hub.onEvent(fleet.namespace("solar-dev", "solar", Map.of("x", "y"), "Active"));
    await().atMost(Duration.ofSeconds(30)).until(() -> messages.size() == 3);
    assertThat(messages)
        .extracting(m -> m.getString("type"))
        .containsExactly("ADDED", "ADDED", "MODIFIED");
    // the client closing the socket ends the served watch
    ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "").get(30, TimeUnit.SECONDS);
    closed.get(30, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> hub.openWatches() == 0);
  }

  private static List<JsonObject> snapshot(List<JsonObject> lines) {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  private static int size(List<JsonObject> lines) {
    synchronized (lines) {
      return lines.size();
    }
  }
}
