package dev.tenantproxy.proxy.serve.allnamespaces;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.NamespaceInfo;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import dev.tenantproxy.proxy.ops.Readiness;
import dev.tenantproxy.proxy.testing.FakeApiServer;
import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.TestClient;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The merge of per-namespace lists, against a fake API server: ordering, one resourceVersion for
 * every namespace, paging across namespaces, refusals, defence against foreign items, the caller's
 * identity on every upstream request, bounded concurrency.
 */
class AllNamespacesListTest {
  @TempDir Path dir;

  private ProxyHarness harness;
  private TestClient alice;
  private final Map<String, List<String>> objects = new TreeMap<>();
  private final Map<String, Integer> statusOf = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private volatile long answerDelayMs;
  private volatile String foreignItemIn;

  private TenancySnapshot snapshot(int solarNamespaces) {
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
    for (int i = 0; i < solarNamespaces; i++) {
      s = s.with(namespace(String.format("solar-%02d", i), "solar"));
    }
    return s.with(namespace("wind-dev", "wind"));
  }

  private static NamespaceInfo namespace(String name, String tenant) {
    return new NamespaceInfo(
        name, "uid-" + name, "1", "Active", Map.of(NamespaceInfo.TENANT_LABEL, tenant), null);
  }

  private void start(int solarNamespaces, AllNamespaces.Options options) {
    TenancySnapshot snap = snapshot(solarNamespaces);
    for (String ns : snap.namespaces().keySet()) {
      objects.putIfAbsent(ns, List.of("a-" + ns, "b-" + ns));
    }
    harness =
        ProxyHarness.start(
            dir,
            c -> c,
            Readiness.always(),
            List.of(
                (exchange, chain) ->
                    filterHolder[0] == null
                        ? chain.next(exchange)
                        : filterHolder[0].handle(exchange, chain)));
    filterHolder[0] =
        AllNamespaces.filter(() -> snap, (c, n) -> () -> {}, harness.upstream, options);
    harness.api.handler = this::answer;
    alice = harness.client(harness.user("alice", "system:authenticated"), HttpVersion.HTTP_2);
  }

  private final dev.tenantproxy.proxy.server.ProxyFilter[] filterHolder =
      new dev.tenantproxy.proxy.server.ProxyFilter[1];

  /** The fake API server: discovery of v1 and per-namespace configmap lists with paging. */
  private void answer(HttpServerRequest req) {
    req.response().putHeader("Content-Type", "application/json");
    if (req.path().equals("/api/v1")) {
      req.response()
          .end(
              new JsonObject()
                  .put("kind", "APIResourceList")
                  .put("groupVersion", "v1")
                  .put(
                      "resources",
                      new JsonArray()
                          .add(
                              new JsonObject()
                                  .put("name", "configmaps")
                                  .put("namespaced", true)
                                  .put("kind", "ConfigMap")
                                  .put("verbs", new JsonArray().add("list").add("watch")))
                          .add(
                              new JsonObject()
                                  .put("name", "nodes")
                                  .put("namespaced", false)
                                  .put("kind", "Node")
                                  .put("verbs", new JsonArray().add("list"))))
                  .encode());
      return;
    }
    String[] parts = req.path().split("/");
    // /api/v1/namespaces/<ns>/configmaps
    if (parts.length != 6 || !parts[3].equals("namespaces")) {
      req.response().setStatusCode(404).end("{\"kind\":\"Status\",\"code\":404}");
      return;
    }
    String ns = parts[4];
    int n = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(n, Math::max);
    Runnable respond =
        () -> {
          inFlight.decrementAndGet();
          Integer status = statusOf.get(ns);
          if (status != null) {
            req.response()
                .setStatusCode(status)
                .end("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"code\":" + status + "}");
            return;
          }
          List<String> names = objects.getOrDefault(ns, List.of());
          int from =
              req.getParam("continue") == null ? 0 : Integer.parseInt(req.getParam("continue"));
          int limit =
              req.getParam("limit") == null
                  ? Integer.MAX_VALUE
                  : Integer.parseInt(req.getParam("limit"));
          int to = (int) Math.min(names.size(), (long) from + limit);
          boolean table = String.valueOf(req.getHeader("Accept")).contains("as=Table");
          JsonArray items = new JsonArray();
          for (String name : names.subList(from, to)) {
            JsonObject meta = new JsonObject().put("name", name).put("namespace", ns);
            items.add(
                table
                    ? new JsonObject()
                        .put("cells", new JsonArray().add(name))
                        .put("object", new JsonObject().put("metadata", meta))
                    : new JsonObject().put("metadata", meta));
          }
          if (ns.equals(foreignItemIn)) {
            items.add(
                new JsonObject()
                    .put(
                        "metadata",
                        new JsonObject().put("name", "leak").put("namespace", "wind-dev")));
          }
          JsonObject meta = new JsonObject().put("resourceVersion", "42");
          if (to < names.size()) {
            meta.put("continue", Integer.toString(to));
          }
          JsonObject list =
              table
                  ? new JsonObject()
                      .put("kind", "Table")
                      .put("apiVersion", "meta.k8s.io/v1")
                      .put("metadata", meta)
                      .put(
                          "columnDefinitions",
                          new JsonArray().add(new JsonObject().put("name", "Name")))
                      .put("rows", items)
                  : new JsonObject()
                      .put("kind", "ConfigMapList")
                      .put("apiVersion", "v1")
                      .put("metadata", meta)
                      .put("items", items);
          req.response().putHeader("Warning", "299 - \"upstream says hi\"").end(list.encode());
        };
    if (answerDelayMs > 0) {
      harness.vertx.setTimer(answerDelayMs, t -> respond.run());
    } else {
      respond.run();
    }
  }

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  private static List<String> names(String body) {
    List<String> out = new ArrayList<>();
    JsonObject list = new JsonObject(body);
    JsonArray items = list.getJsonArray(list.getString("kind").equals("Table") ? "rows" : "items");
    for (int i = 0; i < items.size(); i++) {
      JsonObject o = items.getJsonObject(i);
      JsonObject meta =
          o.containsKey("object")
              ? o.getJsonObject("object").getJsonObject("metadata")
              : o.getJsonObject("metadata");
      out.add(meta.getString("name"));
    }
    return out;
  }

  private List<FakeApiServer.Recorded> lists() {
    return harness.api.requests.stream()
        .filter(r -> r.uri().startsWith("/api/v1/namespaces/"))
        .toList();
  }

  @Test
  void mergesTheCallersNamespacesInOrderAtTheFirstAnswersResourceVersionAsTheCaller() {
    // given
    start(3, AllNamespaces.Options.defaults());

    // when
    ProxyHarness.Response r = ProxyHarness.get(alice, "/api/v1/configmaps", null);

    // then
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(names(r.body()))
        .containsExactly(
            "a-solar-00", "b-solar-00", "a-solar-01", "b-solar-01", "a-solar-02", "b-solar-02");
    JsonObject list = new JsonObject(r.body());
    assertThat(list.getString("kind")).isEqualTo("ConfigMapList");
    assertThat(list.getJsonObject("metadata").getString("resourceVersion")).isEqualTo("42");
    assertThat(list.getJsonObject("metadata").containsKey("continue")).isFalse();
    List<FakeApiServer.Recorded> lists = lists();
    assertThat(lists).hasSize(3).noneMatch(x -> x.uri().contains("wind-dev"));
    assertThat(lists.get(0).uri()).isEqualTo("/api/v1/namespaces/solar-00/configmaps");
    assertThat(lists.subList(1, 3))
        .allMatch(
            x -> x.uri().endsWith("/configmaps?resourceVersion=42&resourceVersionMatch=Exact"));
    assertThat(lists).allMatch(x -> "alice".equals(x.headers().get("Impersonate-User")));
    assertThat(lists).allMatch(x -> !x.headers().get("Authorization").contains("alice"));
    assertThat(r.headers().getAll("Warning")).containsExactly("299 - \"upstream says hi\"");
  }

  @Test
  void pagesAcrossNamespacesWithTokensThatHoldOnlyTheCallersNamespaces() {
    // given: 3, 1 and 2 objects
    objects.put("solar-00", List.of("a", "b", "c"));
    objects.put("solar-01", List.of("d"));
    objects.put("solar-02", List.of("e", "f"));
    start(3, AllNamespaces.Options.defaults());

    // when
    List<String> all = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    String token = "";
    for (int page = 0; page < 10; page++) {
      ProxyHarness.Response r =
          ProxyHarness.get(
              alice,
              "/api/v1/configmaps?limit=2" + (token.isEmpty() ? "" : "&continue=" + token),
              null);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      List<String> names = names(r.body());
      all.addAll(names);
      sizes.add(names.size());
      token = new JsonObject(r.body()).getJsonObject("metadata").getString("continue", "");
      if (token.isEmpty()) {
        break;
      }
      String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      assertThat(decoded).doesNotContain("wind").contains("\"rv\":\"42\"");
    }

    // then: every object once, in order, no page above the limit
    assertThat(all).containsExactly("a", "b", "c", "d", "e", "f");
    assertThat(sizes).allMatch(s -> s <= 2);
    // continued pages read with the upstream token or at the first page's resourceVersion
    assertThat(lists().stream().skip(1))
        .allMatch(
            x ->
                x.uri().contains("continue=")
                    || x.uri().contains("resourceVersion=42&resourceVersionMatch=Exact"));
  }

  @Test
  void aForgedTokenNamingAnotherTenantsNamespaceResumesInsideTheView() {
    // given
    start(2, AllNamespaces.Options.defaults());
    String forged =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                "{\"v\":1,\"rv\":\"42\",\"ns\":\"solar-005\",\"up\":\"0\"}"
                    .getBytes(StandardCharsets.UTF_8));
    String intoWind =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                "{\"v\":1,\"rv\":\"42\",\"ns\":\"wind-dev\",\"up\":\"1\"}"
                    .getBytes(StandardCharsets.UTF_8));

    // when
    ProxyHarness.Response after =
        ProxyHarness.get(alice, "/api/v1/configmaps?continue=" + forged, null);
    ProxyHarness.Response wind =
        ProxyHarness.get(alice, "/api/v1/configmaps?continue=" + intoWind, null);
    ProxyHarness.Response garbage =
        ProxyHarness.get(alice, "/api/v1/configmaps?continue=xyz", null);

    // then: solar-005 sorts between solar-00 and solar-01; wind-dev after every solar namespace
    assertThat(names(after.body())).containsExactly("a-solar-01", "b-solar-01");
    assertThat(names(wind.body())).isEmpty();
    assertThat(lists()).noneMatch(x -> x.uri().contains("wind-dev"));
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.body()).contains("continue key is not valid");
  }

  @Test
  void aRefusedNamespaceIsLeftOutWithAWarningAndOtherFailuresEndTheList() {
    // given
    start(3, AllNamespaces.Options.defaults());
    statusOf.put("solar-01", 403);

    // when
    ProxyHarness.Response r = ProxyHarness.get(alice, "/api/v1/configmaps", null);

    // then
    assertThat(names(r.body()))
        .containsExactly("a-solar-00", "b-solar-00", "a-solar-02", "b-solar-02");
    assertThat(r.headers().getAll("Warning"))
        .contains(
            "299 - \"tenant-proxy: configmaps of namespace solar-01 left out: the caller may not list them there\"");

    // and an upstream 410 (an expired snapshot) is the client's answer, unchanged
    statusOf.put("solar-01", 410);
    ProxyHarness.Response expired = ProxyHarness.get(alice, "/api/v1/configmaps", null);
    assertThat(expired.status()).isEqualTo(410);
  }

  @Test
  void anItemOfAnotherNamespaceInAnUpstreamAnswerIsDropped() {
    // given
    start(1, AllNamespaces.Options.defaults());
    foreignItemIn = "solar-00";

    // when
    ProxyHarness.Response r = ProxyHarness.get(alice, "/api/v1/configmaps", null);

    // then
    assertThat(names(r.body())).containsExactly("a-solar-00", "b-solar-00");
  }

  @Test
  void tablesAreMergedUnderOneSetOfColumnDefinitions() {
    // given
    start(2, AllNamespaces.Options.defaults());

    // when
    ProxyHarness.Response r =
        ProxyHarness.get(
            alice,
            "/api/v1/configmaps",
            ProxyHarness.headers("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"));

    // then
    JsonObject t = new JsonObject(r.body());
    assertThat(t.getString("kind")).isEqualTo("Table");
    assertThat(t.getJsonArray("columnDefinitions")).hasSize(1);
    assertThat(names(r.body()))
        .containsExactly("a-solar-00", "b-solar-00", "a-solar-01", "b-solar-01");
  }

  @Test
  void upstreamRequestsPerListAreBoundedByTheConcurrency() {
    // given: 20 namespaces answering slowly
    start(
        20,
        new AllNamespaces.Options(
            4,
            8L << 20,
            Duration.ofMinutes(5),
            Duration.ofSeconds(10),
            Duration.ofMinutes(30),
            Duration.ofSeconds(30),
            1 << 20));
    answerDelayMs = 20;

    // when
    ProxyHarness.Response r = ProxyHarness.get(alice, "/api/v1/configmaps", null);

    // then
    assertThat(names(r.body())).hasSize(40);
    assertThat(maxInFlight.get()).isBetween(2, 4);
  }

  @Test
  void aListLargerThanTheHoldLimitStreamsAsOneValidList() {
    // given: the head is sent after 10 bytes held, so the list streams namespace by namespace
    start(
        6,
        new AllNamespaces.Options(
            2,
            10,
            Duration.ofMinutes(5),
            Duration.ofSeconds(10),
            Duration.ofMinutes(30),
            Duration.ofSeconds(30),
            1 << 20));
    statusOf.put("solar-04", 403);

    // when
    ProxyHarness.Response r = ProxyHarness.get(alice, "/api/v1/configmaps", null);

    // then: one valid list of every readable namespace, in order
    assertThat(r.status()).isEqualTo(200);
    assertThat(names(r.body()))
        .containsExactly(
            "a-solar-00",
            "b-solar-00",
            "a-solar-01",
            "b-solar-01",
            "a-solar-02",
            "b-solar-02",
            "a-solar-03",
            "b-solar-03",
            "a-solar-05",
            "b-solar-05");
    assertThat(new JsonObject(r.body()).getJsonObject("metadata").getString("resourceVersion"))
        .isEqualTo("42");
  }

  @Test
  void othersAndClusterScopedKindsPassThrough() {
    // given
    start(1, AllNamespaces.Options.defaults());
    TestClient bob = harness.client(harness.user("carol"), HttpVersion.HTTP_2);

    // when
    ProxyHarness.get(bob, "/api/v1/configmaps", null);
    ProxyHarness.get(alice, "/api/v1/nodes", null);

    // then: forwarded as they came
    assertThat(harness.api.requests).anyMatch(x -> x.uri().equals("/api/v1/configmaps"));
    assertThat(harness.api.requests).anyMatch(x -> x.uri().equals("/api/v1/nodes"));
    assertThat(lists()).isEmpty();
  }
}
