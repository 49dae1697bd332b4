package dev.tenantproxy.proxy.serve.kinds;

import static dev.tenantproxy.proxy.testing.ProxyHarness.await;
import static dev.tenantproxy.proxy.testing.ProxyHarness.get;
import static dev.tenantproxy.proxy.testing.ProxyHarness.headers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import dev.tenantproxy.proxy.ops.Readiness;
import dev.tenantproxy.proxy.testing.FakeApiServer;
import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.ProxyHarness.Response;
import dev.tenantproxy.proxy.testing.TestClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * v1beta1 tenant reads through the real onion in front of a fake API server: read upstream as the
 * proxy, filtered to the caller's owned tenants (from the index), unpaged, the 404 of a missing
 * tenant for one not owned, non-Capsule callers and watches passed on as the caller.
 */
class TenantsV1beta1FilterTest {
  private static final String LIST = "/apis/capsule.clastix.io/v1beta1/tenants";
  private static final List<String> ALL = List.of("lunar", "solar", "wind");

  @TempDir static Path dir;
  static ProxyHarness h;
  static TestClient alice; // owns solar and lunar
  static TestClient dave; // a Capsule user owning nothing
  static TestClient admin; // not a Capsule user
  static volatile TenancySnapshot snapshot;

  @BeforeAll
  static void start() {
    snapshot =
        TenancySnapshot.empty()
            .with(
                new CapsuleConfigurationInfo(
                    "default", "1", List.of(Principal.group("capsule.clastix.io")), List.of()))
            .with(tenant("solar", "alice"))
            .with(tenant("lunar", "alice"))
            .with(tenant("wind", "bob"));
    h =
        ProxyHarness.start(
            dir,
            c -> c,
            Readiness.always(),
            List.of(new TenantsV1beta1Filter(() -> snapshot, delegatingUpstream())));
    alice = h.client(h.user("alice", "capsule.clastix.io"), HttpVersion.HTTP_2);
    dave = h.client(h.user("dave", "capsule.clastix.io"), HttpVersion.HTTP_1_1);
    admin = h.client(h.user("admin", "system:masters"), HttpVersion.HTTP_1_1);
  }

  private static TenantInfo tenant(String name, String owner) {
    return new TenantInfo(
        name,
        "uid-" + name,
        "1",
        "Active",
        List.of(new Owner(Principal.user(owner), List.of("admin"))),
        List.of(),
        List.of(),
        Map.of(),
        Map.of());
  }

  private static dev.tenantproxy.proxy.upstream.Upstream delegatingUpstream() {
    return new dev.tenantproxy.proxy.upstream.Upstream() {
      @Override
      public Future<HttpClientRequest> open(HttpMethod method, String uri) {
        return h.upstream.open(method, uri);
      }

      @Override
      public Future<dev.tenantproxy.proxy.upstream.UpgradeResponse> upgrade(
          HttpMethod method,
          String uri,
          MultiMap headers,
          dev.tenantproxy.filters.identity.Caller caller) {
        return h.upstream.upgrade(method, uri, headers, caller);
      }

      @Override
      public Future<JsonObject> postJson(String path, JsonObject body) {
        return h.upstream.postJson(path, body);
      }

      @Override
      public Future<Void> close() {
        return Future.succeededFuture();
      }
    };
  }

  private static JsonObject object(String name) {
    return new JsonObject()
        .put("apiVersion", "capsule.clastix.io/v1beta1")
        .put("kind", "Tenant")
        .put("metadata", new JsonObject().put("name", name))
        .put("spec", new JsonObject().put("owners", new JsonArray()));
  }

  /** The fake API server: every tenant, as JSON or Table (the Accept decides), or one by name. */
  @BeforeEach
  void apiServer() {
    h.api.requests.clear();
    h.api.handler =
        req -> {
          String name =
              req.path().length() > LIST.length() ? req.path().substring(LIST.length() + 1) : "";
          String accept = req.getHeader("Accept") == null ? "" : req.getHeader("Accept");
          if (!name.isEmpty()) {
            req.response().putHeader("Content-Type", "application/json").end(object(name).encode());
            return;
          }
          if ("true".equals(req.getParam("watch"))) {
            StringBuilder events = new StringBuilder();
            ALL.forEach(
                n ->
                    events
                        .append(
                            new JsonObject().put("type", "ADDED").put("object", object(n)).encode())
                        .append('\n'));
            req.response().putHeader("Content-Type", "application/json").end(events.toString());
            return;
          }
          JsonObject meta =
              new JsonObject().put("resourceVersion", "7").put("remainingItemCount", 40);
          if (accept.contains("as=Table")) {
            JsonArray rows = new JsonArray();
            ALL.forEach(
                n ->
                    rows.add(
                        new JsonObject()
                            .put("cells", new JsonArray().add(n))
                            .put("object", object(n))));
            req.response()
                .putHeader("Content-Type", "application/json") // as the API server does
                .end(
                    new JsonObject()
                        .put("kind", "Table")
                        .put("apiVersion", "meta.k8s.io/v1")
                        .put("metadata", meta)
                        .put(
                            "columnDefinitions",
                            new JsonArray().add(new JsonObject().put("name", "Name")))
                        .put("rows", rows)
                        .encode());
            return;
          }
          JsonArray items = new JsonArray();
          ALL.forEach(n -> items.add(object(n)));
          req.response()
              .putHeader("Content-Type", "application/json")
              .end(
                  new JsonObject()
                      .put("kind", "TenantList")
                      .put("apiVersion", "capsule.clastix.io/v1beta1")
                      .put("metadata", meta)
                      .put("items", items)
                      .encode());
        };
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static List<String> names(JsonArray array, boolean rows) {
    return array.stream()
        .map(JsonObject.class::cast)
        .map(o -> rows ? o.getJsonObject("object") : o)
        .map(o -> o.getJsonObject("metadata").getString("name"))
        .toList();
  }

  @Test
  void anOwnersListHoldsExactlyItsTenantsInV1beta1ReadUnpagedAsTheProxyWithoutACount() {
    Response r = get(alice, LIST + "?limit=1", null);

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonObject list = new JsonObject(r.body());
    assertThat(list.getString("apiVersion")).isEqualTo("capsule.clastix.io/v1beta1");
    assertThat(names(list.getJsonArray("items"), false)).containsExactly("lunar", "solar");
    assertThat(list.getJsonObject("metadata").containsKey("remainingItemCount")).isFalse();
    FakeApiServer.Recorded upstream = h.api.last(LIST);
    assertThat(upstream.uri()).isEqualTo(LIST);
    assertThat(upstream.headers().names())
        .noneMatch(n -> n.toLowerCase().startsWith("impersonate"));
  }

  @Test
  void anOwnersTableHoldsOnlyTheRowsOfItsTenants() {
    Response r =
        get(alice, LIST, headers("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"));

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(names(new JsonObject(r.body()).getJsonArray("rows"), true))
        .containsExactly("lunar", "solar");
  }

  @Test
  void aGetOfAnotherOwnersTenantIsTheSame404AsAMissingOneAndIsNeverForwarded() {
    Response other = get(alice, LIST + "/wind", null);
    Response missing = get(alice, LIST + "/nosuch", null);

    assertThat(other.status()).isEqualTo(404);
    assertThat(other.body().replace("wind", "X")).isEqualTo(missing.body().replace("nosuch", "X"));
    assertThat(h.api.requests).isEmpty();
  }

  @Test
  void aGetOfAnOwnedTenantIsTheApiServersV1beta1ObjectReadAsTheProxy() {
    Response r = get(alice, LIST + "/solar", null);

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getString("apiVersion"))
        .isEqualTo("capsule.clastix.io/v1beta1");
    assertThat(h.api.last(LIST + "/solar").headers().names())
        .noneMatch(n -> n.toLowerCase().startsWith("impersonate"));
  }

  @Test
  void aCapsuleUserOwningNothingGetsAnEmptyList() {
    Response r = get(dave, LIST, null);

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getJsonArray("items")).isEmpty();
  }

  @Test
  void aContinueTokenIsRefusedSinceNoneIsEverHandedOut() {
    assertThat(get(alice, LIST + "?limit=1&continue=abc", null).status()).isEqualTo(400);
    assertThat(h.api.requests).isEmpty();
  }

  @Test
  void aNonCapsuleUserAndAnOwnersWatchGoToTheApiServerAsTheCaller() {
    Response r = get(admin, LIST + "?limit=1", null);
    assertThat(names(new JsonObject(r.body()).getJsonArray("items"), false))
        .containsExactlyElementsOf(ALL);
    assertThat(h.api.last(LIST).uri()).isEqualTo(LIST + "?limit=1");
    assertThat(h.api.last(LIST).headers().get("Impersonate-User")).isEqualTo("admin");

    h.api.requests.clear();
    get(alice, LIST + "/solar?watch=true", null);
    assertThat(h.api.last(LIST).headers().get("Impersonate-User")).isEqualTo("alice");
  }

  @Test
  void anOwnersWatchRelaysOnlyTheEventsOfHerTenantsReadAsTheProxy() {
    Response r = get(alice, LIST + "?watch=true", null);

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(
            r.body()
                .lines()
                .map(JsonObject::new)
                .map(e -> e.getJsonObject("object").getJsonObject("metadata").getString("name")))
        .containsExactly("lunar", "solar");
    assertThat(h.api.last(LIST).headers().names())
        .noneMatch(n -> n.toLowerCase().startsWith("impersonate"));
  }

  /**
   * The fake API server accepting a real WebSocket (Vert.x's server-side handshake) and sending one
   * text message naming itself and the user it was asked to impersonate.
   */
  private static void webSocketUpstream(io.vertx.core.http.HttpServerRequest req) {
    String user = String.valueOf(req.getHeader("Impersonate-User"));
    req.toWebSocket().onSuccess(ws -> ws.writeTextMessage("upstream-websocket as " + user));
  }

  private static String webSocketThroughProxy(TestClient client, String uri) {
    return await(
        client.exchange(
            c ->
                c.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(uri))
                    .compose(
                        req -> {
                          req.putHeader("Connection", "Upgrade");
                          req.putHeader("Upgrade", "websocket");
                          req.putHeader("Sec-WebSocket-Version", "13");
                          req.putHeader("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
                          req.putHeader("Sec-WebSocket-Protocol", "v4.channel.k8s.io");
                          return req.connect();
                        })
                    .compose(
                        resp -> {
                          assertThat(resp.statusCode()).isEqualTo(101);
                          Promise<String> got = Promise.promise();
                          StringBuilder sb = new StringBuilder();
                          resp.netSocket()
                              .handler(
                                  b -> {
                                    sb.append(b.toString(StandardCharsets.ISO_8859_1));
                                    if (sb.indexOf("upstream-websocket as ") >= 0) {
                                      got.tryComplete(sb.toString());
                                      resp.netSocket().close();
                                    }
                                  });
                          return got.future();
                        })));
  }

  @Test
  void webSocketWatchesAndGetsOfV1beta1TenantsGoToTheApiServerAsTheCallerNeverAsTheProxy() {
    h.api.handler = TenantsV1beta1FilterTest::webSocketUpgradeOnly;
    TestClient alice11 = h.client(h.user("alice", "capsule.clastix.io"), HttpVersion.HTTP_1_1);
    try {
      for (String uri : List.of(LIST + "?watch=true", LIST + "/solar", LIST)) {
        h.api.requests.clear();

        assertThat(webSocketThroughProxy(alice11, uri))
            .as(uri)
            .contains("upstream-websocket as alice");
        FakeApiServer.Recorded up = h.api.last(LIST);
        assertThat(up.uri()).isEqualTo(uri);
        assertThat(up.headers().get("Upgrade")).isEqualTo("websocket");
        assertThat(up.headers().get("Impersonate-User")).isEqualTo("alice");
        assertThat(h.api.requests).hasSize(1);
      }
    } finally {
      await(alice11.close());
    }
  }

  private static void webSocketUpgradeOnly(io.vertx.core.http.HttpServerRequest req) {
    if ("websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
      webSocketUpstream(req);
    } else {
      req.response().setStatusCode(418).end(); // the filter's own read would get this
    }
  }

  private static String event(String type, String name, String rv) {
    JsonObject o = object(name);
    o.getJsonObject("metadata").put("resourceVersion", rv);
    return new JsonObject().put("type", type).put("object", o).encode() + "\n";
  }

  private static TenantInfo tenant(String name, String rv, String... owners) {
    return new TenantInfo(
        name,
        "uid-" + name,
        rv,
        "Active",
        java.util.Arrays.stream(owners)
            .map(o -> new Owner(Principal.user(o), List.of("admin")))
            .toList(),
        List.of(),
        List.of(),
        Map.of(),
        Map.of());
  }

  @Test
  void anOwnersLiveWatchGetsAddedWhenSheBecomesOwnerAndDeletedWhenNoLongerEvenIfTheIndexLags() {
    TenancySnapshot before = snapshot;
    java.util.concurrent.CompletableFuture<io.vertx.core.http.HttpServerRequest> upstreamWatch =
        new java.util.concurrent.CompletableFuture<>();
    io.vertx.core.Context[] upstreamContext = new io.vertx.core.Context[1];
    h.api.handler =
        req -> {
          req.response().setChunked(true).putHeader("Content-Type", "application/json");
          req.response().writeHead();
          upstreamContext[0] = io.vertx.core.Vertx.currentContext();
          upstreamWatch.complete(req);
        };
    snapshot = snapshot.with(tenant("solar", "10", "alice"));
    StringBuffer got = new StringBuffer();
    await(
        alice.exchange(
            c ->
                c.request(HttpMethod.GET, LIST + "?watch=true&resourceVersion=7")
                    .compose(io.vertx.core.http.HttpClientRequest::send)
                    .map(
                        resp -> {
                          resp.handler(b -> got.append(b.toString()));
                          return resp.statusCode();
                        })));
    io.vertx.core.http.HttpServerRequest up;
    try {
      up = upstreamWatch.get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    assertThat(up.getParam("resourceVersion")).isEqualTo("7");
    assertThat(up.headers().names()).noneMatch(n -> n.toLowerCase().startsWith("impersonate"));
    java.util.function.Consumer<String> push =
        line -> upstreamContext[0].runOnContext(v -> up.response().write(line));
    try {
      // another owner's tenant changes: never relayed
      snapshot = snapshot.with(tenant("wind", "8", "bob"));
      push.accept(event("MODIFIED", "wind", "8"));
      // alice is added as owner of wind: the API server's event comes before the index has it
      push.accept(event("MODIFIED", "wind", "9"));
      push.accept(event("MODIFIED", "solar", "10"));
      org.awaitility.Awaitility.await()
          .during(java.time.Duration.ofMillis(200))
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> got.toString().isEmpty());
      snapshot = snapshot.with(tenant("wind", "9", "bob", "alice"));
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> got.toString().lines().count() == 2);
      // she is removed again: the index first this time
      snapshot = snapshot.with(tenant("wind", "12", "bob"));
      push.accept(event("MODIFIED", "wind", "11"));
      push.accept(event("MODIFIED", "wind", "12"));
      push.accept(event("DELETED", "lunar", "13"));
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> got.toString().lines().count() == 4);

      assertThat(
              got.toString()
                  .lines()
                  .map(JsonObject::new)
                  .map(
                      e ->
                          e.getString("type")
                              + " "
                              + e.getJsonObject("object")
                                  .getJsonObject("metadata")
                                  .getString("name")))
          .containsExactly("ADDED wind", "MODIFIED solar", "DELETED wind", "DELETED lunar");
    } finally {
      snapshot = before;
      upstreamContext[0].runOnContext(v -> up.response().end());
    }
  }
}
