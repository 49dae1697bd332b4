package dev.tenantproxy.proxy.serve.allnamespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.NamespaceInfo;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import dev.tenantproxy.proxy.ops.Readiness;
import dev.tenantproxy.proxy.server.ProxyFilter;
import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.TestClient;
import dev.tenantproxy.proxy.testing.TestPki;
import dev.tenantproxy.testsupport.TestVertx;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The merged watch against a fake API server whose per-namespace watch streams the test writes:
 * joins and leaves, the upstream's ERROR 410, merged bookmarks, WatchList's initial-events-end.
 */
class AllNamespacesWatchTest {
  private static final Duration BOUND = Duration.ofSeconds(30);

  @TempDir Path dir;

  private ProxyHarness harness;
  private TestClient alice;
  private final AtomicReference<TenancySnapshot> snapshot = new AtomicReference<>();
  private final Map<String, HttpServerResponse> upstreamWatches = new ConcurrentHashMap<>();
  private final Map<String, String> upstreamUris = new ConcurrentHashMap<>();
  private final Set<String> closedUpstream = ConcurrentHashMap.newKeySet();
  private final List<Consumer<String>> feed = new CopyOnWriteArrayList<>();
  private final List<Context> feedContexts = new CopyOnWriteArrayList<>();

  /** What the fake API server lists per namespace (name → resourceVersion); else nothing. */
  private final Map<String, Map<String, Long>> listed = new ConcurrentHashMap<>();

  /** The upstream list requests (not watches) per namespace: the last, and all in order. */
  private final Map<String, String> listUris = new ConcurrentHashMap<>();

  private final List<String> allListUris = new CopyOnWriteArrayList<>();

  /** Whether the fake API server answers lists with 410 (the resourceVersion is compacted). */
  private volatile boolean compacted;

  /** Namespaces whose upstream watch the fake API server refuses (403, the caller's RBAC). */
  private final Set<String> refused = ConcurrentHashMap.newKeySet();

  private static TenancySnapshot snapshot(String... solarNamespaces) {
    TenancySnapshot s =
        TenancySnapshot.empty()
            .with(
                new CapsuleConfigurationInfo(
                    "default", "1", List.of(Principal.user("alice")), List.of()))
            .with(
                TenantInfo.of(
                    "solar",
                    List.of(new Owner(Principal.user("alice"), List.of("admin"))),
                    List.of()))
            .with(
                TenantInfo.of(
                    "wind",
                    List.of(new Owner(Principal.user("bob"), List.of("admin"))),
                    List.of()));
    for (String ns : solarNamespaces) {
      s = s.with(namespace(ns, "solar"));
    }
    return s.with(namespace("wind-dev", "wind"));
  }

  private static NamespaceInfo namespace(String name, String tenant) {
    return new NamespaceInfo(
        name, "uid-" + name, "1", "Active", Map.of(NamespaceInfo.TENANT_LABEL, tenant), null);
  }

  private AllNamespacesFilter filter;

  /** The view history's answers: whether alice's view changed after the asked resourceVersion. */
  private volatile java.util.function.Supplier<java.util.concurrent.CompletionStage<Boolean>>
      viewChanged = () -> java.util.concurrent.CompletableFuture.completedFuture(false);

  /** The resourceVersions the history was asked about, with the caller's name. */
  private final List<String> historyAsked = new CopyOnWriteArrayList<>();

  private void start(String... solarNamespaces) {
    snapshot.set(snapshot(solarNamespaces));
    ProxyFilter[] holder = new ProxyFilter[1];
    harness =
        ProxyHarness.start(
            dir, c -> c, Readiness.always(), List.of((ex, chain) -> holder[0].handle(ex, chain)));
    holder[0] =
        AllNamespaces.filter(
            snapshot::get,
            (context, consumer) -> {
              feed.add(consumer);
              feedContexts.add(context);
              return () -> {
                feed.remove(consumer);
              };
            },
            harness.upstream,
            AllNamespaces.Options.defaults(),
            (caller, rv) -> {
              historyAsked.add(caller.user() + "@" + rv);
              return viewChanged.get();
            });
    filter = (AllNamespacesFilter) holder[0];
    harness.api.handler = this::answer;
    alice = harness.client(harness.user("alice", "system:authenticated"), HttpVersion.HTTP_1_1);
  }

  private void answer(HttpServerRequest req) {
    HttpServerResponse resp = req.response().putHeader("Content-Type", "application/json");
    if (req.path().equals("/api/v1")) {
      resp.end(
          new JsonObject()
              .put(
                  "resources",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("name", "configmaps")
                              .put("namespaced", true)
                              .put("kind", "ConfigMap")
                              .put("verbs", new JsonArray().add("list").add("watch"))))
              .encode());
      return;
    }
    String ns = req.path().split("/")[4];
    upstreamUris.put(ns, req.uri());
    if (refused.contains(ns)) {
      resp.setStatusCode(403)
          .end(
              new JsonObject()
                  .put("kind", "Status")
                  .put("apiVersion", "v1")
                  .put("status", "Failure")
                  .put("reason", "Forbidden")
                  .put("code", 403)
                  .encode());
      return;
    }
    if (!"true".equals(req.getParam("watch"))) {
      listUris.put(ns, req.uri());
      allListUris.add(req.uri());
      list(req, ns, resp);
      return;
    }
    resp.setChunked(true);
    resp.writeHead();
    resp.closeHandler(v -> closedUpstream.add(ns));
    upstreamWatches.put(ns, resp);
  }

  /**
   * One namespace's list, as a ConfigMapList or (when asked for) a Table, at resourceVersion 10.
   */
  private void list(HttpServerRequest req, String ns, HttpServerResponse resp) {
    if (compacted) {
      resp.setStatusCode(410)
          .end(
              new JsonObject()
                  .put("kind", "Status")
                  .put("apiVersion", "v1")
                  .put("status", "Failure")
                  .put("message", "too old resource version: 10 (100)")
                  .put("reason", "Expired")
                  .put("code", 410)
                  .encode());
      return;
    }
    boolean table = String.valueOf(req.getHeader("Accept")).contains("as=Table");
    JsonArray elements = new JsonArray();
    // pages of `limit` in name order; the continue token is the offset
    List<Map.Entry<String, Long>> all =
        listed.getOrDefault(ns, Map.of()).entrySet().stream()
            .sorted(Map.Entry.comparingByKey())
            .toList();
    int from = req.getParam("continue") == null ? 0 : Integer.parseInt(req.getParam("continue"));
    int limit =
        req.getParam("limit") == null ? all.size() : Integer.parseInt(req.getParam("limit"));
    int to = Math.min(all.size(), from + limit);
    all.subList(from, to)
        .forEach(
            entry -> {
              String name = entry.getKey();
              long rv = entry.getValue();
              JsonObject meta =
                  new JsonObject()
                      .put("name", name)
                      .put("namespace", ns)
                      .put("uid", "uid-" + name)
                      .put("resourceVersion", Long.toString(rv))
                      .put("labels", new JsonObject().put("app", "x"));
              elements.add(
                  table
                      ? new JsonObject()
                          .put("cells", new JsonArray().add(name).add(1))
                          .put(
                              "object",
                              new JsonObject()
                                  .put("kind", "PartialObjectMetadata")
                                  .put("apiVersion", "meta.k8s.io/v1")
                                  .put("metadata", meta))
                      : new JsonObject()
                          .put("metadata", meta)
                          .put("data", new JsonObject().put("big", "x".repeat(1000))));
            });
    JsonObject list =
        new JsonObject()
            .put("kind", table ? "Table" : "ConfigMapList")
            .put("apiVersion", table ? "meta.k8s.io/v1" : "v1")
            .put("metadata", new JsonObject().put("resourceVersion", "10"));
    if (to < all.size()) {
      list.getJsonObject("metadata").put("continue", Integer.toString(to));
    }
    if (table) {
      list.put(
          "columnDefinitions",
          new JsonArray()
              .add(new JsonObject().put("name", "Name").put("type", "string"))
              .add(new JsonObject().put("name", "Data").put("type", "integer")));
    }
    resp.end(list.put(table ? "rows" : "items", elements).encode());
  }

  /** Writes one event to a namespace's upstream watch, on the fake's context. */
  private void upstream(String ns, String type, String name, long rv) {
    JsonObject meta = new JsonObject().put("name", name).put("resourceVersion", Long.toString(rv));
    if (!type.equals("BOOKMARK")) {
      meta.put("namespace", ns);
    }
    upstreamRaw(
        ns,
        new JsonObject()
            .put("type", type)
            .put(
                "object",
                new JsonObject()
                    .put("kind", "ConfigMap")
                    .put("apiVersion", "v1")
                    .put("metadata", meta)));
  }

  private void upstreamRaw(String ns, JsonObject event) {
    HttpServerResponse r = upstreamWatches.get(ns);
    harness.vertx.runOnContext(v -> r.write(event.encode() + "\n"));
  }

  /** Tells every open merged watch that the caller's view may have changed for {@code ns}. */
  private void visibilityChanged(String ns) {
    for (int i = 0; i < feed.size(); i++) {
      Consumer<String> c = feed.get(i);
      feedContexts.get(i).runOnContext(v -> c.accept(ns));
    }
  }

  /** Opens a watch through the proxy; its event lines are collected. */
  private Future<Void> watch(String uri, List<JsonObject> events) {
    return watch(uri, "application/json", events);
  }

  private Future<Void> watch(String uri, String accept, List<JsonObject> events) {
    Promise<Void> ended = Promise.promise();
    alice.exchange(
        agent ->
            agent
                .request(
                    new RequestOptions()
                        .setMethod(HttpMethod.GET)
                        .setURI(uri)
                        .putHeader("Accept", accept))
                .compose(
                    req ->
                        req.send()
                            .map(
                                resp -> {
                                  StringBuilder partial = new StringBuilder();
                                  resp.handler(
                                      b -> {
                                        partial.append(b.toString());
                                        int nl;
                                        while ((nl = partial.indexOf("\n")) >= 0) {
                                          String line = partial.substring(0, nl).strip();
                                          partial.delete(0, nl + 1);
                                          if (!line.isEmpty()) {
                                            events.add(new JsonObject(line));
                                          }
                                        }
                                      });
                                  resp.endHandler(v -> ended.tryComplete());
                                  resp.exceptionHandler(e -> ended.tryComplete());
                                  return resp;
                                })));
    return ended.future();
  }

  /** The object of the DELETED event for {@code name}. */
  private static JsonObject deletedObject(List<JsonObject> events, String name) {
    return events.stream()
        .filter(e -> e.getString("type").equals("DELETED"))
        .map(e -> e.getJsonObject("object"))
        .filter(o -> name.equals(o.getJsonObject("metadata").getString("name")))
        .findFirst()
        .orElseThrow();
  }

  private static List<String> typed(List<JsonObject> events) {
    return events.stream()
        .map(
            e ->
                e.getString("type")
                    + " "
                    + e.getJsonObject("object").getJsonObject("metadata").getString("name", "")
                    + (e.getString("type").equals("BOOKMARK")
                        ? "@"
                            + e.getJsonObject("object")
                                .getJsonObject("metadata")
                                .getString("resourceVersion")
                        : ""))
        .toList();
  }

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  void aWebSocketWatchNamesTheRefusedNamespacesInAWarningOnIts101LikeAChunkedWatch()
      throws Exception {
    // given alice's RBAC refuses configmaps in solar-locked
    refused.add("solar-locked");
    start("solar-dev", "solar-locked");
    String expected =
        "299 - \"tenant-proxy: configmaps of namespace solar-locked left out: the caller may not"
            + " list them there\"";

    // when she watches over a WebSocket (as fabric8 and kubectl's WebSocket watches do)
    TestPki.Issued cert = harness.user("alice", "system:authenticated");
    WebSocketClient client =
        harness.vertx.createWebSocketClient(
            new WebSocketClientOptions()
                .setSsl(true)
                .setTrustOptions(
                    new PemTrustOptions().addCertPath(harness.servingCa.certFile().toString()))
                .setKeyCertOptions(
                    new PemKeyCertOptions()
                        .setCertPath(cert.certFile().toString())
                        .setKeyPath(cert.keyFile().toString())));
    List<String> messages = new CopyOnWriteArrayList<>();
    WebSocket ws =
        ProxyHarness.await(
            TestVertx.onContext(
                harness.vertx,
                () ->
                    client
                        .connect(
                            new WebSocketConnectOptions()
                                .setHost("127.0.0.1")
                                .setPort(harness.proxy.port())
                                .setSsl(true)
                                .setURI("/api/v1/configmaps?watch=true&resourceVersion=10"))
                        .map(
                            socket -> {
                              socket.textMessageHandler(messages::add);
                              return socket;
                            })));

    // then the 101 carries the Warning, and the other namespace's events arrive
    assertThat(ws.headers().getAll("Warning")).containsExactly(expected);
    await().atMost(BOUND).until(() -> upstreamWatches.containsKey("solar-dev"));
    upstream("solar-dev", "ADDED", "d1", 11);
    await().atMost(BOUND).until(() -> messages.stream().anyMatch(m -> m.contains("\"d1\"")));
    assertThat(messages).noneMatch(m -> m.contains("solar-locked"));
    ProxyHarness.await(TestVertx.onContext(harness.vertx, ws::close));

    // and a chunked watch names it on its 200 the same way
    ProxyHarness.Response head =
        ProxyHarness.await(
            alice.exchange(
                agent ->
                    agent
                        .request(
                            new RequestOptions()
                                .setMethod(HttpMethod.GET)
                                .setURI("/api/v1/configmaps?watch=true&timeoutSeconds=1"))
                        .compose(HttpClientRequest::send)
                        .compose(
                            resp ->
                                resp.body()
                                    .map(
                                        b ->
                                            new ProxyHarness.Response(
                                                resp.statusCode(),
                                                resp.headers(),
                                                b.toString())))));
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.headers().getAll("Warning")).containsExactly(expected);
    ProxyHarness.await(client.close());
  }

  @Test
  void aJoiningNamespaceIsWatchedFromNowAndALeavingOneGetsDeletedForEverythingSentFromIt() {
    // given alice watching solar-a
    start("solar-a");
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    watch("/api/v1/configmaps?watch=true&resourceVersion=10", events);
    await().atMost(BOUND).until(() -> upstreamWatches.containsKey("solar-a") && !feed.isEmpty());
    assertThat(upstreamUris.get("solar-a")).contains("resourceVersion=10").contains("watch=true");
    upstream("solar-a", "ADDED", "a1", 11);
    await().atMost(BOUND).until(() -> typed(events).contains("ADDED a1"));

    // when solar-b joins her tenant
    snapshot.set(snapshot("solar-a", "solar-b"));
    visibilityChanged("solar-b");
    await().atMost(BOUND).until(() -> upstreamWatches.containsKey("solar-b"));
    // then it is watched from now (no resourceVersion: its objects arrive as ADDED)
    assertThat(upstreamUris.get("solar-b")).doesNotContain("resourceVersion=");
    upstream("solar-b", "ADDED", "b1", 20);
    upstream("solar-b", "ADDED", "b2", 21);
    upstream("solar-b", "DELETED", "b2", 22);
    upstream("solar-b", "ADDED", "b3", 23);
    await().atMost(BOUND).until(() -> typed(events).contains("ADDED b3"));

    // when it leaves
    snapshot.set(snapshot("solar-a"));
    visibilityChanged("solar-b");

    // then DELETED for what is still sent from it, and its upstream watch is closed
    await().atMost(BOUND).until(() -> typed(events).contains("DELETED b3"));
    assertThat(typed(events))
        .containsExactly(
            "ADDED a1",
            "ADDED b1",
            "ADDED b2",
            "DELETED b2",
            "ADDED b3",
            "DELETED b1",
            "DELETED b3");
    await().atMost(BOUND).until(() -> closedUpstream.contains("solar-b"));
    assertThat(upstreamWatches).doesNotContainKey("wind-dev");
  }

  @Test
  void aWatchFromAListsResourceVersionSendsDeletedForTheListedObjectsOfANamespaceThatLeaves() {
    // given solar-b holds b1 and b2 at resourceVersion 10 (what alice's merged list returned)
    listed.put("solar-b", Map.of("b1", 5L, "b2", 7L));
    start("solar-a", "solar-b");
    List<JsonObject> events = new CopyOnWriteArrayList<>();

    // when she watches from 10 (as kubectl get -A -w and informers do after their list)
    watch("/api/v1/configmaps?watch=true&resourceVersion=10&labelSelector=app%3Dx", events);
    await().atMost(BOUND).until(() -> upstreamWatches.size() == 2 && !feed.isEmpty());
    // then each namespace was listed as of 10, exactly, with her selector, before its watch
    assertThat(listUris.get("solar-b"))
        .contains("resourceVersion=10")
        .contains("resourceVersionMatch=Exact")
        .contains("labelSelector=app%3Dx")
        .doesNotContain("watch=");
    assertThat(upstreamUris.get("solar-b")).contains("resourceVersion=10").contains("watch=true");
    upstream("solar-b", "MODIFIED", "b2", 11);
    await().atMost(BOUND).until(() -> typed(events).contains("MODIFIED b2"));

    // when solar-b leaves her tenant
    snapshot.set(snapshot("solar-a"));
    visibilityChanged("solar-b");

    // then DELETED for both listed objects: the key, at the last resourceVersion seen, no data
    await().atMost(BOUND).until(() -> typed(events).contains("DELETED b1"));
    await().atMost(BOUND).until(() -> typed(events).contains("DELETED b2"));
    assertThat(typed(events)).hasSize(3).startsWith("MODIFIED b2");
    JsonObject b1 = deletedObject(events, "b1");
    assertThat(b1.getString("kind")).isEqualTo("ConfigMap");
    assertThat(b1.getString("apiVersion")).isEqualTo("v1");
    assertThat(b1.getJsonObject("metadata").getMap())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("name", "b1", "namespace", "solar-b", "uid", "uid-b1", "resourceVersion", "5"));
    assertThat(b1.containsKey("data")).isFalse();
    assertThat(deletedObject(events, "b2").getJsonObject("metadata").getString("resourceVersion"))
        .isEqualTo("11");
    await().atMost(BOUND).until(() -> closedUpstream.contains("solar-b"));
  }

  @Test
  void
      aTableWatchFromAListsResourceVersionSendsDeletedRowsForTheListedObjectsOfANamespaceThatLeaves() {
    // given solar-b holds b1 at resourceVersion 10
    listed.put("solar-b", Map.of("b1", 5L));
    start("solar-a", "solar-b");
    List<JsonObject> events = new CopyOnWriteArrayList<>();

    // when she watches from 10 as a Table (kubectl get -A -w)
    watch(
        "/api/v1/configmaps?watch=true&resourceVersion=10",
        "application/json;as=Table;v=v1;g=meta.k8s.io",
        events);
    await().atMost(BOUND).until(() -> upstreamWatches.size() == 2 && !feed.isEmpty());
    assertThat(listUris.get("solar-b")).contains("resourceVersionMatch=Exact");
    snapshot.set(snapshot("solar-a"));
    visibilityChanged("solar-b");

    // then one DELETED Table with b1's row (its cells and key), with the list's columns (the
    // watch's first Table event)
    await().atMost(BOUND).until(() -> !events.isEmpty());
    assertThat(events).hasSize(1);
    assertThat(events.get(0).getString("type")).isEqualTo("DELETED");
    JsonObject t = events.get(0).getJsonObject("object");
    assertThat(t.getString("kind")).isEqualTo("Table");
    assertThat(t.getJsonArray("columnDefinitions")).hasSize(2);
    assertThat(t.getJsonObject("metadata").getString("resourceVersion")).isEqualTo("5");
    JsonObject row = t.getJsonArray("rows").getJsonObject(0);
    assertThat(row.getJsonArray("cells").encode()).isEqualTo("[\"b1\",1]");
    JsonObject meta = row.getJsonObject("object").getJsonObject("metadata");
    assertThat(meta.getString("name")).isEqualTo("b1");
    assertThat(meta.getString("namespace")).isEqualTo("solar-b");
    assertThat(meta.containsKey("labels")).isFalse();
  }

  @Test
  void theSeedOfANamespaceWithMoreObjectsThanOnePageIsReadPageByPage() {
    // given solar-b holds one object more than a seed page
    Map<String, Long> many = new java.util.HashMap<>();
    for (int i = 0; i <= MergedWatch.SEED_PAGE; i++) {
      many.put(String.format("b%04d", i), 5L);
    }
    listed.put("solar-b", many);
    start("solar-b");
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    watch("/api/v1/configmaps?watch=true&resourceVersion=10", events);
    await().atMost(BOUND).until(() -> upstreamWatches.containsKey("solar-b") && !feed.isEmpty());

    // then two list pages: the first at 10 exactly, the second by its continue token alone
    assertThat(allListUris).hasSize(2);
    assertThat(allListUris.get(0))
        .contains("resourceVersion=10")
        .contains("limit=" + MergedWatch.SEED_PAGE);
    assertThat(allListUris.get(1)).contains("continue=500").doesNotContain("resourceVersion");

    // when solar-b leaves: a DELETED for each object of both pages
    snapshot.set(snapshot());
    visibilityChanged("solar-b");
    await().atMost(BOUND).until(() -> events.size() == many.size());
    assertThat(events.stream().map(e -> e.getString("type")).distinct()).containsExactly("DELETED");
    assertThat(typed(events)).contains("DELETED b0000", "DELETED b0500");
  }

  @Test
  void aWatchFromACompactedResourceVersionIsOneExpiredErrorWithoutUpstreamWatches() {
    // given the resourceVersion is compacted
    compacted = true;
    start("solar-a", "solar-b");
    List<JsonObject> events = new CopyOnWriteArrayList<>();

    // when she watches from it
    Future<Void> ended = watch("/api/v1/configmaps?watch=true&resourceVersion=10", events);

    // then one ERROR 410, as a watch from it would give
    await().atMost(BOUND).until(ended::isComplete);
    assertThat(events).hasSize(1);
    assertThat(events.get(0).getString("type")).isEqualTo("ERROR");
    assertThat(events.get(0).getJsonObject("object").getInteger("code")).isEqualTo(410);
    assertThat(upstreamWatches).isEmpty();
  }

  @Test
  void aWatchResumedAfterANamespaceLeftHerViewIsOneExpiredErrorNamingNoNamespace() {
    // given solar-b left alice's view after resourceVersion 10 (the history says so)
    listed.put("solar-a", Map.of("a1", 5L));
    start("solar-a");
    viewChanged = () -> java.util.concurrent.CompletableFuture.completedFuture(true);
    List<JsonObject> events = new CopyOnWriteArrayList<>();

    // when she resumes her watch from 10
    Future<Void> ended = watch("/api/v1/configmaps?watch=true&resourceVersion=10", events);

    // then one ERROR 410 Expired, as the API server's watch from a too-old resourceVersion, that
    // names no namespace; nothing was asked upstream
    await().atMost(BOUND).until(ended::isComplete);
    assertThat(historyAsked).containsExactly("alice@10");
    assertThat(events).hasSize(1);
    assertThat(events.get(0).getString("type")).isEqualTo("ERROR");
    JsonObject status = events.get(0).getJsonObject("object");
    assertThat(status.getInteger("code")).isEqualTo(410);
    assertThat(status.getString("reason")).isEqualTo("Expired");
    assertThat(status.encode()).doesNotContain("solar").doesNotContain("wind");
    assertThat(allListUris).isEmpty();
    assertThat(upstreamWatches).isEmpty();
    assertThat(filter.openWatches()).isZero();
  }

  @Test
  void aWatchResumedWhenTheHistoryCannotAnswerIsOneExpiredError() {
    start("solar-a");
    viewChanged =
        () -> java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("x"));
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    Future<Void> ended = watch("/api/v1/configmaps?watch=true&resourceVersion=10", events);
    await().atMost(BOUND).until(ended::isComplete);
    assertThat(events).hasSize(1);
    assertThat(events.get(0).getJsonObject("object").getInteger("code")).isEqualTo(410);
    assertThat(upstreamWatches).isEmpty();
  }

  @Test
  void aNamespaceLeavingWhileTheHistoryIsAskedMakesTheResumedWatchExpire() {
    // given the history answers "no change" only after solar-b left
    listed.put("solar-b", Map.of("b1", 5L));
    start("solar-a", "solar-b");
    java.util.concurrent.CompletableFuture<Boolean> answer =
        new java.util.concurrent.CompletableFuture<>();
    viewChanged = () -> answer;
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    Future<Void> ended = watch("/api/v1/configmaps?watch=true&resourceVersion=10", events);
    await().atMost(BOUND).until(() -> !historyAsked.isEmpty());

    // when solar-b leaves before the answer
    snapshot.set(snapshot("solar-a"));
    answer.complete(false);

    // then ERROR 410: she holds b1 from her list and nothing would delete it
    await().atMost(BOUND).until(ended::isComplete);
    assertThat(typed(events)).hasSize(1);
    assertThat(events.get(0).getJsonObject("object").getInteger("code")).isEqualTo(410);
    assertThat(upstreamWatches).isEmpty();
  }

  @Test
  void aResumedWatchEndedByShutdownWhileTheHistoryIsAskedOpensNothingAfterwards() {
    // given the history has not answered yet
    listed.put("solar-a", Map.of("a1", 5L));
    start("solar-a");
    java.util.concurrent.CompletableFuture<Boolean> answer =
        new java.util.concurrent.CompletableFuture<>();
    viewChanged = () -> answer;
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    Future<Void> ended = watch("/api/v1/configmaps?watch=true&resourceVersion=10", events);
    await().atMost(BOUND).until(() -> !historyAsked.isEmpty());
    assertThat(filter.openWatches()).isEqualTo(1);

    // when a graceful shutdown ends the open watches, then the answer comes
    filter.endAllWatches();
    await().atMost(BOUND).until(() -> filter.openWatches() == 0);
    answer.complete(false);

    // then the watch ended without an event, nothing was asked upstream, nothing stays open
    await().atMost(BOUND).until(ended::isComplete);
    assertThat(events).isEmpty();
    assertThat(allListUris).isEmpty();
    assertThat(upstreamWatches).isEmpty();
    assertThat(feed).isEmpty();
    assertThat(filter.openWatches()).isZero();
  }

  @Test
  void aWatchResumedWithNoChangeIsServedAndOnlyResumedWatchesAskTheHistory() {
    // given nothing changed after 10
    listed.put("solar-a", Map.of("a1", 5L));
    start("solar-a");
    List<JsonObject> fromTen = new CopyOnWriteArrayList<>();
    List<JsonObject> fromNow = new CopyOnWriteArrayList<>();

    // when she resumes from 10
    watch("/api/v1/configmaps?watch=true&resourceVersion=10", fromTen);

    // then it is served: seeded at 10, watched, no ERROR
    await().atMost(BOUND).until(() -> upstreamWatches.containsKey("solar-a"));
    assertThat(listUris.get("solar-a")).contains("resourceVersion=10");
    upstream("solar-a", "MODIFIED", "a1", 11);
    await().atMost(BOUND).until(() -> typed(fromTen).contains("MODIFIED a1"));
    assertThat(historyAsked).containsExactly("alice@10");

    // and a watch from now (resourceVersion 0) does not ask the history
    watch("/api/v1/configmaps?watch=true&resourceVersion=0", fromNow);
    await().atMost(BOUND).until(() -> filter.openWatches() == 2);
    assertThat(historyAsked).containsExactly("alice@10");
    assertThat(typed(fromTen)).noneMatch(e -> e.startsWith("ERROR"));
  }

  @Test
  void anUpstreamExpiredErrorIsOneErrorForTheClientAndEndsTheWatch() {
    // given
    start("solar-a", "solar-b");
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    Future<Void> ended = watch("/api/v1/configmaps?watch=true&resourceVersion=5", events);
    await().atMost(BOUND).until(() -> upstreamWatches.size() == 2);

    // when one namespace's upstream says the resourceVersion is too old
    upstreamRaw(
        "solar-b",
        new JsonObject()
            .put("type", "ERROR")
            .put(
                "object",
                new JsonObject()
                    .put("kind", "Status")
                    .put("apiVersion", "v1")
                    .put("status", "Failure")
                    .put("message", "too old resource version: 5 (100)")
                    .put("reason", "Expired")
                    .put("code", 410)));

    // then
    await().atMost(BOUND).until(ended::isComplete);
    assertThat(events).hasSize(1);
    assertThat(events.get(0).getString("type")).isEqualTo("ERROR");
    assertThat(events.get(0).getJsonObject("object").getInteger("code")).isEqualTo(410);
    await().atMost(BOUND).until(() -> closedUpstream.containsAll(Set.of("solar-a", "solar-b")));
  }

  @Test
  void bookmarksCarryTheSmallestResourceVersionEveryNamespaceReached() {
    // given
    start("solar-a", "solar-b");
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    watch("/api/v1/configmaps?watch=true&resourceVersion=5&allowWatchBookmarks=true", events);
    await().atMost(BOUND).until(() -> upstreamWatches.size() == 2);

    // when
    upstream("solar-a", "BOOKMARK", "", 30);
    upstream("solar-b", "BOOKMARK", "", 20);
    upstream("solar-a", "ADDED", "a1", 31);
    upstream("solar-b", "BOOKMARK", "", 40);

    // then: only once both reached a point, and never beyond the slower one
    await().atMost(BOUND).until(() -> typed(events).contains("BOOKMARK @31"));
    assertThat(typed(events)).containsExactly("BOOKMARK @20", "ADDED a1", "BOOKMARK @31");
  }

  @Test
  void watchListEndsItsInitialEventsOnceEveryNamespaceHas() {
    // given
    start("solar-a", "solar-b");
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    watch(
        "/api/v1/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
        events);
    await().atMost(BOUND).until(() -> upstreamWatches.size() == 2);
    assertThat(upstreamUris.values()).allMatch(u -> u.contains("sendInitialEvents=true"));

    // when
    upstream("solar-a", "ADDED", "a1", 11);
    upstreamRaw("solar-a", initialEnd(12));
    upstream("solar-b", "ADDED", "b1", 13);
    upstreamRaw("solar-b", initialEnd(14));

    // then
    await().atMost(BOUND).until(() -> events.size() == 3);
    assertThat(typed(events)).containsExactly("ADDED a1", "ADDED b1", "BOOKMARK @12");
    assertThat(
            events
                .get(2)
                .getJsonObject("object")
                .getJsonObject("metadata")
                .getJsonObject("annotations")
                .getString("k8s.io/initial-events-end"))
        .isEqualTo("true");
  }

  @Test
  void gracefulShutdownEndsMergedWatchesCleanlyAndClosesTheirUpstreamWatches() {
    // given
    start("solar-a", "solar-b");
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    Future<Void> ended = watch("/api/v1/configmaps?watch=true", events);
    await().atMost(BOUND).until(() -> upstreamWatches.size() == 2 && filter.openWatches() == 1);
    upstream("solar-a", "ADDED", "a1", 11);
    await().atMost(BOUND).until(() -> events.size() == 1);

    // when
    filter.endAllWatches();

    // then
    await().atMost(BOUND).until(ended::isComplete);
    assertThat(ended.succeeded()).isTrue();
    await().atMost(BOUND).until(() -> closedUpstream.containsAll(Set.of("solar-a", "solar-b")));
    assertThat(filter.openWatches()).isZero();
  }

  private static JsonObject initialEnd(long rv) {
    return new JsonObject()
        .put("type", "BOOKMARK")
        .put(
            "object",
            new JsonObject()
                .put("kind", "ConfigMap")
                .put("apiVersion", "v1")
                .put(
                    "metadata",
                    new JsonObject()
                        .put("resourceVersion", Long.toString(rv))
                        .put(
                            "annotations",
                            new JsonObject().put("k8s.io/initial-events-end", "true"))));
  }
}
