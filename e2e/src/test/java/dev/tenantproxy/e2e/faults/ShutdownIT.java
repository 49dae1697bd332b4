package dev.tenantproxy.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.e2e.load.ProxyProcess;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM while 1,000 watches are open (served namespace watches and passed-through ConfigMap
 * watches) and lists are in flight: the proxy, run as users run it (its own JVM, `tenant-proxy
 * serve`), ends every watch cleanly (the chunked stream is terminated, not reset), lets every
 * started list complete, and exits 0 within its shutdown grace period (20 s by default).
 */
@ExtendWith(ControlPlaneExtension.class)
class ShutdownIT {
  private static final int SERVED = 900;
  private static final int PASSED = 100;
  private static final int STREAMS_PER_CLIENT = 80;
  private static final Duration BOUND = Duration.ofSeconds(120);

  @TempDir Path dir;

  /** One watch: whether its first line came, and how its stream ended. */
  private static final class Watch implements Flow.Subscriber<String> {
    final CompletableFuture<Void> firstLine = new CompletableFuture<>();
    final AtomicInteger lines = new AtomicInteger();
    volatile CompletableFuture<HttpResponse<Void>> response;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      lines.incrementAndGet();
      firstLine.complete(null);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onComplete() {}
  }

  @Test
  void sigtermEndsAThousandOpenWatchesCleanlyLetsListsCompleteAndExitsZeroWithinTheGracePeriod(
      ControlPlane cp) throws Exception {
    // given: a tenant with two namespaces, a ConfigMap in each, and its owner
    String id = UUID.randomUUID().toString().substring(0, 8);
    String tenant = "stop-" + id;
    KubeUser owner = cp.users().certificate("stop-owner-" + id, Capsule.CAPSULE_USERS_GROUP);
    cp.capsule().createTenant(tenant, Owner.user(owner.name()));
    List<String> namespaces = List.of(tenant + "-a", tenant + "-b");
    for (String ns : namespaces) {
      cp.capsule().createNamespace(tenant, ns);
      cp.adminClient()
          .configMaps()
          .inNamespace(ns)
          .resource(new ConfigMapBuilder().withNewMetadata().withName("seen").endMetadata().build())
          .create();
    }
    Pki pki = Pki.newCa("tenant-proxy-shutdown-ca");
    // no AppCDS archive recorded at exit: the time from SIGTERM to exit is the proxy's shutdown
    ProxyProcess proxy = ProxyProcess.start(cp, dir.resolve("proxy"), pki, false);
    try {
      proxy.awaitReady(BOUND);
      List<HttpClient> clients = new ArrayList<>();
      for (int i = 0; i < (SERVED + PASSED + STREAMS_PER_CLIENT - 1) / STREAMS_PER_CLIENT; i++) {
        clients.add(
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(JdkTls.forUser(owner, pki.caPem()))
                .connectTimeout(Duration.ofSeconds(30))
                .build());
      }
      // the owner sees its namespaces through the proxy before the watches open
      await()
          .atMost(BOUND)
          .until(
              () ->
                  get(clients.get(0), proxy.url() + "/api/v1/namespaces").body().contains(tenant));
      // each client holds its one HTTP/2 connection before its 80 streams start: a JDK client
      // that opens many streams at once on a cold client races itself into several connections
      // and drops the extra ones with their streams (EOF)
      for (HttpClient c : clients) {
        assertThat(get(c, proxy.url() + "/api/v1/namespaces").version())
            .isEqualTo(HttpClient.Version.HTTP_2);
      }

      // when: 1,000 watches open, each has had its first event
      List<Watch> watches = new ArrayList<>();
      for (int i = 0; i < SERVED + PASSED; i++) {
        String path =
            i < SERVED
                ? "/api/v1/namespaces?watch=true"
                : "/api/v1/namespaces/" + namespaces.get(i % 2) + "/configmaps?watch=true";
        Watch w = new Watch();
        w.response =
            clients
                .get(i / STREAMS_PER_CLIENT)
                .sendAsync(
                    HttpRequest.newBuilder(URI.create(proxy.url() + path)).build(),
                    HttpResponse.BodyHandlers.fromLineSubscriber(w));
        watches.add(w);
      }
      await()
          .atMost(BOUND)
          .failFast(
              "a watch failed before the signal",
              () -> assertThat(failures(watches)).as("failed watches").isEmpty())
          .untilAsserted(
              () ->
                  assertThat(watches.stream().filter(w -> !w.firstLine.isDone()).count())
                      .as("watches without their first event")
                      .isZero());
      // lists in flight as the signal arrives
      List<CompletableFuture<HttpResponse<String>>> lists = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String path =
            i % 2 == 0
                ? "/api/v1/namespaces"
                : "/api/v1/namespaces/" + namespaces.get(0) + "/configmaps";
        lists.add(
            clients
                .get(i % clients.size())
                .sendAsync(
                    HttpRequest.newBuilder(URI.create(proxy.url() + path)).build(),
                    HttpResponse.BodyHandlers.ofString()));
      }
      long signalled = System.nanoTime();
      int exit = proxy.terminate(BOUND);
      double seconds = (System.nanoTime() - signalled) / 1e9;

      // then
      assertThat(exit).as("exit status after SIGTERM, see %s", proxy.log()).isZero();
      // the shutdown's last log line, queued for the log writer just before the JVM halts
      assertThat(java.nio.file.Files.readString(proxy.log()))
          .as("proxy log %s", proxy.log())
          .contains("RunningProxy - stopped");
      assertThat(seconds).as("seconds from SIGTERM to exit").isLessThan(20);
      int clean = 0;
      List<String> unclean = new ArrayList<>();
      for (Watch w : watches) {
        try {
          HttpResponse<Void> r = w.response.get(BOUND.toSeconds(), TimeUnit.SECONDS);
          assertThat(r.statusCode()).isEqualTo(200);
          clean++;
        } catch (java.util.concurrent.ExecutionException e) {
          unclean.add(e.getCause().toString());
        }
      }
      assertThat(unclean).as("watches that did not end cleanly").isEmpty();
      assertThat(clean).isEqualTo(SERVED + PASSED);
      for (CompletableFuture<HttpResponse<String>> list : lists) {
        // a list the proxy accepted is answered in full; one sent after the listener closed may
        // be refused, never cut off
        try {
          HttpResponse<String> r = list.get(BOUND.toSeconds(), TimeUnit.SECONDS);
          assertThat(r.statusCode()).as("%s", r.body()).isEqualTo(200);
          // complete: it parses, and is a list
          assertThat(new io.vertx.core.json.JsonObject(r.body()).getString("kind"))
              .endsWith("List");
        } catch (java.util.concurrent.ExecutionException e) {
          // refused: no connection any more, or a stream the server's GOAWAY says it never
          // processed (HTTP/2 lets the client retry those)
          Throwable c = e.getCause();
          boolean refused =
              c instanceof java.net.ConnectException
                  || String.valueOf(c.getMessage()).contains("GOAWAY received");
          assertThat(refused)
              .as("a list was cut off instead of completed or refused: %s", c)
              .isTrue();
        }
      }
      System.out.printf(
          "shutdown: %d watches ended cleanly, exit %d after %.2f s%n", clean, exit, seconds);
    } finally {
      proxy.close();
    }
  }

  /** The causes of the watches that ended with an error so far. */
  private static List<String> failures(List<Watch> watches) {
    return watches.stream()
        .map(w -> w.response)
        .filter(CompletableFuture::isCompletedExceptionally)
        .map(f -> f.handle((r, e) -> String.valueOf(e)).join())
        .toList();
  }

  private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
