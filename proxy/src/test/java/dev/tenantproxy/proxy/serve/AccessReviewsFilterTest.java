package dev.tenantproxy.proxy.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.proxy.ops.Readiness;
import dev.tenantproxy.proxy.serve.kinds.Namespaces;
import dev.tenantproxy.proxy.server.ProxyFilter;
import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.TestClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SelfSubjectAccessReviews about namespaces, through the proxy as clients send them. */
class AccessReviewsFilterTest {

  private static final String SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

  @TempDir static Path dir;
  static ProxyHarness h;
  static ExecutorService hubThread;
  static TestClient alice;
  static TestClient stranger;

  @BeforeAll
  static void start() {
    Fleet fleet = Fleet.standard();
    hubThread = Executors.newSingleThreadExecutor();
    AtomicReference<ProxyFilter> reviews = new AtomicReference<>();
    ProxyFilter lazy = (exchange, chain) -> reviews.get().handle(exchange, chain);
    h = ProxyHarness.start(dir, c -> c, Readiness.always(), List.of(lazy));
    WatchHub hub = new WatchHub(fleet, hubThread, fleet.cache.resourceVersion());
    KindService service =
        new KindService(
            h.vertx,
            Namespaces.INSTANCE,
            fleet,
            hub,
            new KindService.Options(
                Duration.ofSeconds(1), 1000, Duration.ofSeconds(1), Duration.ofMinutes(30)),
            Clock.systemUTC());
    reviews.set(
        new AccessReviewsFilter(
            new AccessReviewsFilter.Registry() {
              @Override
              public List<ServedKind> kinds() {
                return List.of(Namespaces.INSTANCE);
              }

              @Override
              public KindService service(ServedKind kind) {
                return kind == Namespaces.INSTANCE ? service : null;
              }

              @Override
              public boolean isCapsuleUser(dev.tenantproxy.filters.identity.Caller caller) {
                return fleet.get().isCapsuleUser(caller);
              }
            },
            h.upstream,
            dev.tenantproxy.proxy.serve.allnamespaces.AllNamespaces.filter(
                    () -> fleet.snapshot,
                    (context, namespace) -> () -> {},
                    h.upstream,
                    dev.tenantproxy.proxy.serve.allnamespaces.AllNamespaces.Options.defaults())
                ::serves));
    alice = h.client(h.user("alice"), HttpVersion.HTTP_1_1);
    stranger = h.client(h.user("stranger"), HttpVersion.HTTP_1_1);
  }

  @AfterAll
  static void stop() {
    h.close();
    hubThread.shutdownNow();
  }

  private static ProxyHarness.Response review(TestClient client, String verb, String namespace) {
    return review(client, verb, namespace, null);
  }

  private static ProxyHarness.Response review(
      TestClient client, String verb, String namespace, String name) {
    JsonObject ra = new JsonObject().put("verb", verb).put("resource", "namespaces");
    if (namespace != null) {
      ra.put("namespace", namespace);
    }
    if (name != null) {
      ra.put("name", name);
    }
    return review(client, ra);
  }

  private static ProxyHarness.Response review(TestClient client, JsonObject ra) {
    JsonObject body =
        new JsonObject()
            .put("kind", "SelfSubjectAccessReview")
            .put("apiVersion", "authorization.k8s.io/v1")
            .put("spec", new JsonObject().put("resourceAttributes", ra));
    return ProxyHarness.call(
        client,
        HttpMethod.POST,
        SSAR,
        ProxyHarness.headers("Content-Type", "application/json"),
        body.encode());
  }

  @Test
  void anOwnerIsAllowedToListWatchAndGetNamespacesWhateverNamespaceK9sSets() {
    for (String verb : List.of("list", "watch", "get")) {
      for (String namespace : new String[] {null, "", "default"}) {
        ProxyHarness.Response r = review(alice, verb, namespace);
        assertThat(r.status()).as(verb + " in " + namespace + ": " + r.body()).isEqualTo(201);
        assertThat(new JsonObject(r.body()).getJsonObject("status").getBoolean("allowed"))
            .as(verb + " in " + namespace)
            .isTrue();
      }
    }
  }

  @Test
  void anOwnersProtobufReviewInNamespaceDefaultAsClientGo133SendsItIsAllowed() {
    ProxyHarness.Response r =
        ProxyHarness.await(
            alice.exchange(
                agent ->
                    agent
                        .request(
                            new io.vertx.core.http.RequestOptions()
                                .setMethod(HttpMethod.POST)
                                .setURI(SSAR))
                        .compose(
                            req -> {
                              req.putHeader("Content-Type", "application/vnd.kubernetes.protobuf");
                              req.putHeader("Accept", "application/json");
                              return req.send(
                                      io.vertx.core.buffer.Buffer.buffer(
                                          ResourceAttributesTest.KUBECTL_133_PROTOBUF))
                                  .compose(
                                      resp ->
                                          resp.body()
                                              .map(
                                                  b ->
                                                      new ProxyHarness.Response(
                                                          resp.statusCode(),
                                                          resp.headers(),
                                                          b.toString())));
                            })));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    JsonObject answer = new JsonObject(r.body());
    assertThat(answer.getJsonObject("status").getBoolean("allowed")).isTrue();
    assertThat(
            answer.getJsonObject("spec").getJsonObject("resourceAttributes").getString("namespace"))
        .isEqualTo("default");
  }

  @Test
  void anOwnerIsAllowedToListAndWatchWithTheNameK9sSetsEvenWhenThatNamespaceIsNotVisible() {
    // k9s v0.50.16 (captured through the proxy): verb list, namespace "default", name "default"
    for (String verb : List.of("list", "watch")) {
      int before = countUpstreamReviews();
      ProxyHarness.Response r = review(alice, verb, "default", "default");
      assertThat(r.status()).as(verb + ": " + r.body()).isEqualTo(201);
      assertThat(new JsonObject(r.body()).getJsonObject("status").getBoolean("allowed"))
          .as(verb)
          .isTrue();
      assertThat(countUpstreamReviews()).as(verb + " answered by the proxy").isEqualTo(before);
    }
  }

  @Test
  void anOwnersGetOfANamespaceItCannotSeeIsLeftToTheApiServer() {
    int before = countUpstreamReviews();
    review(alice, "get", "", "default");
    assertThat(countUpstreamReviews()).isEqualTo(before + 1);
  }

  @Test
  void aReviewBySomeoneCapsuleDoesNotKnowGoesToTheApiServer() {
    int before = countUpstreamReviews();
    review(stranger, "list", "default");
    assertThat(countUpstreamReviews()).isEqualTo(before + 1);
  }

  @Test
  void lensWatchOfEveryKindAtClusterScopeIsAllowedForAnOwnerWithTheLimitStated() {
    // Lens / Freelens at connect: {verb: watch, resource: "*"}, no group, no namespace
    for (JsonObject ra :
        List.of(
            new JsonObject().put("verb", "watch").put("resource", "*"),
            new JsonObject().put("verb", "watch").put("resource", "*").put("group", "*"),
            new JsonObject().put("verb", "list").put("resource", "*").put("namespace", ""))) {
      int before = countUpstreamReviews();
      ProxyHarness.Response r = review(alice, ra);
      assertThat(r.status()).as(ra + ": " + r.body()).isEqualTo(201);
      JsonObject status = new JsonObject(r.body()).getJsonObject("status");
      assertThat(status.getBoolean("allowed")).as(ra.encode()).isTrue();
      assertThat(status.getString("reason"))
          .contains("every namespaced kind")
          .contains("other cluster-scoped kinds are answered by the API server");
      assertThat(countUpstreamReviews()).as(ra + " answered by the proxy").isEqualTo(before);
    }
  }

  @Test
  void otherReviewsOfEveryKindAndEveryoneElsesGoToTheApiServer() {
    for (JsonObject ra :
        List.of(
            // Lens's isAdmin probe
            new JsonObject()
                .put("verb", "create")
                .put("resource", "*")
                .put("namespace", "kube-system"),
            new JsonObject().put("verb", "get").put("resource", "*"),
            new JsonObject().put("verb", "watch").put("resource", "*").put("group", "apps"),
            new JsonObject().put("verb", "watch").put("resource", "*").put("subresource", "status"),
            new JsonObject()
                .put("verb", "watch")
                .put("resource", "*")
                .put("namespace", "solar-dev"))) {
      int before = countUpstreamReviews();
      review(alice, ra);
      assertThat(countUpstreamReviews()).as(ra.encode()).isEqualTo(before + 1);
    }
    int before = countUpstreamReviews();
    review(stranger, new JsonObject().put("verb", "watch").put("resource", "*"));
    assertThat(countUpstreamReviews()).isEqualTo(before + 1);
  }

  private static int countUpstreamReviews() {
    return (int) h.api.requests.stream().filter(r -> r.uri().startsWith(SSAR)).count();
  }
}
