package dev.tenantproxy.e2e.allnamespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import dev.tenantproxy.proxy.serve.allnamespaces.AllNamespaces;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code kubectl get configmaps -A -w} and a fabric8 {@code inAnyNamespace()} informer by a tenant
 * owner through the proxy: one upstream watch per namespace of hers, merged; a namespace the admin
 * adds to her tenant while she watches brings its objects as ADDED, one moved out sends DELETED for
 * each of its objects (those the client got from its list before the watch too) and its upstream
 * watch is closed; another tenant's objects never appear.
 */
@ExtendWith(ControlPlaneExtension.class)
class AllNamespacesWatchIT {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static ProxyInFront proxy;

  @BeforeAll
  static void startProxy(ControlPlane cp) throws IOException {
    proxy = ProxyInFront.startUntilExit(cp, "allns-watch-it");
  }

  private record Fixture(
      KubeUser alice,
      String solar,
      String wind,
      String dev,
      String leaving,
      String moving,
      String other) {}

  /**
   * alice owns solar (dev, leaving); bob owns wind (moving, other); each namespace holds one
   * ConfigMap (and kube-root-ca.crt).
   */
  private static Fixture fixture(ControlPlane cp) {
    String user = unique("alice");
    KubeUser alice = cp.users().certificate(user, Capsule.CAPSULE_USERS_GROUP);
    String solar = unique("solar");
    String wind = unique("wind");
    cp.capsule().createTenant(solar, Owner.user(user));
    cp.capsule().createTenant(wind, Owner.user(unique("bob")));
    String dev = solar + "-dev";
    String leaving = unique("leaving");
    String moving = unique("moving");
    String other = wind + "-other";
    cp.capsule().createNamespace(solar, dev);
    cp.capsule().createNamespace(solar, leaving);
    cp.capsule().createNamespace(wind, moving);
    cp.capsule().createNamespace(wind, other);
    for (String ns : List.of(dev, leaving, moving, other)) {
      configMap(cp, ns, "cm-" + ns);
    }
    await()
        .atMost(BOUND)
        .ignoreExceptions()
        .until(
            () ->
                Kubectl.version("1.33", proxy.kubeconfig(alice))
                    .run(BOUND, "get", "configmaps", "-A", "-o", "name")
                    .stdout()
                    .contains("cm-" + dev));
    await()
        .atMost(BOUND)
        .ignoreExceptions()
        .until(
            () ->
                Kubectl.version("1.33", proxy.kubeconfig(alice))
                    .run(BOUND, "get", "configmaps", "-A", "-o", "name")
                    .stdout()
                    .contains("cm-" + leaving));
    return new Fixture(alice, solar, wind, dev, leaving, moving, other);
  }

  private static void configMap(ControlPlane cp, String ns, String name) {
    cp.adminClient()
        .configMaps()
        .inNamespace(ns)
        .resource(new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  /** {@code EVENT NAMESPACE/NAME} of {@code kubectl get -A -w --output-watch-events}. */
  private static List<String> events(Kubectl.Running watch) {
    List<String> events = new ArrayList<>();
    for (String l : watch.stdout().lines().toList()) {
      String[] cols = l.trim().split("\\s+");
      if (cols.length >= 3 && !cols[0].equals("EVENT")) {
        events.add(cols[0] + " " + cols[1] + "/" + cols[2]);
      }
    }
    return events;
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerWatchingAllNamespacesFollowsANamespaceJoiningAndLeavingHerTenant(
      String version, ControlPlane cp) {
    // given
    Fixture f = fixture(cp);
    try (Kubectl.Running w =
        Kubectl.version(version, proxy.kubeconfig(f.alice()))
            .start("get", "configmaps", "-A", "-w", "--output-watch-events")) {
      await().atMost(BOUND).until(() -> events(w).contains("ADDED " + f.dev() + "/cm-" + f.dev()));
      // (`leaving`'s objects came with kubectl's list, before its watch)
      assertThat(events(w))
          .contains(
              "ADDED " + f.leaving() + "/cm-" + f.leaving(),
              "ADDED " + f.leaving() + "/kube-root-ca.crt");
      await().atMost(BOUND).until(() -> AllNamespaces.openUpstreamWatches() >= 1);
      int watchesBefore = AllNamespaces.openUpstreamWatches();
      assertThat(proxy.metrics().scrape())
          .contains("tenant_proxy_allnamespaces_upstream_watches ")
          .contains("tenant_proxy_allnamespaces_upstream_requests_total ");

      // when a new object appears in her namespace
      configMap(cp, f.dev(), "live-" + f.dev());
      // then
      await()
          .atMost(BOUND)
          .until(() -> events(w).contains("ADDED " + f.dev() + "/live-" + f.dev()));

      // when the admin moves `moving` into her tenant
      cp.capsule().moveNamespace(f.moving(), f.solar());
      // then its objects arrive as ADDED (once each), and live changes there too
      await()
          .atMost(BOUND)
          .until(() -> events(w).contains("ADDED " + f.moving() + "/cm-" + f.moving()));
      await().atMost(BOUND).until(() -> AllNamespaces.openUpstreamWatches() > watchesBefore);
      configMap(cp, f.moving(), "live-" + f.moving());
      await()
          .atMost(BOUND)
          .until(() -> events(w).contains("ADDED " + f.moving() + "/live-" + f.moving()));
      assertThat(
              events(w).stream().filter(e -> e.equals("ADDED " + f.moving() + "/cm-" + f.moving())))
          .hasSize(1);

      // when the admin moves it out again
      cp.capsule().moveNamespace(f.moving(), f.wind());
      // then every object sent from it is DELETED
      await()
          .atMost(BOUND)
          .untilAsserted(
              () ->
                  assertThat(events(w))
                      .contains(
                          "DELETED " + f.moving() + "/cm-" + f.moving(),
                          "DELETED " + f.moving() + "/live-" + f.moving(),
                          "DELETED " + f.moving() + "/kube-root-ca.crt"));
      await().atMost(BOUND).until(() -> AllNamespaces.openUpstreamWatches() == watchesBefore);
      // and afterwards nothing of it, nor of the other tenant, reaches her
      configMap(cp, f.moving(), "after-" + f.moving());
      configMap(cp, f.dev(), "marker-" + f.dev());
      await()
          .atMost(BOUND)
          .until(() -> events(w).contains("ADDED " + f.dev() + "/marker-" + f.dev()));
      assertThat(events(w)).noneMatch(e -> e.contains("after-") || e.contains(f.other()));

      // when the admin moves `leaving`, whose objects she got from the list, out of her tenant
      cp.capsule().moveNamespace(f.leaving(), f.wind());
      // then those objects are DELETED too
      await()
          .atMost(BOUND)
          .untilAsserted(
              () ->
                  assertThat(events(w))
                      .contains(
                          "DELETED " + f.leaving() + "/cm-" + f.leaving(),
                          "DELETED " + f.leaving() + "/kube-root-ca.crt"));
      await().atMost(BOUND).until(() -> AllNamespaces.openUpstreamWatches() < watchesBefore);
      assertThat(w.isAlive()).isTrue();
      assertThat(w.stderr()).isEmpty();
    }
  }

  @Test
  void fabric8InAnyNamespaceInformerHoldsExactlyHerConfigMapsAndFollowsChanges(ControlPlane cp)
      throws Exception {
    // given
    Fixture f = fixture(cp);
    try (KubernetesClient client = cp.newClient(proxy.kubeconfig(f.alice()));
        SharedIndexInformer<ConfigMap> informer =
            client.configMaps().inAnyNamespace().runnableInformer(0)) {
      // when
      informer.start().toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);

      // then exactly her ConfigMaps
      assertThat(namespacesOf(informer)).containsExactlyInAnyOrder(f.dev(), f.leaving());
      assertThat(informer.getStore().getByKey(f.dev() + "/cm-" + f.dev())).isNotNull();
      assertThat(informer.getStore().getByKey(f.leaving() + "/kube-root-ca.crt")).isNotNull();

      // a namespace she held from the start leaving takes its listed objects away
      cp.capsule().moveNamespace(f.leaving(), f.wind());
      await().atMost(BOUND).until(() -> namespacesOf(informer).equals(Set.of(f.dev())));
      assertThat(informer.getStore().getByKey(f.leaving() + "/kube-root-ca.crt")).isNull();
      assertThat(informer.getStore().getByKey(f.leaving() + "/cm-" + f.leaving())).isNull();

      // a namespace joining brings its objects, leaving takes them away
      cp.capsule().moveNamespace(f.moving(), f.solar());
      await()
          .atMost(BOUND)
          .until(() -> informer.getStore().getByKey(f.moving() + "/cm-" + f.moving()) != null);
      cp.capsule().moveNamespace(f.moving(), f.wind());
      await().atMost(BOUND).until(() -> namespacesOf(informer).equals(Set.of(f.dev())));
      configMap(cp, f.dev(), "late-" + f.dev());
      await()
          .atMost(BOUND)
          .until(() -> informer.getStore().getByKey(f.dev() + "/late-" + f.dev()) != null);
      assertThat(namespacesOf(informer)).containsExactly(f.dev());
    }
  }

  @Test
  void watchListSendsHerObjectsThenOneInitialEventsEndAndAnOldResourceVersionReplaysOnlyHers(
      ControlPlane cp) throws Exception {
    // given
    Fixture f = fixture(cp);

    // when: WatchList (sendInitialEvents), ended by the server after timeoutSeconds
    List<JsonObject> events =
        watchLines(
            f.alice(),
            "/api/v1/configmaps?watch=true&sendInitialEvents=true"
                + "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=3");

    // then: her objects as ADDED, one initial-events-end bookmark after them, nothing of wind
    List<String> added =
        events.stream()
            .filter(e -> e.getString("type").equals("ADDED"))
            .map(e -> e.getJsonObject("object").getJsonObject("metadata").getString("namespace"))
            .distinct()
            .toList();
    assertThat(added).containsExactlyInAnyOrder(f.dev(), f.leaving());
    List<JsonObject> ends =
        events.stream()
            .filter(e -> e.getString("type").equals("BOOKMARK"))
            .filter(
                e ->
                    "true"
                        .equals(
                            e.getJsonObject("object")
                                .getJsonObject("metadata")
                                .getJsonObject("annotations", new JsonObject())
                                .getString("k8s.io/initial-events-end")))
            .toList();
    assertThat(ends).hasSize(1);
    int end = events.indexOf(ends.get(0));
    assertThat(events.subList(0, end)).allMatch(e -> e.getString("type").equals("ADDED"));
    assertThat(events.toString()).doesNotContain(f.moving()).doesNotContain(f.other());

    // and a watch from an older resourceVersion replays only events of her namespaces: the
    // resourceVersion is taken before two more ConfigMaps are created (hers and wind's), so it is
    // older than both events yet recent enough that the API server's periodic compaction (every 5
    // minutes) has not removed it in a long-running suite; an expired one is covered by unit tests
    String before =
        cp.adminClient()
            .configMaps()
            .inNamespace(f.dev())
            .list()
            .getMetadata()
            .getResourceVersion();
    configMap(cp, f.dev(), "after-" + f.dev());
    configMap(cp, f.other(), "after-" + f.other());
    List<JsonObject> old =
        watchLines(
            f.alice(),
            "/api/v1/configmaps?watch=true&resourceVersion=" + before + "&timeoutSeconds=3");
    assertThat(old)
        .extracting(e -> e.getJsonObject("object").getJsonObject("metadata").getString("name"))
        .contains("after-" + f.dev())
        .doesNotContain("after-" + f.other());
    assertThat(old)
        .allSatisfy(
            e ->
                assertThat(
                        e.getJsonObject("object").getJsonObject("metadata").getString("namespace"))
                    .isIn(f.dev(), f.leaving()));
  }

  /** Every event line of a watch through the proxy, until the server ends it. */
  private static List<JsonObject> watchLines(KubeUser user, String uri) throws Exception {
    HttpResponse<java.util.stream.Stream<String>> r =
        HttpClient.newBuilder()
            .sslContext(JdkTls.forUser(user, proxy.caPem()))
            .connectTimeout(Duration.ofSeconds(10))
            .build()
            .send(
                HttpRequest.newBuilder(URI.create(proxy.url() + uri))
                    .timeout(Duration.ofSeconds(60))
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    try (var lines = r.body()) {
      return lines.filter(l -> !l.isBlank()).map(JsonObject::new).toList();
    }
  }

  private static Set<String> namespacesOf(SharedIndexInformer<ConfigMap> informer) {
    return informer.getStore().list().stream()
        .map(c -> c.getMetadata().getNamespace())
        .collect(Collectors.toSet());
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
  }
}
