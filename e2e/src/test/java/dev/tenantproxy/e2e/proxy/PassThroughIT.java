package dev.tenantproxy.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import dev.tenantproxy.proxy.config.ProxyConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * tenant-proxy in front of the real control plane, pass-through only: real kubectl (1.33, 1.27) and
 * a fabric8 client through the proxy get what their own RBAC allows, exactly as direct.
 */
@ExtendWith(ControlPlaneExtension.class)
class PassThroughIT {
  private static final Duration KUBECTL_BOUND = Duration.ofSeconds(60);

  /** Bound on waits (a hang guard on a busy machine, not a latency goal). */
  private static final Duration BOUND = Duration.ofSeconds(60);

  /**
   * How long this proxy answers a rejected token 401 without asking the API server again. Longer
   * than the default (5 s) so that the bad-token test does not depend on how fast two kubectl runs
   * follow each other on a busy machine.
   */
  private static final Duration NEGATIVE_TOKEN_TTL = Duration.ofMinutes(10);

  @TempDir static Path dir;
  static ProxyInFront proxy;
  static ControlPlane cp;

  @BeforeAll
  static void start(ControlPlane controlPlane) {
    cp = controlPlane;
    proxy =
        ProxyInFront.start(
            cp,
            dir,
            false,
            c ->
                c.withTokenCache(
                    new ProxyConfig.TokenCacheConfig(
                        c.tokenCache().ttl(), NEGATIVE_TOKEN_TTL, c.tokenCache().maxEntries())));
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  private static OwnedTenant tenant(String prefix) {
    return OwnedTenant.create(cp, prefix);
  }

  private static Kubectl viaProxy(String version, KubeUser user) {
    return Kubectl.version(version, proxy.kubeconfig(user));
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void capsuleOwnerManagesConfigMapsAndDeploymentsInHisNamespaceThroughTheProxy(String version)
      throws Exception {
    // given
    OwnedTenant t = tenant("solar");
    Kubectl kubectl = viaProxy(version, t.owner());
    Path manifest =
        Files.writeString(
            dir.resolve("cm-" + t.name() + ".yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: v\n");

    // when / then
    assertOk(
        kubectl.run(
            KUBECTL_BOUND, "create", "configmap", "cm1", "--from-literal=a=b", "-n", t.namespace()),
        "configmap/cm1 created");
    assertOk(
        kubectl.run(
            KUBECTL_BOUND,
            "get",
            "configmap",
            "cm1",
            "-n",
            t.namespace(),
            "-o",
            "jsonpath={.data.a}"),
        "b");
    assertOk(
        kubectl.run(KUBECTL_BOUND, "apply", "-f", manifest.toString(), "-n", t.namespace()),
        "configmap/applied created");
    assertOk(
        kubectl.run(KUBECTL_BOUND, "apply", "-f", manifest.toString(), "-n", t.namespace()),
        "configmap/applied unchanged");
    Kubectl.Result list =
        kubectl.run(KUBECTL_BOUND, "get", "configmaps", "-n", t.namespace(), "-o", "name");
    assertThat(list.stdout().lines()).as("%s", list).contains("configmap/cm1", "configmap/applied");
    assertOk(
        kubectl.run(
            KUBECTL_BOUND,
            "create",
            "deployment",
            "web",
            "--image=registry.k8s.io/pause:3.9",
            "-n",
            t.namespace()),
        "deployment.apps/web created");
    assertOk(
        kubectl.run(KUBECTL_BOUND, "get", "deployment", "web", "-n", t.namespace(), "-o", "name"),
        "deployment.apps/web");
    assertOk(
        kubectl.run(KUBECTL_BOUND, "auth", "can-i", "create", "configmaps", "-n", t.namespace()),
        "yes");
    assertOk(
        kubectl.run(KUBECTL_BOUND, "delete", "configmap", "cm1", "-n", t.namespace()),
        "configmap \"cm1\" deleted");
    assertOk(
        kubectl.run(KUBECTL_BOUND, "delete", "deployment", "web", "-n", t.namespace()),
        "deployment.apps \"web\" deleted");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void aListWithA20KbLabelSelectorIsAnsweredThroughTheProxyAsDirect(String version) {
    // given: tools build `app in (...)` selectors from hundreds of names (kubectl 1.33 speaks
    // HTTP/2 to the proxy, 1.27 too; both forward the 20 KB path in one request line / :path)
    OwnedTenant t = tenant("big");
    StringBuilder names = new StringBuilder();
    for (int i = 0; names.length() < 20_000; i++) {
      names.append(i == 0 ? "" : ",").append(String.format("name-%05d", i));
    }
    cp.adminClient()
        .configMaps()
        .inNamespace(t.namespace())
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("matched")
                .addToLabels("app", "name-00007")
                .endMetadata()
                .build())
        .create();
    String[] args = {
      "get", "configmaps", "-n", t.namespace(), "-l", "app in (" + names + ")", "-o", "name"
    };

    // when
    Kubectl.Result viaProxy = viaProxy(version, t.owner()).run(KUBECTL_BOUND, args);
    Kubectl.Result direct =
        Kubectl.version(version, t.owner().kubeconfig()).run(KUBECTL_BOUND, args);

    // then
    assertThat(direct.exitCode()).as("%s", direct).isZero();
    assertThat(viaProxy.exitCode()).as("%s", viaProxy).isZero();
    assertThat(viaProxy.stdout()).as("%s", viaProxy).isEqualTo(direct.stdout());
    assertThat(viaProxy.stdout().strip()).isEqualTo("configmap/matched");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void anotherTenantsNamespaceGivesTheSameForbiddenAsDirect(String version) {
    // given
    OwnedTenant solar = tenant("solar");
    OwnedTenant wind = tenant("wind");

    // when
    Kubectl.Result viaProxy =
        viaProxy(version, solar.owner())
            .run(KUBECTL_BOUND, "get", "configmaps", "-n", wind.namespace());
    Kubectl.Result direct =
        Kubectl.version(version, solar.owner().kubeconfig())
            .run(KUBECTL_BOUND, "get", "configmaps", "-n", wind.namespace());

    // then
    assertThat(viaProxy.exitCode()).as("%s", viaProxy).isEqualTo(1);
    assertThat(viaProxy.stderr().strip()).as("%s", viaProxy).isEqualTo(direct.stderr().strip());
    assertThat(viaProxy.stderr())
        .contains(
            "Error from server (Forbidden): configmaps is forbidden: User \""
                + solar.owner().name()
                + "\"");
  }

  @Test
  void fabric8WatchOnConfigMapsThroughTheProxyStreamsEvents() throws Exception {
    // given
    OwnedTenant t = tenant("watch");
    List<String> events = new CopyOnWriteArrayList<>();
    try (KubernetesClient owner = cp.newClient(proxy.kubeconfig(t.owner()));
        Watch watch =
            owner
                .configMaps()
                .inNamespace(t.namespace())
                .watch(
                    // from the resourceVersion of a list: what changes after it is delivered even
                    // if the API server registers the watch only after the changes below
                    new ListOptionsBuilder()
                        .withResourceVersion(
                            owner
                                .configMaps()
                                .inNamespace(t.namespace())
                                .list()
                                .getMetadata()
                                .getResourceVersion())
                        .build(),
                    new Watcher<ConfigMap>() {
                      @Override
                      public void eventReceived(Action action, ConfigMap cm) {
                        events.add(action + " " + cm.getMetadata().getName());
                      }

                      @Override
                      public void onClose(WatcherException cause) {}
                    })) {
      // when
      cp.adminClient()
          .configMaps()
          .inNamespace(t.namespace())
          .resource(
              new ConfigMapBuilder().withNewMetadata().withName("streamed").endMetadata().build())
          .create();
      cp.adminClient().configMaps().inNamespace(t.namespace()).withName("streamed").delete();

      // then
      await()
          .atMost(BOUND)
          .untilAsserted(() -> assertThat(events).contains("ADDED streamed", "DELETED streamed"));
      assertThat(watch).isNotNull();
      // fabric8 8 watches over WebSocket: the upgrade (101) was relayed by the proxy
      assertThat(proxy.metrics().scrape())
          .containsPattern(
              "tenant_proxy_requests_total\\{code=\"101\",decision=\"passed\",resource=\"configmaps\",verb=\"watch\"\\}");
    }
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void nonCapsuleAdminSeesExactlyWhatTheApiServerShows(String version) {
    // given
    tenant("admin-view");
    Kubectl viaProxy = viaProxy(version, cp.admin());
    Kubectl direct = Kubectl.version(version, cp.adminKubeconfig());

    // when / then
    for (String[] args :
        List.of(
            new String[] {"get", "namespaces", "-o", "name"},
            new String[] {"get", "clusterroles", "admin", "-o", "jsonpath={.metadata.name}"},
            new String[] {"auth", "can-i", "*", "*"},
            new String[] {"api-versions"})) {
      // direct before and after: namespaces other tests deleted may finish terminating at any
      // moment, so the proxy's answer is compared with a direct one only when the cluster did not
      // change meanwhile (else the sample is taken again)
      for (int attempt = 1; ; attempt++) {
        Kubectl.Result before = direct.run(KUBECTL_BOUND, args);
        Kubectl.Result p = viaProxy.run(KUBECTL_BOUND, args);
        Kubectl.Result after = direct.run(KUBECTL_BOUND, args);
        assertThat(p.exitCode()).as("%s", p).isZero();
        if (before.stdout().equals(after.stdout()) || attempt == 5) {
          assertThat(before.stdout())
              .as("the cluster kept changing: %s", after)
              .isEqualTo(after.stdout());
          assertThat(p.stdout()).as("%s", p).isEqualTo(before.stdout());
          break;
        }
      }
    }
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void serviceAccountBearerTokenWorksThroughTheProxy(String version) {
    // given
    OwnedTenant t = tenant("sa");
    KubeUser ci = cp.users().serviceAccountToken(t.namespace(), "ci");

    // when
    Kubectl.Result viaProxy =
        viaProxy(version, ci).run(KUBECTL_BOUND, "get", "configmaps", "-n", t.namespace());
    Kubectl.Result direct =
        Kubectl.version(version, ci.kubeconfig())
            .run(KUBECTL_BOUND, "get", "configmaps", "-n", t.namespace());

    // then: the API server sees the ServiceAccount (its own RBAC denies the list, identically)
    assertThat(viaProxy.stderr().strip()).as("%s", viaProxy).isEqualTo(direct.stderr().strip());
    assertThat(viaProxy.stderr())
        .contains("User \"system:serviceaccount:" + t.namespace() + ":ci\"");
  }

  @Test
  void badTokenGets401AndTheSecondIdenticalBadTokenDoesNotReachTheApiServer() throws Exception {
    // given
    String bad = "not-a-token-" + UUID.randomUUID();
    Path kubeconfig =
        Files.writeString(
            dir.resolve("bad-token.kubeconfig"),
            "apiVersion: v1\nkind: Config\nclusters:\n- name: p\n  cluster:\n    server: "
                + proxy.url()
                + "\n    certificate-authority: "
                + proxy.caFile()
                + "\nusers:\n- name: u\n  user:\n    token: "
                + bad
                + "\ncontexts:\n- name: c\n  context:\n    cluster: p\n    user: u\ncurrent-context: c\n");
    Kubectl kubectl = Kubectl.version("1.33", kubeconfig);
    double reviewsBefore = tokenReviews();
    // (the second run comes within this proxy's NEGATIVE_TOKEN_TTL however busy the machine)

    // when
    Kubectl.Result first = kubectl.run(KUBECTL_BOUND, "get", "pods", "-n", "default");
    Kubectl.Result second = kubectl.run(KUBECTL_BOUND, "get", "pods", "-n", "default");

    // then
    for (Kubectl.Result r : List.of(first, second)) {
      assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
      assertThat(r.stderr()).as("%s", r).contains("error: You must be logged in to the server");
    }
    assertThat(tokenReviews() - reviewsBefore).isEqualTo(1.0);
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void impersonationWithoutTheRightIsForbiddenAndWithTheRightGivesTheImpersonatedView(
      String version) {
    // given
    OwnedTenant solar = tenant("imp");
    OwnedTenant wind = tenant("imp-other");

    // when: a tenant owner tries to act as someone else
    Kubectl.Result refused =
        viaProxy(version, solar.owner())
            .run(
                KUBECTL_BOUND,
                "--as=" + wind.owner().name(),
                "get",
                "configmaps",
                "-n",
                wind.namespace());
    Kubectl.Result refusedDirect =
        Kubectl.version(version, solar.owner().kubeconfig())
            .run(
                KUBECTL_BOUND,
                "--as=" + wind.owner().name(),
                "get",
                "configmaps",
                "-n",
                wind.namespace());
    // when: the admin (who may impersonate) acts as the solar owner
    Kubectl.Result asOwnerOwn =
        viaProxy(version, cp.admin())
            .run(
                KUBECTL_BOUND,
                "--as=" + solar.owner().name(),
                "--as-group=" + Capsule.CAPSULE_USERS_GROUP,
                "auth",
                "can-i",
                "create",
                "configmaps",
                "-n",
                solar.namespace());
    Kubectl.Result asOwnerOther =
        viaProxy(version, cp.admin())
            .run(
                KUBECTL_BOUND,
                "--as=" + solar.owner().name(),
                "get",
                "configmaps",
                "-n",
                wind.namespace());
    Kubectl.Result asOwnerOtherDirect =
        Kubectl.version(version, cp.adminKubeconfig())
            .run(
                KUBECTL_BOUND,
                "--as=" + solar.owner().name(),
                "get",
                "configmaps",
                "-n",
                wind.namespace());

    // then
    assertThat(refused.exitCode()).as("%s", refused).isEqualTo(1);
    assertThat(withoutKlogPrefix(refused.stderr()))
        .as("%s", refused)
        .isEqualTo(withoutKlogPrefix(refusedDirect.stderr()));
    // the proxy's own answer, worded as the API server words it (kubectl shows "Forbidden:
    // unknown")
    java.net.http.HttpClient owner =
        client(
            new String[] {
              solar.owner().certificatePem().orElseThrow(),
              solar.owner().privateKeyPem().orElseThrow()
            });
    java.net.http.HttpResponse<String> raw =
        send(
            owner,
            "/api/v1/namespaces/" + wind.namespace() + "/configmaps",
            "Impersonate-User",
            wind.owner().name());
    assertThat(raw.statusCode()).isEqualTo(403);
    assertThat(new io.vertx.core.json.JsonObject(raw.body()).getString("message"))
        .isEqualTo(
            "users \""
                + wind.owner().name()
                + "\" is forbidden: User \""
                + solar.owner().name()
                + "\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope");
    assertThat(asOwnerOwn.stdout().strip()).as("%s", asOwnerOwn).isEqualTo("yes");
    assertThat(asOwnerOther.exitCode()).as("%s", asOwnerOther).isEqualTo(1);
    assertThat(withoutKlogPrefix(asOwnerOther.stderr()))
        .isEqualTo(withoutKlogPrefix(asOwnerOtherDirect.stderr()));
    assertThat(asOwnerOther.stderr())
        .contains("User \"" + solar.owner().name() + "\" cannot list resource \"configmaps\"");
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void kubectlWatchThroughTheProxyStreamsEventsAsTheyHappen(String version) {
    // given: kubectl get -w (a chunked HTTP watch) through the proxy, having listed what exists
    OwnedTenant t = tenant("kwatch");
    cp.adminClient()
        .configMaps()
        .inNamespace(t.namespace())
        .resource(new ConfigMapBuilder().withNewMetadata().withName("before").endMetadata().build())
        .create();
    try (Kubectl.Running watch =
        viaProxy(version, t.owner())
            .start("get", "configmaps", "-n", t.namespace(), "-w", "-o", "name")) {
      // kubectl prints the list, then watches from the list's resourceVersion: what is created
      // from now on is not in the list and can only reach it through the watch
      await()
          .atMost(BOUND)
          .until(() -> watch.stdout().lines().anyMatch("configmap/before"::equals));
      await().atMost(BOUND).until(() -> openWatches() >= 1);

      // when
      cp.adminClient()
          .configMaps()
          .inNamespace(t.namespace())
          .resource(new ConfigMapBuilder().withNewMetadata().withName("live").endMetadata().build())
          .create();

      // then: the event arrives on the open stream
      await()
          .atMost(BOUND)
          .until(
              () -> watch.stdout().lines().anyMatch("configmap/live"::equals) || !watch.isAlive());
      assertThat(watch.stdout().lines())
          .as("stderr: %s", watch.stderr())
          .containsOnlyOnce("configmap/live");
      assertThat(watch.isAlive()).as("stderr: %s", watch.stderr()).isTrue();
    }
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void execUpgradeReachesTheApiServerAndAnswersLikeDirect(String version) {
    // given: a pod that is never scheduled (this control plane has no kubelet)
    OwnedTenant t = tenant("exec");
    t.createUnscheduledPod(cp, "p");

    // when (kubectl 1.33 tries a WebSocket upgrade first, 1.27 a SPDY/3.1 POST upgrade)
    Kubectl.Result viaProxy =
        viaProxy(version, t.owner())
            .run(KUBECTL_BOUND, "exec", "p", "-n", t.namespace(), "--", "true");
    Kubectl.Result direct =
        Kubectl.version(version, t.owner().kubeconfig())
            .run(KUBECTL_BOUND, "exec", "p", "-n", t.namespace(), "--", "true");

    // then
    assertThat(viaProxy.exitCode()).as("%s", viaProxy).isEqualTo(direct.exitCode());
    assertThat(normalized(viaProxy.stderr()))
        .as("%s", viaProxy)
        .isEqualTo(normalized(direct.stderr()));
    assertThat(proxy.metrics().scrape()).contains("resource=\"pods/exec\"");
  }

  private static String normalized(String stderr) {
    return normalized(stderr, proxy, cp);
  }

  /** stderr without klog prefixes and with both servers' addresses replaced. */
  static String normalized(String stderr, ProxyInFront proxy, ControlPlane cp) {
    return withoutKlogPrefix(stderr)
        .replace(proxy.url(), "<server>")
        .replace(cp.apiServerUrl(), "<server>")
        .replace("127.0.0.1:" + proxy.port(), "<server>")
        .replace(cp.apiServerUrl().replace("https://", ""), "<server>");
  }

  @Test
  void identityHeadersAreHonouredOnlyFromTheAllowedFrontProxyCertificate() {
    // given
    OwnedTenant t = tenant("gateway");
    java.net.http.HttpClient gateway =
        client(proxy.frontProxyCertificate(ProxyInFront.FRONT_PROXY));
    java.net.http.HttpClient intruder = client(proxy.frontProxyCertificate("intruder"));
    String path = "/api/v1/namespaces/" + t.namespace() + "/configmaps";

    // when / then: the allowed gateway hands over the owner's identity
    assertThat(status(gateway, path, t.owner().name(), Capsule.CAPSULE_USERS_GROUP)).isEqualTo(200);
    // a certificate from the same CA with another name cannot: its headers are ignored -> 401
    assertThat(status(intruder, path, cp.admin().name(), "system:masters")).isEqualTo(401);
    // a user certificate cannot either: the caller stays the owner
    java.net.http.HttpClient owner =
        client(
            new String[] {
              t.owner().certificatePem().orElseThrow(), t.owner().privateKeyPem().orElseThrow()
            });
    assertThat(
            status(
                owner,
                "/api/v1/namespaces/kube-system/secrets",
                cp.admin().name(),
                "system:masters"))
        .isEqualTo(403);
  }

  private static java.net.http.HttpClient client(String[] certAndKey) {
    return java.net.http.HttpClient.newBuilder()
        .sslContext(JdkTls.sslContext(certAndKey[0], certAndKey[1], proxy.caPem()))
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  private static int status(
      java.net.http.HttpClient client, String path, String user, String group) {
    try {
      return client
          .send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(proxy.url() + path))
                  .header("X-Remote-User", user)
                  .header("X-Remote-Group", group)
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static java.net.http.HttpResponse<String> send(
      java.net.http.HttpClient client, String path, String header, String value) {
    try {
      return client.send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(proxy.url() + path))
              .header(header, value)
              .timeout(Duration.ofSeconds(30))
              .build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** kubectl's stderr without klog's time and pid prefixes. */
  static String withoutKlogPrefix(String stderr) {
    return stderr.strip().replaceAll("(?m)^[EWI]\\d{4} \\d{2}:\\d{2}:\\d{2}\\.\\d+\\s+\\d+ ", "");
  }

  private static double openWatches() {
    Matcher m =
        Pattern.compile("(?m)^tenant_proxy_open_watches\\{decision=\"passed\"\\} ([0-9.E]+)")
            .matcher(proxy.metrics().scrape());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static double tokenReviews() {
    Matcher m =
        Pattern.compile("tenant_proxy_upstream_requests_total\\{kind=\"tokenreview\"\\} ([0-9.E]+)")
            .matcher(proxy.metrics().scrape());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void theApiServersHealthPathsPassThroughWhileTheOpsPortAnswersTheProxysOwn(String version)
      throws Exception {
    // given
    OwnedTenant t = tenant("health");
    Kubectl kubectl = viaProxy(version, t.owner());

    // when
    Kubectl.Result readyz = kubectl.run(KUBECTL_BOUND, "get", "--raw", "/readyz?verbose");
    Kubectl.Result livez = kubectl.run(KUBECTL_BOUND, "get", "--raw", "/livez?verbose");
    Kubectl.Result metrics = kubectl.run(KUBECTL_BOUND, "get", "--raw", "/metrics");
    java.net.http.HttpResponse<String> own =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(proxy.opsUrl() + "/readyz?verbose"))
                    .timeout(BOUND)
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());

    // then: the API server's verbose answers (its named checks), as the caller
    assertThat(readyz.exitCode()).as("%s", readyz).isZero();
    assertThat(readyz.stdout()).as("%s", readyz).contains("[+]etcd ok", "readyz check passed");
    assertThat(livez.exitCode()).as("%s", livez).isZero();
    assertThat(livez.stdout()).as("%s", livez).contains("livez check passed");
    // the API server's /metrics needs system:monitoring, which a tenant owner lacks: its 403
    assertThat(metrics.exitCode()).as("%s", metrics).isNotZero();
    assertThat(metrics.stderr()).as("%s", metrics).containsIgnoringCase("forbidden");
    // the proxy's own readiness is on the ops port
    assertThat(own.statusCode()).isEqualTo(200);
    assertThat(own.body()).isEqualTo("ok");
  }

  private static void assertOk(Kubectl.Result r, String expectedStdout) {
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout().strip()).as("%s", r).isEqualTo(expectedStdout);
  }
}
