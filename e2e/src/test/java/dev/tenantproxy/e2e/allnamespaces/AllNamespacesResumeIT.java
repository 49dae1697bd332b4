package dev.tenantproxy.e2e.allnamespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An owner's all-namespaces ConfigMap watch resumed from a resourceVersion (what informers do after
 * a dropped connection or an API server restart): when one of her namespaces left her view after
 * that resourceVersion, the proxy answers ERROR 410 Expired (naming no namespace), so the client
 * re-lists and holds exactly her current objects; when nothing left her view, the resume works as
 * before, no 410.
 */
@ExtendWith(ControlPlaneExtension.class)
class AllNamespacesResumeIT {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static ProxyInFront proxy;

  @BeforeAll
  static void startProxy(ControlPlane cp) throws IOException {
    proxy = ProxyInFront.startUntilExit(cp, "allns-resume-it");
  }

  /**
   * alice owns solar (dev, leaving); bob owns wind (other); carol owns gust; one ConfigMap each.
   */
  private record Fixture(
      KubeUser alice,
      String solar,
      String wind,
      String gust,
      String dev,
      String leaving,
      String other) {}

  private static Fixture fixture(ControlPlane cp) throws Exception {
    String user = unique("alice");
    KubeUser alice = cp.users().certificate(user, Capsule.CAPSULE_USERS_GROUP);
    String solar = unique("solar");
    String wind = unique("wind");
    String gust = unique("gust");
    cp.capsule().createTenant(solar, Owner.user(user));
    cp.capsule().createTenant(wind, Owner.user(unique("bob")));
    cp.capsule().createTenant(gust, Owner.user(unique("carol")));
    String dev = solar + "-dev";
    String leaving = unique("leaving");
    String other = wind + "-other";
    cp.capsule().createNamespace(solar, dev);
    cp.capsule().createNamespace(solar, leaving);
    cp.capsule().createNamespace(wind, other);
    for (String ns : List.of(dev, leaving, other)) {
      configMap(cp, ns, "cm-" + ns);
    }
    Fixture f = new Fixture(alice, solar, wind, gust, dev, leaving, other);
    await()
        .atMost(BOUND)
        .ignoreExceptions()
        .until(
            () ->
                keys(list(f.alice()))
                    .containsAll(Set.of(dev + "/cm-" + dev, leaving + "/cm-" + leaving)));
    return f;
  }

  @Test
  void aWatchResumedAfterOneOfHerNamespacesMovedToAnotherTenantIsExpiredNamingNoNamespace(
      ControlPlane cp) throws Exception {
    // given alice's all-namespaces list and its resourceVersion
    Fixture f = fixture(cp);
    JsonObject listed = list(f.alice());
    String rv = listed.getJsonObject("metadata").getString("resourceVersion");
    assertThat(keys(listed)).contains(f.leaving() + "/cm-" + f.leaving());

    // when the admin moves `leaving` to bob's tenant (the proxy's view follows), and she then
    // resumes her watch from that resourceVersion
    cp.capsule().moveNamespace(f.leaving(), f.wind());
    await()
        .atMost(BOUND)
        .until(() -> keys(list(f.alice())).stream().noneMatch(k -> k.startsWith(f.leaving())));
    List<String> lines = watchLines(f.alice(), rv);

    // then exactly one ERROR event with a 410 Expired Status, as the API server's watch from a
    // too-old resourceVersion, which names none of the namespaces or tenants
    assertThat(lines).hasSize(1);
    JsonObject event = new JsonObject(lines.get(0));
    assertThat(event.getString("type")).isEqualTo("ERROR");
    JsonObject status = event.getJsonObject("object");
    assertThat(status.getString("kind")).isEqualTo("Status");
    assertThat(status.getInteger("code")).isEqualTo(410);
    assertThat(status.getString("reason")).isEqualTo("Expired");
    for (String name : List.of(f.leaving(), f.dev(), f.other(), f.solar(), f.wind())) {
      assertThat(lines.get(0)).doesNotContain(name);
    }

    // and a watch from a resourceVersion listed after the move is served (no 410)
    String after = list(f.alice()).getJsonObject("metadata").getString("resourceVersion");
    configMap(cp, f.dev(), "after-" + f.dev());
    List<String> resumed = watchLines(f.alice(), after);
    assertThat(resumed).noneMatch(l -> l.contains("\"ERROR\""));
    assertThat(resumed).anyMatch(l -> l.contains("\"ADDED\"") && l.contains("after-" + f.dev()));
  }

  @Test
  void aWatchResumedWhenNoneOfHerNamespacesLeftWorksWithout410(ControlPlane cp) throws Exception {
    // given alice's all-namespaces list and its resourceVersion
    Fixture f = fixture(cp);
    String rv = list(f.alice()).getJsonObject("metadata").getString("resourceVersion");

    // when other tenants' namespaces move (bob's to carol's tenant) and one of hers changes
    cp.capsule().moveNamespace(f.other(), f.gust());
    configMap(cp, f.dev(), "later-" + f.dev());
    configMap(cp, f.other(), "later-" + f.other());
    List<String> lines = watchLines(f.alice(), rv);

    // then her watch resumes: the event after the resourceVersion, nothing of other tenants
    assertThat(lines).noneMatch(l -> l.contains("\"ERROR\""));
    assertThat(lines).anyMatch(l -> l.contains("\"ADDED\"") && l.contains("later-" + f.dev()));
    assertThat(lines).noneMatch(l -> l.contains(f.other()));
  }

  @Test
  void aFabric8InformerThatLostItsConnectionWhileANamespaceLeftEndsWithExactlyHerObjects(
      ControlPlane cp) throws Exception {
    // given alice's inAnyNamespace() informer, connected through a cable the test can cut
    Fixture f = fixture(cp);
    try (Cable cable = new Cable(proxy.port());
        KubernetesClient client = cp.newClient(kubeconfig(f.alice(), cable.port()));
        SharedIndexInformer<ConfigMap> informer =
            client.configMaps().inAnyNamespace().runnableInformer(0)) {
      informer.start().toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
      assertThat(keysOf(informer)).isEqualTo(keys(list(f.alice())));
      assertThat(keysOf(informer)).contains(f.leaving() + "/cm-" + f.leaving());

      // when its connection is lost (and refused) while `leaving` moves to bob's tenant and a
      // ConfigMap appears in `dev`, then comes back
      cable.cut();
      cp.capsule().moveNamespace(f.leaving(), f.wind());
      configMap(cp, f.dev(), "meanwhile-" + f.dev());
      await()
          .atMost(BOUND)
          .until(() -> keys(list(f.alice())).stream().noneMatch(k -> k.startsWith(f.leaving())));
      cable.restore();

      // then it re-watches, is told to re-list, and holds exactly her current objects
      await()
          .atMost(BOUND)
          .until(() -> keysOf(informer).contains(f.dev() + "/meanwhile-" + f.dev()));
      await()
          .atMost(BOUND)
          .untilAsserted(() -> assertThat(keysOf(informer)).isEqualTo(keys(list(f.alice()))));
      assertThat(keysOf(informer)).noneMatch(k -> k.startsWith(f.leaving() + "/"));
      assertThat(cable.connections()).isGreaterThan(1);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static void configMap(ControlPlane cp, String ns, String name) {
    cp.adminClient()
        .configMaps()
        .inNamespace(ns)
        .resource(new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  private static HttpClient http(KubeUser user) {
    return HttpClient.newBuilder()
        .sslContext(JdkTls.forUser(user, proxy.caPem()))
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  /** Her all-namespaces ConfigMap list through the proxy. */
  private static JsonObject list(KubeUser user) throws Exception {
    HttpResponse<String> r =
        http(user)
            .send(
                HttpRequest.newBuilder(URI.create(proxy.url() + "/api/v1/configmaps"))
                    .timeout(BOUND)
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private static Set<String> keys(JsonObject list) {
    return list.getJsonArray("items").stream()
        .map(o -> ((JsonObject) o).getJsonObject("metadata"))
        .map(m -> m.getString("namespace") + "/" + m.getString("name"))
        .collect(Collectors.toSet());
  }

  /** Every event line of her all-namespaces watch from {@code rv}, until the server ends it. */
  private static List<String> watchLines(KubeUser user, String rv) throws Exception {
    HttpResponse<java.util.stream.Stream<String>> r =
        http(user)
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            proxy.url()
                                + "/api/v1/configmaps?watch=true&timeoutSeconds=5&resourceVersion="
                                + rv))
                    .timeout(BOUND)
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    try (var lines = r.body()) {
      return lines.filter(l -> !l.isBlank()).toList();
    }
  }

  private static Set<String> keysOf(SharedIndexInformer<ConfigMap> informer) {
    return informer.getStore().list().stream()
        .map(c -> c.getMetadata().getNamespace() + "/" + c.getMetadata().getName())
        .collect(Collectors.toSet());
  }

  private static Path kubeconfig(KubeUser user, int port) throws IOException {
    Path file = Files.createTempFile("allns-resume-", ".kubeconfig");
    file.toFile().deleteOnExit();
    Files.writeString(file, user.kubeconfigFor("https://127.0.0.1:" + port, proxy.caPem()));
    return file;
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  /**
   * A TCP forwarder to the proxy (TLS passes through it untouched) whose connections the test can
   * cut: {@link #cut()} closes every open connection and refuses new ones until {@link #restore()},
   * as a lost network path does to a client.
   */
  private static final class Cable implements AutoCloseable {
    private final ServerSocket server;
    private final int target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger accepted =
        new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean cut;

    Cable(int target) throws IOException {
      this.target = target;
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t = new Thread(this::accept, "allns-resume-it-cable");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    /** Connections forwarded so far. */
    int connections() {
      return accepted.get();
    }

    void cut() {
      cut = true;
      for (Socket s : open) {
        closeQuietly(s);
      }
    }

    void restore() {
      cut = false;
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          if (cut) {
            closeQuietly(client);
            continue;
          }
          Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
          accepted.incrementAndGet();
          open.add(client);
          open.add(upstream);
          pump(client, upstream);
          pump(upstream, client);
        } catch (IOException e) {
          // closed, or the proxy refused: the client sees its connection end
        }
      }
    }

    private void pump(Socket from, Socket to) {
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[16 * 1024];
                try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                  int n;
                  while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                  }
                } catch (IOException e) {
                  // either side closed
                } finally {
                  closeQuietly(from);
                  closeQuietly(to);
                  open.remove(from);
                  open.remove(to);
                }
              },
              "allns-resume-it-pump");
      t.setDaemon(true);
      t.start();
    }

    private static void closeQuietly(Socket s) {
      try {
        s.close();
      } catch (IOException e) {
        // already closed
      }
    }

    @Override
    public void close() throws IOException {
      cut();
      server.close();
    }
  }
}
