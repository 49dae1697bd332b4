package dev.tenantproxy.e2e.faults;

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
import dev.tenantproxy.proxy.config.ProxyConfig;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-caller limits on the real control plane: a tenant owner beyond its open watches gets 429
 * TooManyRequests with {@code Retry-After} (kubectl reports it as the API server's), while the
 * owner of another tenant keeps listing and watching through the same proxy.
 */
@ExtendWith(ControlPlaneExtension.class)
class CallerLimitsIT {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final int MAX_WATCHES = 5;

  @TempDir Path dir;

  /** A watch stream that records its first line. */
  private static final class FirstLine implements Flow.Subscriber<String> {
    final CompletableFuture<String> first = new CompletableFuture<>();
    volatile Flow.Subscription subscription;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      first.complete(line);
    }

    @Override
    public void onError(Throwable t) {
      first.completeExceptionally(t);
    }

    @Override
    public void onComplete() {}
  }

  @Test
  void aNoisyOwnerBeyondItsWatchesGets429WithRetryAfterAndAnotherTenantsOwnerIsServed(
      ControlPlane cp) throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 8);
    KubeUser noisy = cp.users().certificate("noisy-" + id, Capsule.CAPSULE_USERS_GROUP);
    KubeUser quiet = cp.users().certificate("quiet-" + id, Capsule.CAPSULE_USERS_GROUP);
    cp.capsule().createTenant("noisy-" + id, Owner.user(noisy.name()));
    cp.capsule().createTenant("quiet-" + id, Owner.user(quiet.name()));
    cp.capsule().createNamespace("noisy-" + id, "noisy-" + id + "-a");
    cp.capsule().createNamespace("quiet-" + id, "quiet-" + id + "-a");

    try (ProxyInFront proxy =
        ProxyInFront.start(
            cp,
            dir.resolve("proxy"),
            true,
            c -> c.withCallerLimits(new ProxyConfig.CallerLimits(MAX_WATCHES, 50)))) {
      HttpClient noisyHttp =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_2)
              .sslContext(JdkTls.forUser(noisy, proxy.caPem()))
              .build();
      String watch = proxy.url() + "/api/v1/namespaces?watch=true";
      await()
          .atMost(BOUND)
          .until(
              () ->
                  noisyHttp
                      .send(
                          HttpRequest.newBuilder(URI.create(proxy.url() + "/api/v1/namespaces"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body()
                      .contains("noisy-" + id + "-a"));
      // given: the noisy owner holds all its watches
      List<FirstLine> open = new ArrayList<>();
      for (int i = 0; i < MAX_WATCHES; i++) {
        FirstLine w = new FirstLine();
        noisyHttp.sendAsync(
            HttpRequest.newBuilder(URI.create(watch)).build(),
            HttpResponse.BodyHandlers.fromLineSubscriber(w));
        open.add(w);
      }
      for (FirstLine w : open) {
        assertThat(w.first.get(BOUND.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
            .contains("ADDED");
      }

      // when: one more watch
      HttpResponse<String> refused =
          noisyHttp.send(
              HttpRequest.newBuilder(URI.create(watch)).build(),
              HttpResponse.BodyHandlers.ofString());

      // then: 429 with Retry-After and a Status, as the API server's priority and fairness
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.headers().firstValue("Retry-After")).contains("1");
      assertThat(refused.body()).contains("\"reason\":\"TooManyRequests\"", "\"kind\":\"Status\"");
      // kubectl -w sees the API server's kind of answer
      Kubectl.Result kubectlWatch =
          Kubectl.version("1.33", proxy.kubeconfig(noisy))
              .run(BOUND, "get", "namespaces", "-w", "--request-timeout=20s");
      assertThat(kubectlWatch.exitCode()).isNotZero();
      // the noisy owner's lists are still served (another limit), and the other tenant's owner
      // lists and watches
      Kubectl.Result noisyList =
          Kubectl.version("1.33", proxy.kubeconfig(noisy))
              .run(BOUND, "get", "namespaces", "-o", "name");
      assertThat(noisyList.exitCode()).as(noisyList.toString()).isZero();
      Kubectl.Result quietList =
          Kubectl.version("1.33", proxy.kubeconfig(quiet))
              .run(BOUND, "get", "namespaces", "-o", "name");
      assertThat(quietList.exitCode()).as(quietList.toString()).isZero();
      assertThat(quietList.stdout()).contains("namespace/quiet-" + id + "-a");
      try (Kubectl.Running quietWatch =
          Kubectl.version("1.33", proxy.kubeconfig(quiet))
              .start("get", "namespaces", "-w", "-o", "name")) {
        await().atMost(BOUND).until(() -> quietWatch.stdout().contains("quiet-" + id + "-a"));
      }

      // and: once one of its watches ends, the noisy owner may watch again
      open.get(0).subscription.cancel();
      await()
          .atMost(BOUND)
          .until(
              () -> {
                HttpResponse<java.io.InputStream> again =
                    noisyHttp.send(
                        HttpRequest.newBuilder(URI.create(watch)).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                again.body().close();
                return again.statusCode() == 200;
              });
      open.forEach(w -> w.subscription.cancel());
    }
  }
}
