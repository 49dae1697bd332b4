package dev.tenantproxy.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kube-apiserver restarts (same etcd, certificates and port) while 200 watches are open through the
 * proxy: 150 served namespace watches, 50 passed-through ConfigMap watches, a fabric8 informer and
 * {@code kubectl get namespaces -w}. Runs on its own control plane (the shared one serves other
 * tests of the JVM and must not go down).
 *
 * <p>What must hold: the proxy process keeps serving ({@code /healthz} 200 throughout, never a
 * 500); {@code /readyz} turns 503 while the index has no watch and 200 once it follows again;
 * served watches continue without loss (they are fed by the proxy's watch cache, which the index
 * re-syncs after the restart); passed-through watches end cleanly (the upstream stream ended, the
 * client's chunked stream is terminated, not reset) and their clients re-watch; the informer
 * through the proxy converges to the right set, a namespace moved between tenants right after the
 * restart included. All-namespaces ConfigMap watches (10 raw, {@code kubectl get configmaps -A -w}
 * and a fabric8 {@code inAnyNamespace()} informer of the owner) each keep watching or end cleanly
 * (end of stream, or ERROR 410) and recover by their own re-list: afterwards each view holds the
 * ConfigMap made while the proxy was recovering and the one made in the namespace that joined, not
 * those of the namespace that left, and never another tenant's.
 */
class ApiServerRestartIT {
  private static final int SERVED = 150;
  private static final int PASSED = 50;
  private static final int STREAMS_PER_CLIENT = 50;
  private static final int ALL_NAMESPACES = 10;
  private static final Duration BOUND = Duration.ofSeconds(90);

  private static ControlPlane cp;
  private static final ConcurrentLinkedQueue<String> PROBE_ERRORS = new ConcurrentLinkedQueue<>();

  @TempDir Path dir;

  @BeforeAll
  static void ownControlPlane() throws Exception {
    Path target = Path.of("target");
    Path cpDir =
        Files.isDirectory(target)
            ? Files.createTempDirectory(target.toAbsolutePath(), "control-plane-restart-")
            : Files.createTempDirectory("tenant-proxy-control-plane-restart-");
    long start = System.nanoTime();
    cp = ControlPlane.builder().directory(cpDir).start();
    System.err.printf(
        "[restart] own control plane started in %d ms%n", (System.nanoTime() - start) / 1_000_000);
  }

  @AfterAll
  static void stopControlPlane() {
    if (cp != null) {
      cp.close();
    }
  }

  /** One raw watch stream: the lines it received and how it ended. */
  private static final class Watch implements Flow.Subscriber<String> {
    final CompletableFuture<Void> firstLine = new CompletableFuture<>();
    final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
    final CompletableFuture<String> ended = new CompletableFuture<>();
    volatile CompletableFuture<HttpResponse<Void>> response;
    volatile Flow.Subscription subscription;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    void cancel() {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }

    @Override
    public void onNext(String line) {
      lines.add(line);
      firstLine.complete(null);
    }

    @Override
    public void onError(Throwable t) {
      ended.complete("error: " + t);
    }

    @Override
    public void onComplete() {
      ended.complete("complete");
    }

    boolean saw(String type, String name) {
      return lines.stream()
          .anyMatch(l -> l.contains("\"type\":\"" + type + "\"") && l.contains("\"" + name + "\""));
    }
  }

  @Test
  void apiServerRestartKeepsProxyUpServedWatchesLosslessPassedWatchesEndCleanlyAndClientsConverge()
      throws Exception {
    // given: tenant with two namespaces (a ConfigMap in the first), its owner, a second tenant
    String id = UUID.randomUUID().toString().substring(0, 8);
    String tenant = "rs-" + id;
    String other = "rs-other-" + id;
    KubeUser owner = cp.users().certificate("rs-owner-" + id, Capsule.CAPSULE_USERS_GROUP);
    cp.capsule().createTenant(tenant, Owner.user(owner.name()));
    cp.capsule().createTenant(other, Owner.user("rs-someone-" + id));
    String a = tenant + "-a";
    String b = tenant + "-b";
    String c = tenant + "-c";
    cp.capsule().createNamespace(tenant, a);
    cp.capsule().createNamespace(tenant, b);
    cp.adminClient()
        .configMaps()
        .inNamespace(a)
        .resource(new ConfigMapBuilder().withNewMetadata().withName("seen").endMetadata().build())
        .create();
    // another tenant's ConfigMaps: no all-namespaces view of the owner may ever show them
    String foreignNs = other + "-x";
    String foreign = "rs-foreign-" + id;
    cp.capsule().createNamespace(other, foreignNs);
    createConfigMap(foreignNs, foreign);

    try (ProxyInFront proxy = ProxyInFront.start(cp, dir.resolve("proxy"), true);
        KubernetesClient viaProxy = cp.newClient(proxy.kubeconfig(owner))) {
      HttpClient ops =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .sslContext(JdkTls.trusting(proxy.caPem()))
              .connectTimeout(Duration.ofSeconds(10))
              .build();
      await().atMost(BOUND).until(() -> code(ops, proxy.opsUrl() + "/readyz") == 200);
      List<HttpClient> clients = new ArrayList<>();
      for (int i = 0; i < (SERVED + PASSED) / STREAMS_PER_CLIENT; i++) {
        HttpClient h2 =
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(JdkTls.forUser(owner, proxy.caPem()))
                .connectTimeout(Duration.ofSeconds(30))
                .build();
        // one HTTP/2 connection per client before its streams start
        await().atMost(BOUND).until(() -> get(h2, proxy.url() + "/api/v1/namespaces").contains(a));
        clients.add(h2);
      }

      // the fabric8 informer through the proxy: its store is what its user sees
      SharedIndexInformer<Namespace> informer =
          viaProxy
              .namespaces()
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Namespace ns) {}

                    @Override
                    public void onUpdate(Namespace oldNs, Namespace newNs) {}

                    @Override
                    public void onDelete(Namespace ns, boolean unknownFinalState) {}
                  });
      await().atMost(BOUND).until(() -> names(informer).equals(Set.of(a, b)));
      // an owner's all-namespaces ConfigMap informer (fabric8 inAnyNamespace) through the proxy
      Set<String> anyNamespaceSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
      SharedIndexInformer<ConfigMap> anyNamespace =
          viaProxy
              .configMaps()
              .inAnyNamespace()
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(ConfigMap cm) {
                      anyNamespaceSeen.add(key(cm));
                    }

                    @Override
                    public void onUpdate(ConfigMap oldCm, ConfigMap newCm) {
                      anyNamespaceSeen.add(key(newCm));
                    }

                    @Override
                    public void onDelete(ConfigMap cm, boolean unknownFinalState) {}
                  });
      await().atMost(BOUND).until(() -> keys(anyNamespace).contains(a + "/seen"));
      HttpClient anyClient =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_2)
              .sslContext(JdkTls.forUser(owner, proxy.caPem()))
              .connectTimeout(Duration.ofSeconds(30))
              .build();
      await()
          .atMost(BOUND)
          .until(() -> get(anyClient, proxy.url() + "/api/v1/configmaps").contains("seen"));

      Path kubeconfig = proxy.kubeconfig(owner);
      try (Kubectl.Running kubectlWatch =
              Kubectl.version("1.33", kubeconfig).start("get", "namespaces", "-w", "-o", "name");
          Kubectl.Running kubectlPassedWatch =
              Kubectl.version("1.33", kubeconfig)
                  .start("get", "configmaps", "-n", a, "-w", "-o", "name");
          Kubectl.Running kubectlAllWatch =
              Kubectl.version("1.33", kubeconfig)
                  .start("get", "configmaps", "-A", "-w", "-o", "name")) {
        List<Watch> served = new ArrayList<>();
        List<Watch> passed = new ArrayList<>();
        for (int i = 0; i < SERVED + PASSED; i++) {
          boolean isServed = i < SERVED;
          String path =
              isServed
                  ? "/api/v1/namespaces?watch=true"
                  : "/api/v1/namespaces/" + a + "/configmaps?watch=true";
          Watch w = new Watch();
          w.response =
              clients
                  .get(i / STREAMS_PER_CLIENT)
                  .sendAsync(
                      HttpRequest.newBuilder(URI.create(proxy.url() + path)).build(),
                      HttpResponse.BodyHandlers.fromLineSubscriber(w));
          (isServed ? served : passed).add(w);
        }
        // all-namespaces ConfigMap watches (served by per-namespace upstream watches)
        List<Watch> anyWatches = new ArrayList<>();
        for (int i = 0; i < ALL_NAMESPACES; i++) {
          Watch w = new Watch();
          w.response =
              anyClient.sendAsync(
                  HttpRequest.newBuilder(URI.create(proxy.url() + "/api/v1/configmaps?watch=true"))
                      .build(),
                  HttpResponse.BodyHandlers.fromLineSubscriber(w));
          anyWatches.add(w);
        }
        List<Watch> all = new ArrayList<>(served);
        all.addAll(passed);
        all.addAll(anyWatches);
        await()
            .atMost(BOUND)
            .untilAsserted(
                () ->
                    assertThat(all.stream().filter(w -> !w.firstLine.isDone()).count())
                        .as("watches without their first event")
                        .isZero());
        assertThat(all).allSatisfy(w -> assertThat(w.ended).isNotDone());
        await().atMost(BOUND).until(() -> kubectlWatch.stdout().contains("namespace/" + a));
        await().atMost(BOUND).until(() -> kubectlAllWatch.stdout().contains("configmap/seen"));

        // probe the proxy every 100 ms for the whole outage: liveness and readiness
        ConcurrentLinkedQueue<Integer> healthz = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> readyz = new ConcurrentLinkedQueue<>();
        AtomicBoolean probing = new AtomicBoolean(true);
        ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor();
        prober.scheduleWithFixedDelay(
            () -> {
              if (probing.get()) {
                healthz.add(code(ops, proxy.opsUrl() + "/healthz"));
                readyz.add(code(ops, proxy.opsUrl() + "/readyz"));
              }
            },
            0,
            100,
            TimeUnit.MILLISECONDS);
        try {
          // when: kube-apiserver goes down
          long stopping = System.nanoTime();
          cp.stopApiServer();
          long down = System.nanoTime();
          // then: readiness turns 503 while the index cannot follow
          await().atMost(BOUND).until(() -> readyz.contains(503));
          long notReady = System.nanoTime();
          // served reads still answer from the index; a pass-through read is a 503 Status
          HttpResponse<String> list = send(clients.get(0), proxy.url() + "/api/v1/namespaces");
          assertThat(list.statusCode()).isEqualTo(200);
          assertThat(list.body()).contains(a, b);
          HttpResponse<String> passedRead =
              send(clients.get(0), proxy.url() + "/api/v1/namespaces/" + a + "/configmaps");
          assertThat(passedRead.statusCode()).as(passedRead.body()).isEqualTo(503);
          assertThat(passedRead.body()).contains("\"kind\":\"Status\"");
          // passed-through watches end: the upstream is gone, the client's stream is terminated
          await()
              .atMost(BOUND)
              .untilAsserted(
                  () -> assertThat(passed).allSatisfy(w -> assertThat(w.ended).isDone()));
          assertThat(passed.stream().map(w -> w.ended.join()).collect(Collectors.toSet()))
              .as("how the passed-through watches ended")
              .containsExactly("complete");
          // kubectl -w through the proxy on the passed-through watch ends cleanly (exit 0)
          await().atMost(BOUND).until(() -> !kubectlPassedWatch.isAlive());
          assertThat(kubectlPassedWatch.exitCode())
              .as("kubectl -w exit, stderr: " + kubectlPassedWatch.stderr())
              .isZero();

          cp.startApiServer(BOUND);
          long up = System.nanoTime();
          // objects made while the proxy has not recovered yet: the owner's, and another tenant's
          String during = "rs-during-" + id;
          String foreignDuring = "rs-foreign-during-" + id;
          createConfigMap(a, during);
          createConfigMap(foreignNs, foreignDuring);
          await().atMost(BOUND).until(() -> code(ops, proxy.opsUrl() + "/readyz") == 200);
          long ready = System.nanoTime();
          System.err.printf(
              "[restart] API server took %d ms to stop, was down %d ms; proxy not ready %d ms after"
                  + " it exited; ready again %d ms after the API server answered /readyz%n",
              (down - stopping) / 1_000_000,
              (up - down) / 1_000_000,
              (notReady - down) / 1_000_000,
              (ready - up) / 1_000_000);

          // right after the restart: a namespace joins, one moves to another tenant
          long changed = System.nanoTime();
          cp.capsule().createNamespace(tenant, c);
          long created = System.nanoTime();
          cp.capsule().moveNamespace(b, other);
          long moved = System.nanoTime();

          // then: the informer through the proxy converges
          await().atMost(BOUND).until(() -> names(informer).equals(Set.of(a, c)));
          System.err.printf(
              "[restart] informer through the proxy current %d ms after the changes%n",
              (System.nanoTime() - changed) / 1_000_000);
          // every served watch stayed open and saw both changes (nothing lost)
          await()
              .atMost(BOUND)
              .untilAsserted(
                  () ->
                      assertThat(served)
                          .allSatisfy(
                              w -> {
                                assertThat(w.ended).isNotDone();
                                assertThat(w.saw("ADDED", c)).isTrue();
                                assertThat(w.saw("DELETED", b)).isTrue();
                              }));
          // each served watch saw b deleted exactly once and c added exactly once (no duplicates
          // from the index's re-sync)
          for (Watch w : served) {
            assertThat(
                    w.lines.stream()
                        .filter(l -> l.contains("\"type\":\"DELETED\"") && l.contains(b))
                        .count())
                .isEqualTo(1);
            assertThat(
                    w.lines.stream()
                        .filter(l -> l.contains("\"type\":\"ADDED\"") && l.contains(c))
                        .count())
                .isEqualTo(1);
          }
          await().atMost(BOUND).until(() -> kubectlWatch.stdout().contains("namespace/" + c));
          assertThat(kubectlWatch.isAlive()).as(kubectlWatch.stderr()).isTrue();

          // all-namespaces views: a ConfigMap in the namespace that joined after the restart
          String inC = "rs-in-c-" + id;
          long namespacesCurrent = System.nanoTime();
          createConfigMap(c, inC);
          long inCreated = System.nanoTime();
          // the fabric8 inAnyNamespace informer re-watched (or re-listed) by itself and is
          // current: what was made during the outage and after it, and nothing of b, which left
          // right after the proxy was ready: while its watch was open (DELETEDs), or before its
          // re-watch from a resourceVersion X started (that watch is then ERROR 410 and the
          // informer re-lists; see "Resuming after the view changed" in the DESIGN note of
          // serve/allnamespaces)
          await()
              .atMost(BOUND)
              .untilAsserted(
                  () ->
                      assertThat(keys(anyNamespace))
                          .contains(a + "/seen", a + "/" + during, c + "/" + inC)
                          .noneMatch(k -> k.startsWith(b + "/")));
          long anyCurrent = System.nanoTime();
          System.err.printf(
              "[restart] inAnyNamespace informer through the proxy current %d ms after the"
                  + " changes (admin: createNamespace %d ms, moveNamespace %d ms; namespace"
                  + " informer current +%d ms; ConfigMap created +%d ms; then informer current +%d"
                  + " ms)%n",
              (anyCurrent - changed) / 1_000_000,
              (created - changed) / 1_000_000,
              (moved - created) / 1_000_000,
              (namespacesCurrent - moved) / 1_000_000,
              (inCreated - namespacesCurrent) / 1_000_000,
              (anyCurrent - inCreated) / 1_000_000);
          // the raw all-namespaces watches: each is still open and saw the new objects, or ended
          // cleanly (end of stream, or one ERROR 410 as its last line) and its re-list is current
          List<String> anyEnds = new ArrayList<>();
          for (Watch w : anyWatches) {
            if (!w.ended.isDone()) {
              await()
                  .atMost(BOUND)
                  .until(() -> w.ended.isDone() || w.saw("ADDED", during) && w.saw("ADDED", inC));
            }
            if (!w.ended.isDone()) {
              anyEnds.add("open");
              continue;
            }
            String how = w.ended.join();
            String last = w.lines.stream().reduce((x, y) -> y).orElse("");
            boolean error410 = last.contains("\"type\":\"ERROR\"") && last.contains("410");
            assertThat(how.equals("complete") || error410)
                .as("how an all-namespaces watch ended: %s, last line %s", how, last)
                .isTrue();
            anyEnds.add(error410 ? "ERROR 410" : how);
            await()
                .atMost(BOUND)
                .untilAsserted(
                    () -> {
                      HttpResponse<String> relist =
                          send(anyClient, proxy.url() + "/api/v1/configmaps");
                      assertThat(relist.statusCode()).as(relist.body()).isEqualTo(200);
                      assertThat(relist.body())
                          .contains("\"" + during + "\"", "\"" + inC + "\"")
                          .doesNotContain(foreign, "\"namespace\":\"" + b + "\"");
                    });
          }
          System.err.printf("[restart] all-namespaces watches after the restart: %s%n", anyEnds);
          // kubectl get configmaps -A -w: still watching and saw them, or ended with exit 0 and
          // its re-list (kubectl get -A) is current
          await()
              .atMost(BOUND)
              .until(
                  () ->
                      !kubectlAllWatch.isAlive()
                          || kubectlAllWatch.stdout().contains("configmap/" + during)
                              && kubectlAllWatch.stdout().contains("configmap/" + inC));
          if (!kubectlAllWatch.isAlive()) {
            assertThat(kubectlAllWatch.exitCode())
                .as("kubectl get -A -w exit, stderr: " + kubectlAllWatch.stderr())
                .isZero();
            Kubectl.Result relist =
                Kubectl.version("1.33", kubeconfig)
                    .run(BOUND, "get", "configmaps", "-A", "-o", "name");
            assertThat(relist.stdout())
                .as(relist.toString())
                .contains("configmap/" + during, "configmap/" + inC);
          }
          System.err.printf(
              "[restart] kubectl get configmaps -A -w after the restart: %s%n",
              kubectlAllWatch.isAlive() ? "still watching" : "ended, exit 0, re-list current");
          // another tenant's objects never reached any all-namespaces view
          for (String name : List.of(foreign, foreignDuring)) {
            assertThat(kubectlAllWatch.stdout()).doesNotContain(name);
            assertThat(anyNamespaceSeen).noneMatch(k -> k.contains(name));
            assertThat(anyWatches)
                .allSatisfy(w -> assertThat(w.lines).noneMatch(l -> l.contains(name)));
          }
          assertThat(anyNamespaceSeen).noneMatch(k -> k.startsWith(foreignNs + "/"));

          // a passed-through client that re-watches gets the ConfigMap again
          Watch again = new Watch();
          again.response =
              clients
                  .get(0)
                  .sendAsync(
                      HttpRequest.newBuilder(
                              URI.create(
                                  proxy.url() + "/api/v1/namespaces/" + a + "/configmaps?watch=1"))
                          .build(),
                      HttpResponse.BodyHandlers.fromLineSubscriber(again));
          await().atMost(BOUND).until(() -> again.saw("ADDED", "seen"));
        } finally {
          probing.set(false);
          // shutdown, not shutdownNow: interrupting a probe in flight records an error, not a code
          prober.shutdown();
          prober.awaitTermination(30, TimeUnit.SECONDS);
        }
        assertThat(healthz)
            .as("/healthz during the outage " + PROBE_ERRORS)
            .isNotEmpty()
            .containsOnly(200);
        assertThat(readyz).as("/readyz during the outage " + PROBE_ERRORS).containsOnly(200, 503);
        informer.close();
        anyNamespace.close();
        // nothing leaks: once the clients are gone, no served watch stays open
        all.forEach(Watch::cancel);
      }
      await()
          .atMost(BOUND)
          .untilAsserted(
              () ->
                  assertThat(proxy.metrics().scrape())
                      .containsPattern(
                          "tenant_proxy_open_watches\\{decision=\"served\",?\\} 0\\.0"));
    }
  }

  @Test
  void aServedWatchAtACompactedResourceVersionGets410AsFromTheApiServerAndInformersRecover()
      throws Exception {
    // given: a tenant, and a resourceVersion from before the proxy started, then compacted away
    String id = UUID.randomUUID().toString().substring(0, 8);
    String tenant = "cmp-" + id;
    KubeUser owner = cp.users().certificate("cmp-owner-" + id, Capsule.CAPSULE_USERS_GROUP);
    cp.capsule().createTenant(tenant, Owner.user(owner.name()));
    String a = tenant + "-a";
    cp.capsule().createNamespace(tenant, a);
    String old = cp.adminClient().namespaces().list().getMetadata().getResourceVersion();
    for (int i = 0; i < 3; i++) {
      String step = Integer.toString(i);
      cp.adminClient()
          .namespaces()
          .withName(a)
          .edit(
              ns -> {
                ns.getMetadata().getLabels().put("step", step);
                return ns;
              });
    }
    compactEtcd(cp.adminClient().namespaces().list().getMetadata().getResourceVersion());
    // the API server's own watch cache starts after the compaction, as after any restart
    cp.stopApiServer();
    cp.startApiServer(BOUND);

    try (ProxyInFront proxy = ProxyInFront.start(cp, dir.resolve("proxy"), true);
        KubernetesClient viaProxy = cp.newClient(proxy.kubeconfig(owner))) {
      HttpClient ops =
          HttpClient.newBuilder()
              .sslContext(JdkTls.trusting(proxy.caPem()))
              .version(HttpClient.Version.HTTP_1_1)
              .build();
      await().atMost(BOUND).until(() -> code(ops, proxy.opsUrl() + "/readyz") == 200);
      HttpClient direct =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .sslContext(JdkTls.forUser(cp.admin(), cp.caPem()))
              .build();
      HttpClient viaProxyHttp =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .sslContext(JdkTls.forUser(owner, proxy.caPem()))
              .build();

      // when: both are asked to resume a namespace watch at the compacted resourceVersion
      String query = "/api/v1/namespaces?watch=true&resourceVersion=" + old;
      List<Object> fromApiServer = expiredAnswer(direct, cp.apiServerUrl() + query);
      List<Object> fromProxy = expiredAnswer(viaProxyHttp, proxy.url() + query);

      // then: the proxy answers as the API server does: 410 Expired, too old resource version
      System.err.printf("[compaction] API server %s; proxy %s%n", fromApiServer, fromProxy);
      assertThat(fromApiServer.subList(0, 4)).contains(410, "Expired");
      assertThat(fromProxy.subList(0, 4)).isEqualTo(fromApiServer.subList(0, 4));
      assertThat((String) fromProxy.get(4)).startsWith("too old resource version");

      // and: a compaction under the proxy's own informers (their next watch is at a compacted
      // resourceVersion: they get 410 and re-list) while an informer watches through the proxy
      SharedIndexInformer<Namespace> informer =
          viaProxy
              .namespaces()
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Namespace ns) {}

                    @Override
                    public void onUpdate(Namespace oldNs, Namespace newNs) {}

                    @Override
                    public void onDelete(Namespace ns, boolean unknownFinalState) {}
                  });
      await().atMost(BOUND).until(() -> names(informer).equals(Set.of(a)));
      String b = tenant + "-b";
      cp.capsule().createNamespace(tenant, b);
      await().atMost(BOUND).until(() -> names(informer).equals(Set.of(a, b)));
      // a write the proxy does not watch moves etcd past the informers' last resourceVersion
      String past =
          cp.adminClient()
              .configMaps()
              .inNamespace(a)
              .resource(
                  new ConfigMapBuilder().withNewMetadata().withName("past").endMetadata().build())
              .create()
              .getMetadata()
              .getResourceVersion();
      compactEtcd(past);
      cp.stopApiServer();
      cp.startApiServer(BOUND);
      String c = tenant + "-c";
      cp.capsule().createNamespace(tenant, c);
      cp.capsule().removeNamespace(b);
      await().atMost(BOUND).until(() -> names(informer).equals(Set.of(a, c)));
      await().atMost(BOUND).until(() -> code(ops, proxy.opsUrl() + "/readyz") == 200);
      HttpResponse<String> list = send(viaProxyHttp, proxy.url() + "/api/v1/namespaces");
      assertThat(list.body()).contains(a, c).doesNotContain("\"" + b + "\"");
      informer.close();
    }
  }

  /**
   * How a watch request at a compacted resourceVersion is answered: [HTTP code, event type (or "-"
   * when not a watch stream), Status code, reason, message].
   */
  private static List<Object> expiredAnswer(HttpClient http, String url) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    String first = r.body().lines().findFirst().orElse("{}");
    io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject(first);
    io.vertx.core.json.JsonObject status =
        json.containsKey("object") ? json.getJsonObject("object") : json;
    return List.of(
        r.statusCode(),
        json.getString("type", "-"),
        status.getInteger("code", 0),
        status.getString("reason", ""),
        status.getString("message", ""));
  }

  private static void compactEtcd(String revision) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(cp.etcdUrl() + "/v3/kv/compaction"))
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"revision\":\"" + revision + "\",\"physical\":true}"))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("etcd compaction: " + r.body()).isEqualTo(200);
  }

  private static void createConfigMap(String namespace, String name) {
    cp.adminClient()
        .configMaps()
        .inNamespace(namespace)
        .resource(new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  private static String key(ConfigMap cm) {
    return cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName();
  }

  private static Set<String> keys(SharedIndexInformer<ConfigMap> informer) {
    return informer.getStore().list().stream()
        .map(ApiServerRestartIT::key)
        .collect(Collectors.toSet());
  }

  private static Set<String> names(SharedIndexInformer<Namespace> informer) {
    return informer.getStore().list().stream()
        .map(ns -> ns.getMetadata().getName())
        .collect(Collectors.toSet());
  }

  private static int code(HttpClient http, String url) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      PROBE_ERRORS.add(url + ": " + e);
      return -1;
    }
  }

  private static String get(HttpClient http, String url) throws Exception {
    return send(http, url).body();
  }

  private static HttpResponse<String> send(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
