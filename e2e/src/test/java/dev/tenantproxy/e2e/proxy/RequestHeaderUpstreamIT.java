package dev.tenantproxy.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeHttp;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.e2e.namespaces.ClusterKindFixtures;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import dev.tenantproxy.e2e.sandbox.ProxyInFront.Upstream;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * tenant-proxy with {@code --proxy-client-cert-file} and {@code --proxy-client-key-file} ({@link
 * Upstream#REQUEST_HEADER}) in front of the real control plane: what a caller asks for reaches the
 * API server as that caller, named in {@code X-Remote-*} headers on connections authenticated by
 * the proxy's request-header certificate, never impersonated; the API server builds the same user
 * as for a direct request; identity headers a client sends are never believed; the proxy's own
 * writes (owner grants) still work.
 */
@ExtendWith(ControlPlaneExtension.class)
class RequestHeaderUpstreamIT {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final String KUBECTL = "1.33";
  private static final String CREDENTIAL_ID = "authentication.kubernetes.io/credential-id";

  /** What a client may send to pass itself off as the cluster admin. */
  private static final String[] SPOOFED_IDENTITY = {
    "X-Remote-User", "system:admin",
    "X-Remote-Group", "system:masters",
    "X-Remote-Uid", "0",
    "X-Remote-Extra-Foo", "bar"
  };

  @TempDir static Path dir;
  static ProxyInFront proxy;
  static ControlPlane cp;

  @BeforeAll
  static void start(ControlPlane controlPlane) {
    cp = controlPlane;
    proxy = ProxyInFront.start(cp, dir, true, Upstream.REQUEST_HEADER, c -> c);
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** status.userInfo of {@code user}'s SelfSubjectReview straight to the API server. */
  private static JsonObject direct(KubeUser user, String... headers) {
    return KubeHttp.userInfo(
        KubeHttp.selfSubjectReview(
            KubeHttp.client(user, cp.caPem()), user, cp.apiServerUrl(), KubeHttp.headers(headers)));
  }

  /** status.userInfo of {@code user}'s SelfSubjectReview through the proxy. */
  private static JsonObject viaProxy(KubeUser user, String... headers) {
    return KubeHttp.userInfo(
        KubeHttp.selfSubjectReview(
            KubeHttp.client(user, proxy.caPem()), user, proxy.url(), KubeHttp.headers(headers)));
  }

  /** GET {@code base + path} as {@code user} (trusting {@code caPem}) with {@code headers}. */
  private static KubeHttp.Answer get(
      String base, String caPem, KubeUser user, String path, String... headers) {
    return KubeHttp.get(KubeHttp.client(user, caPem), user, base, path, KubeHttp.headers(headers));
  }

  private static Kubectl.Result ok(Kubectl.Result r) {
    assertThat(r.exitCode()).as("%s", r).isZero();
    return r;
  }

  /** The audit events of requests by or as {@code user}. */
  private static List<JsonObject> audited(String user) {
    return cp.auditEvents().stream()
        .filter(
            e ->
                user.equals(e.getJsonObject("user").getString("username"))
                    || (e.containsKey("impersonatedUser")
                        && user.equals(e.getJsonObject("impersonatedUser").getString("username"))))
        .toList();
  }

  @Test
  void aCertificateUserWithGroupsIsTheSameUserThroughTheProxyAsDirect() {
    // given
    String name = unique("ada");
    KubeUser ada = cp.users().certificate(name, "devs-" + name, "ops", Capsule.CAPSULE_USERS_GROUP);

    // when
    JsonObject direct = direct(ada);
    JsonObject through = viaProxy(ada);

    // then: name, groups in order, no uid, and the certificate's credential id
    assertThat(through).isEqualTo(direct);
    assertThat(through.getString("username")).isEqualTo(name);
    assertThat(through.getJsonArray("groups"))
        .isEqualTo(
            new JsonArray(
                List.of(
                    "devs-" + name, "ops", Capsule.CAPSULE_USERS_GROUP, "system:authenticated")));
    assertThat(direct.getJsonObject("extra").fieldNames()).containsExactly(CREDENTIAL_ID);
  }

  @Test
  void aServiceAccountTokenUserKeepsItsUidGroupsAndExtraThroughTheProxy() {
    // given
    KubeUser robot = cp.users().serviceAccountToken("default", unique("robot"));

    // when
    JsonObject direct = direct(robot);
    JsonObject through = viaProxy(robot);

    // then
    assertThat(through).isEqualTo(direct);
    assertThat(through.getString("username")).isEqualTo(robot.name());
    assertThat(direct.getString("uid")).isNotEmpty();
    assertThat(direct.getJsonObject("extra").fieldNames()).contains(CREDENTIAL_ID);
  }

  @Test
  void anImpersonatedUserWithUidAndEscapedExtraKeysIsTheSameThroughTheProxyAsDirect() {
    // given: the admin may impersonate anyone, with any uid and extra
    String[] impersonation = {
      "Impersonate-User", unique("someone"),
      "Impersonate-Uid", unique("uid"),
      "Impersonate-Group", "g2",
      "Impersonate-Group", "g1",
      "Impersonate-Extra-Acme.com%2FTeam", "blue",
      "Impersonate-Extra-scopes", "view",
      "Impersonate-Extra-scopes", "edit"
    };

    // when
    JsonObject direct = direct(cp.admin(), impersonation);
    JsonObject through = viaProxy(cp.admin(), impersonation);

    // then
    assertThat(through).isEqualTo(direct);
    assertThat(through.getString("username")).isEqualTo(impersonation[1]);
    assertThat(through.getJsonObject("extra"))
        .isEqualTo(
            new JsonObject()
                .put("acme.com/team", List.of("blue"))
                .put("scopes", List.of("view", "edit")));
  }

  @Test
  void theApiServerAuthenticatesTheCallerItselfAndImpersonatesNoOne() {
    // given
    KubeUser caller = cp.users().certificate(unique("audited"), "devs");

    // when
    viaProxy(caller);

    // then: the API server's audit shows the caller as who it authenticated (through the
    // impersonation upstream it would be the proxy's user, impersonating the caller)
    await().atMost(BOUND).until(() -> !audited(caller.name()).isEmpty());
    assertThat(audited(caller.name()))
        .allSatisfy(
            e -> {
              assertThat(e.getJsonObject("user").getString("username")).isEqualTo(caller.name());
              assertThat(e.containsKey("impersonatedUser")).as("%s", e).isFalse();
            });
  }

  @Test
  void identityHeadersAClientSendsAreDroppedAndTheCallerStaysItself() {
    // given: a certificate user and a token user (with a uid) who send X-Remote-* of their own
    OwnedTenant t = OwnedTenant.create(cp, "spoof");
    KubeUser robot = cp.users().serviceAccountToken(t.namespace(), "robot");

    for (KubeUser caller : List.of(t.owner(), robot)) {
      // when
      JsonObject through = viaProxy(caller, SPOOFED_IDENTITY);
      KubeHttp.Answer secrets =
          get(
              proxy.url(),
              proxy.caPem(),
              caller,
              "/api/v1/namespaces/kube-system/secrets",
              SPOOFED_IDENTITY);

      // then: the caller as the API server sees it directly, without the headers
      assertThat(through).as(caller.name()).isEqualTo(direct(caller));
      assertThat(through.getString("username")).isEqualTo(caller.name());
      assertThat(secrets.status()).as("%s", secrets).isEqualTo(403);
      assertThat(secrets.message())
          .contains("User \"" + caller.name() + "\" cannot list resource \"secrets\"");
    }
  }

  @Test
  void impersonatingWithoutTheRightIsForbiddenNamingTheCallerAsDirectEvenWithIdentityHeaders() {
    // given
    OwnedTenant t = OwnedTenant.create(cp, "imp");
    String[] headers = {
      "Impersonate-User", "system:admin",
      "Impersonate-Group", "system:masters",
      "X-Remote-User", "system:admin",
      "X-Remote-Group", "system:masters"
    };
    String path = "/api/v1/namespaces/kube-system/secrets";

    // when
    KubeHttp.Answer direct = get(cp.apiServerUrl(), cp.caPem(), t.owner(), path, headers);
    KubeHttp.Answer through = get(proxy.url(), proxy.caPem(), t.owner(), path, headers);

    // then
    assertThat(through.status()).as("%s", through).isEqualTo(403);
    assertThat(through.reason()).isEqualTo(direct.reason());
    assertThat(through.message())
        .isEqualTo(direct.message())
        .contains("User \"" + t.owner().name() + "\" cannot impersonate");
  }

  @Test
  void anOwnerReadsAndWatchesHerNamespaceWithHerOwnRbacThroughKubectlAndIsForbiddenElsewhere() {
    // given
    OwnedTenant solar = OwnedTenant.create(cp, "rh-solar");
    OwnedTenant wind = OwnedTenant.create(cp, "rh-wind");
    configMap(solar.namespace(), "before");
    configMap(wind.namespace(), "wind-only");
    Kubectl kubectl = Kubectl.version(KUBECTL, proxy.kubeconfig(solar.owner()));
    String[] elsewhere = {"get", "configmaps", "-n", wind.namespace()};

    // when / then: get, list and a list across her namespaces
    assertThat(
            ok(kubectl.run(
                    BOUND, "get", "configmap", "before", "-n", solar.namespace(), "-o", "name"))
                .stdout()
                .strip())
        .isEqualTo("configmap/before");
    assertThat(
            ok(kubectl.run(BOUND, "get", "configmaps", "-n", solar.namespace(), "-o", "name"))
                .stdout()
                .lines())
        .contains("configmap/before");
    assertThat(ok(kubectl.run(BOUND, "get", "configmaps", "-A", "-o", "name")).stdout().lines())
        .contains("configmap/before")
        .doesNotContain("configmap/wind-only");
    // and a watch streams what happens after its list
    try (Kubectl.Running watch =
        kubectl.start("get", "configmaps", "-n", solar.namespace(), "-w", "-o", "name")) {
      await()
          .atMost(BOUND)
          .until(() -> watch.stdout().lines().anyMatch("configmap/before"::equals));
      configMap(solar.namespace(), "live");
      await()
          .atMost(BOUND)
          .until(
              () -> watch.stdout().lines().anyMatch("configmap/live"::equals) || !watch.isAlive());
      assertThat(watch.stdout().lines())
          .as("stderr: %s", watch.stderr())
          .contains("configmap/live");
    }
    // and another tenant's namespace is the API server's own Forbidden, naming her
    Kubectl.Result forbidden = kubectl.run(BOUND, elsewhere);
    Kubectl.Result forbiddenDirect =
        Kubectl.version(KUBECTL, solar.owner().kubeconfig()).run(BOUND, elsewhere);
    assertThat(forbidden.exitCode()).as("%s", forbidden).isEqualTo(1);
    assertThat(PassThroughIT.withoutKlogPrefix(forbidden.stderr()))
        .isEqualTo(PassThroughIT.withoutKlogPrefix(forbiddenDirect.stderr()))
        .contains(
            "configmaps is forbidden: User \""
                + solar.owner().name()
                + "\" cannot list resource \"configmaps\"");
    // and her access reviews are answered for her, by the API server authenticating her
    assertThat(canCreateConfigMaps(kubectl, solar.namespace())).isEqualTo("yes");
    assertThat(canCreateConfigMaps(kubectl, wind.namespace())).isEqualTo("no");
    await().atMost(BOUND).until(() -> audited(solar.owner().name()).size() >= 2);
    assertThat(audited(solar.owner().name()))
        .allSatisfy(e -> assertThat(e.containsKey("impersonatedUser")).as("%s", e).isFalse());
  }

  @Test
  void execReachesTheApiServerAsTheOwnerAndAnswersLikeDirect() {
    // given
    OwnedTenant t = OwnedTenant.create(cp, "rh-exec");
    t.createUnscheduledPod(cp, "p");
    String[] exec = {"exec", "p", "-n", t.namespace(), "--", "true"};

    // when (kubectl 1.33: a WebSocket upgrade)
    Kubectl.Result through = Kubectl.version(KUBECTL, proxy.kubeconfig(t.owner())).run(BOUND, exec);
    Kubectl.Result direct = Kubectl.version(KUBECTL, t.owner().kubeconfig()).run(BOUND, exec);

    // then
    assertThat(through.exitCode()).as("%s", through).isEqualTo(direct.exitCode());
    assertThat(PassThroughIT.normalized(through.stderr(), proxy, cp))
        .as("%s", through)
        .isEqualTo(PassThroughIT.normalized(direct.stderr(), proxy, cp));
    assertThat(proxy.metrics().scrape()).contains("resource=\"pods/exec\"");
  }

  @Test
  void anOwnerGrantedWriteIsExecutedByTheProxyAndAnUngrantedOneIsForbiddenNamingTheCaller() {
    // given alice (StorageClasses List+Update) and carol (List only), both allowed class "mine"
    KubeUser alice = cp.users().certificate(unique("alice"), Capsule.CAPSULE_USERS_GROUP);
    KubeUser carol = cp.users().certificate(unique("carol"), Capsule.CAPSULE_USERS_GROUP);
    String mine = unique("rh-mine");
    ClusterKindFixtures.tenant(
        cp,
        unique("rh-solar"),
        ClusterKindFixtures.ownerWithGrants(
            alice.name(), Map.of("StorageClasses", List.of("List", "Update"))),
        "storageClasses",
        Map.of("allowed", List.of(mine)));
    ClusterKindFixtures.tenant(
        cp,
        unique("rh-lunar"),
        ClusterKindFixtures.ownerWithGrants(
            carol.name(), Map.of("StorageClasses", List.of("List"))),
        "storageClasses",
        Map.of("allowed", List.of(mine)));
    ClusterKindFixtures.storageClass(cp, mine, Map.of());
    Kubectl asAlice = Kubectl.version(KUBECTL, proxy.kubeconfig(alice));
    Kubectl asCarol = Kubectl.version(KUBECTL, proxy.kubeconfig(carol));
    for (Kubectl k : List.of(asAlice, asCarol)) {
      await()
          .atMost(BOUND)
          .until(
              () ->
                  k.run(BOUND, "get", "storageclasses", "-o", "name")
                      .stdout()
                      .lines()
                      .anyMatch(("storageclass.storage.k8s.io/" + mine)::equals));
    }

    // when
    Kubectl.Result granted = asAlice.run(BOUND, "label", "storageclass", mine, "granted=yes");
    Kubectl.Result ungranted = asCarol.run(BOUND, "label", "storageclass", mine, "carol=was-here");

    // then: alice's label is on the class (written by the proxy with its own credentials)
    assertThat(granted.exitCode()).as("%s", granted).isZero();
    Map<String, String> labels =
        cp.adminClient()
            .storage()
            .v1()
            .storageClasses()
            .withName(mine)
            .get()
            .getMetadata()
            .getLabels();
    assertThat(labels).containsEntry("granted", "yes").doesNotContainKey("carol");
    // and carol's reached the API server as carol
    assertThat(ungranted.exitCode()).as("%s", ungranted).isEqualTo(1);
    assertThat(ungranted.stderr())
        .contains("Forbidden")
        .contains("User \"" + carol.name() + "\" cannot patch resource \"storageclasses\"");
  }

  @Test
  void aProxyCertificateWhoseNameTheApiServerDoesNotAllowActsForNoOne(@TempDir Path other) {
    // given: a proxy presenting a request-header certificate with a CN the API server refuses
    Pki.KeyFiles refused = cp.requestHeaderClient("not-allowed", other.resolve("client"));
    OwnedTenant t = OwnedTenant.create(cp, "rh-refused");
    try (ProxyInFront wrong =
        ProxyInFront.start(
            cp,
            other,
            false,
            Upstream.IMPERSONATION,
            c -> c.withProxyClient(refused.cert(), refused.key()))) {

      // when
      KubeHttp.Answer review =
          KubeHttp.selfSubjectReview(
              KubeHttp.client(t.owner(), wrong.caPem()), t.owner(), wrong.url(), List.of());
      KubeHttp.Answer secrets =
          get(
              wrong.url(),
              wrong.caPem(),
              t.owner(),
              "/api/v1/namespaces/kube-system/secrets",
              SPOOFED_IDENTITY);

      // then: refused, neither as the owner nor as the proxy's own (admin) user
      assertThat(review.status()).as("%s", review).isEqualTo(401);
      assertThat(secrets.status()).as("%s", secrets).isEqualTo(401);
      // and the proxy does not take traffic: its probe was refused the same way
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(10))
          .until(() -> wrong.readyzStatus() == 503);
    }
  }

  @Test
  void theProxyIsReadyOnceTheApiServerTakesItsAssertedProbeUser() {
    await().atMost(BOUND).until(() -> proxy.readyzStatus() == 200);
  }

  private static String canCreateConfigMaps(Kubectl kubectl, String namespace) {
    return kubectl
        .run(BOUND, "auth", "can-i", "create", "configmaps", "-n", namespace)
        .stdout()
        .strip();
  }

  private static void configMap(String namespace, String name) {
    cp.adminClient()
        .configMaps()
        .inNamespace(namespace)
        .resource(new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }
}
