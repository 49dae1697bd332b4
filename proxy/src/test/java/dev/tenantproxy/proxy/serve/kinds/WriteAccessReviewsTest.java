package dev.tenantproxy.proxy.serve.kinds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.ClassKind;
import dev.tenantproxy.filters.tenancy.ClassPolicy;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import dev.tenantproxy.filters.visibility.Visibility;
import dev.tenantproxy.proxy.ops.Readiness;
import dev.tenantproxy.proxy.serve.AccessReviewsFilter;
import dev.tenantproxy.proxy.serve.IndexKindView;
import dev.tenantproxy.proxy.serve.KindService;
import dev.tenantproxy.proxy.serve.ServedKind;
import dev.tenantproxy.proxy.serve.WatchHub;
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
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access reviews of writes agree with the owner-granted writes: {@code can-i patch/update/delete}
 * of one storage class is allowed by the proxy exactly when {@link ServedKind#mayWrite} (the
 * decision {@link ClusterWritesFilter} executes) allows it; otherwise the API server answers.
 */
class WriteAccessReviewsTest {
  private static final String SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

  @TempDir static Path dir;
  static ProxyHarness h;
  static ExecutorService hubThread;
  static TestClient alice; // StorageClasses [List, Update] in solar (allowed: gold)
  static TestClient carol; // StorageClasses [List] in lunar (allowed: gold)

  @BeforeAll
  static void start() {
    TenancySnapshot snapshot =
        TenancySnapshot.empty()
            .with(
                new CapsuleConfigurationInfo(
                    "default",
                    "1",
                    List.of(Principal.user("alice"), Principal.user("carol")),
                    List.of()))
            .with(tenant("solar", "alice", List.of("List", "Update")))
            .with(tenant("lunar", "carol", List.of("List")));
    WatchCache cache = new WatchCache("storageclasses", 100);
    ClusterObjects objects = new ClusterObjects(cache, "StorageClass");
    objects.put("gold", Map.of());
    objects.put("silver", Map.of());
    objects.synced();
    hubThread = Executors.newSingleThreadExecutor();
    AtomicReference<ProxyFilter> reviews = new AtomicReference<>();
    ProxyFilter lazy = (exchange, chain) -> reviews.get().handle(exchange, chain);
    h = ProxyHarness.start(dir, c -> c, Readiness.always(), List.of(lazy));
    WatchHub hub =
        new WatchHub(
            () -> new IndexKindView(StorageClasses.INSTANCE, snapshot, cache),
            hubThread,
            cache.resourceVersion());
    KindService service =
        new KindService(
            h.vertx,
            StorageClasses.INSTANCE,
            () -> new IndexKindView(StorageClasses.INSTANCE, snapshot, cache),
            hub,
            new KindService.Options(
                Duration.ofSeconds(1), 1000, Duration.ofSeconds(1), Duration.ofMinutes(30)),
            Clock.systemUTC());
    reviews.set(
        new AccessReviewsFilter(
            new AccessReviewsFilter.Registry() {
              @Override
              public List<ServedKind> kinds() {
                return List.of(StorageClasses.INSTANCE);
              }

              @Override
              public KindService service(ServedKind kind) {
                return kind == StorageClasses.INSTANCE ? service : null;
              }

              @Override
              public boolean isCapsuleUser(Caller caller) {
                return Visibility.isCapsuleUser(snapshot, caller);
              }
            },
            h.upstream));
    // the API server: no RBAC for these users
    h.api.handler =
        req ->
            req.body()
                .onSuccess(
                    b ->
                        req.response()
                            .setStatusCode(201)
                            .putHeader("Content-Type", "application/json")
                            .end(
                                new JsonObject(b)
                                    .put("status", new JsonObject().put("allowed", false))
                                    .encode()));
    alice = h.client(h.user("alice"), HttpVersion.HTTP_1_1);
    carol = h.client(h.user("carol"), HttpVersion.HTTP_1_1);
  }

  private static TenantInfo tenant(String name, String owner, List<String> operations) {
    Principal p = Principal.user(owner);
    return new TenantInfo(
        name,
        "uid-" + name,
        "1",
        "Active",
        List.of(new Owner(p, List.of("admin"))),
        List.of(),
        List.of(
            new TenantInfo.SpecOwner(
                p, List.of(new TenantInfo.OwnerProxySetting("StorageClasses", operations)))),
        Map.of(),
        Map.of(ClassKind.STORAGE_CLASSES, ClassPolicy.of(List.of("gold"), null, null, null)));
  }

  @AfterAll
  static void stop() {
    h.close();
    hubThread.shutdownNow();
  }

  /** The review's {@code status.allowed}, and whether the API server was asked. */
  private record Answer(boolean allowed, boolean askedUpstream) {}

  private static Answer review(TestClient client, String verb, String name) {
    int before = h.api.requests.size();
    JsonObject ra =
        new JsonObject()
            .put("verb", verb)
            .put("group", "storage.k8s.io")
            .put("resource", "storageclasses")
            .put("name", name);
    ProxyHarness.Response r =
        ProxyHarness.call(
            client,
            HttpMethod.POST,
            SSAR,
            ProxyHarness.headers("Content-Type", "application/json"),
            new JsonObject()
                .put("kind", "SelfSubjectAccessReview")
                .put("apiVersion", "authorization.k8s.io/v1")
                .put("spec", new JsonObject().put("resourceAttributes", ra))
                .encode());
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return new Answer(
        new JsonObject(r.body()).getJsonObject("status").getBoolean("allowed", false),
        h.api.requests.size() > before);
  }

  @Test
  void anOwnerHoldingTheUpdateGrantMayPatchAndUpdateAVisibleClassSaysTheProxy() {
    assertThat(review(alice, "patch", "gold")).isEqualTo(new Answer(true, false));
    assertThat(review(alice, "update", "gold")).isEqualTo(new Answer(true, false));
  }

  @Test
  void withoutTheGrantOrTheObjectInViewTheApiServerAnswers() {
    assertThat(review(alice, "delete", "gold")).isEqualTo(new Answer(false, true)); // no Delete
    assertThat(review(alice, "patch", "silver")).isEqualTo(new Answer(false, true)); // not seen
    assertThat(review(alice, "patch", "missing")).isEqualTo(new Answer(false, true));
    assertThat(review(carol, "patch", "gold")).isEqualTo(new Answer(false, true)); // List only
  }
}
