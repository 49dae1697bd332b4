package dev.tenantproxy.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeHttp;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An API server that closes connections at random ({@code --goaway-chance}, as large clusters
 * behind load balancers run it) sends GOAWAY while the proxy has further requests in flight on that
 * connection; those it never processed are sent again, and callers see only the API server's own
 * answers, never a 503 of the proxy's.
 */
@ExtendWith(ControlPlaneExtension.class)
class ApiServerGoawayIT {
  private static final Pattern RESENT =
      Pattern.compile("(?m)^tenant_proxy_upstream_resent_total(?:\\{[^}]*\\})? ([0-9.eE+]+)$");
  private static final int CALLERS = 24;
  private static final int ENOUGH_RESENT = 3;
  private static final int MIN_REQUESTS = 2_000;
  private static final Duration BOUND = Duration.ofSeconds(120);

  @Test
  void requestsTheApiServerDidNotProcessBeforeItsGoawayAreSentAgainNot503(
      ControlPlane cp, @TempDir Path dir) throws Exception {
    // given: an owner, and the proxy in front of an API server replica that sends GOAWAY after
    // 2% of its requests (the highest chance the flag takes)
    String id = java.util.UUID.randomUUID().toString().substring(0, 8);
    KubeUser owner = cp.users().certificate("owner-" + id, Capsule.CAPSULE_USERS_GROUP);
    cp.capsule().createTenant("goaway-" + id, Owner.user(owner.name()));
    String namespace = "goaway-" + id + "-dev";
    cp.capsule().createNamespace("goaway-" + id, namespace);
    try (ControlPlane.ApiServerReplica replica =
            cp.startReplica(
                "kube-apiserver-goaway", List.of("--goaway-chance=0.02"), Duration.ofMinutes(2));
        ProxyInFront proxy =
            ProxyInFront.start(
                cp,
                dir,
                false,
                ProxyInFront.Upstream.IMPERSONATION,
                c -> c.withKubeconfig(replica.adminKubeconfig()))) {
      HttpClient client = KubeHttp.client(owner, proxy.caPem());
      String configMaps = "/api/v1/namespaces/" + namespace + "/configmaps";

      // when: callers list their ConfigMaps and review themselves (a POST with a body) side by
      // side until the API server has sent GOAWAY over requests in flight a few times
      Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
      Map<String, String> failures = new ConcurrentHashMap<>();
      AtomicInteger sent = new AtomicInteger();
      java.util.concurrent.atomic.AtomicBoolean stop =
          new java.util.concurrent.atomic.AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
      try {
        List<Future<?>> callers =
            java.util.stream.IntStream.range(0, CALLERS)
                .<Future<?>>mapToObj(
                    i ->
                        pool.submit(
                            () -> {
                              while (!stop.get()) {
                                KubeHttp.Answer a =
                                    sent.incrementAndGet() % 2 == 0
                                        ? KubeHttp.get(
                                            client, owner, proxy.url(), configMaps, List.of())
                                        : KubeHttp.selfSubjectReview(
                                            client, owner, proxy.url(), List.of());
                                statuses
                                    .computeIfAbsent(a.status(), s -> new LongAdder())
                                    .increment();
                                if (a.status() / 100 != 2) {
                                  failures.putIfAbsent(a.status() + "", a.body());
                                }
                              }
                            }))
                .toList();
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (System.nanoTime() < deadline
            && failures.isEmpty()
            && !(sent.get() >= MIN_REQUESTS && resent(proxy) >= ENOUGH_RESENT)
            && callers.stream().noneMatch(Future::isDone)) {
          Thread.sleep(250);
        }
        stop.set(true);
        for (Future<?> caller : callers) {
          caller.get(60, TimeUnit.SECONDS);
        }
      } finally {
        stop.set(true);
        pool.shutdownNow();
      }

      // then: the API server did refuse streams in flight, and every caller got its answer
      long resent = resent(proxy);
      System.err.printf(
          "[goaway] %d requests, %d sent again by the proxy, statuses %s%n",
          sent.get(), resent, statuses);
      assertThat(resent)
          .as("requests the proxy sent again (the API server's GOAWAYs caught streams in flight)")
          .isGreaterThanOrEqualTo(1);
      assertThat(failures).as("answers other than 2xx").isEmpty();
      assertThat(statuses.keySet()).containsOnly(200, 201);
    }
  }

  private static long resent(ProxyInFront proxy) {
    Matcher m = RESENT.matcher(proxy.metrics().scrape());
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
  }
}
