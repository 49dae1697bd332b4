package dev.tenantproxy.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100 served namespace watchers that stop reading after their first event while 1,000 large
 * namespace events (16 KB each) flow: each is ended with ERROR 410 (bounded buffers), the proxy's
 * heap stays bounded, and 10 fast watchers get every event with their delivery latency measured.
 *
 * <p>The proxy runs in this JVM, whose heap is far larger than the proxy's default {@code
 * -Xmx128m}; the watch memory budget is set to what that heap gives ({@code --watch-buffer-bytes}
 * 32 MiB, 8 MiB per watch) so the bounds are the ones users run with. Each fast watcher has its own
 * HTTP/2 connection, as separate clients do.
 */
@ExtendWith(ControlPlaneExtension.class)
class SlowConsumersIT {
  private static final int SLOW = 100;
  private static final int FAST = 10;
  private static final int EVENTS = 1000;
  private static final int BASELINE = 200;
  private static final Duration BOUND = Duration.ofSeconds(120);
  // what the proxy's default heap (-Xmx128m) gives: a quarter of it
  private static final long DEFAULT_HEAP_BUDGET = 32L << 20;

  @TempDir Path dir;

  /** A fast watcher: the delivery latency of every MODIFIED event it reads. */
  private static final class Fast implements Flow.Subscriber<String> {
    final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    final AtomicInteger added = new AtomicInteger();
    volatile String ended;
    volatile Flow.Subscription subscription;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      long now = System.currentTimeMillis();
      JsonObject event = new JsonObject(line);
      if ("ADDED".equals(event.getString("type"))) {
        added.incrementAndGet();
      }
      JsonObject annotations =
          event.getJsonObject("object").getJsonObject("metadata").getJsonObject("annotations");
      if ("MODIFIED".equals(event.getString("type"))
          && annotations != null
          && annotations.containsKey("t")) {
        latencies.add(now - Long.parseLong(annotations.getString("t")));
      }
    }

    @Override
    public void onError(Throwable t) {
      ended = "error " + t;
    }

    @Override
    public void onComplete() {
      ended = "complete";
    }
  }

  @Test
  void hundredWatchersThatStopReadingAreEndedWith410WhileFastWatchersGetEveryEvent(ControlPlane cp)
      throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 8);
    String tenant = "slow-" + id;
    KubeUser owner = cp.users().certificate("slow-owner-" + id, Capsule.CAPSULE_USERS_GROUP);
    cp.capsule().createTenant(tenant, Owner.user(owner.name()));
    String ns = tenant + "-a";
    cp.capsule().createNamespace(tenant, ns);

    try (ProxyInFront proxy =
        ProxyInFront.start(
            cp,
            dir.resolve("proxy"),
            true,
            c -> c.withTuning(c.tuning().withWatchBufferBytes(DEFAULT_HEAP_BUDGET)))) {
      SSLContext tls = JdkTls.forUser(owner, proxy.caPem());
      HttpClient http =
          HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(tls).build();
      await()
          .atMost(BOUND)
          .until(
              () ->
                  http.send(
                          HttpRequest.newBuilder(URI.create(proxy.url() + "/api/v1/namespaces"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body()
                      .contains(ns));
      // 10 fast watchers; their delivery latency without slow watchers first (baseline)
      List<Fast> fast = new ArrayList<>();
      for (int i = 0; i < FAST; i++) {
        Fast f = new Fast();
        HttpClient own =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(tls).build();
        own.sendAsync(
            HttpRequest.newBuilder(URI.create(proxy.url() + "/api/v1/namespaces?watch=true"))
                .build(),
            HttpResponse.BodyHandlers.fromLineSubscriber(f));
        fast.add(f);
      }
      await().atMost(BOUND).until(() -> fast.stream().allMatch(f -> f.added.get() == 1));
      String pad = "p".repeat(16 * 1024);
      emit(cp, ns, pad, BASELINE);
      await()
          .atMost(BOUND)
          .untilAsserted(
              () -> assertThat(fast).allSatisfy(f -> assertThat(f.latencies).hasSize(BASELINE)));
      long[] base = percentiles(fast);
      fast.forEach(f -> f.latencies.clear());

      // given: 100 watchers that read their first event, then nothing
      List<SSLSocket> slow = new ArrayList<>();
      for (int i = 0; i < SLOW; i++) {
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket();
        s.setReceiveBufferSize(16 * 1024);
        s.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 30_000);
        s.setSoTimeout(60_000);
        s.startHandshake();
        s.getOutputStream()
            .write(
                ("GET /api/v1/namespaces?watch=true HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        readUntil(s.getInputStream(), "\"ADDED\"");
        slow.add(s);
      }
      long heapBefore = usedHeapAfterGc();
      AtomicLong peak = new AtomicLong();
      Thread sampler =
          new Thread(
              () -> {
                while (!Thread.currentThread().isInterrupted()) {
                  Runtime rt = Runtime.getRuntime();
                  peak.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
                  try {
                    Thread.sleep(50);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      sampler.setDaemon(true);
      sampler.start();

      // when: 1,000 events of 16 KB each
      long start = System.nanoTime();
      emit(cp, ns, pad, EVENTS);
      double seconds = (System.nanoTime() - start) / 1e9;

      // then: every fast watcher gets every event
      await()
          .atMost(BOUND)
          .untilAsserted(
              () -> assertThat(fast).allSatisfy(f -> assertThat(f.latencies).hasSize(EVENTS)));
      sampler.interrupt();
      assertThat(fast).allSatisfy(f -> assertThat(f.ended).isNull());
      // every slow watcher was ended with ERROR 410 Expired
      for (SSLSocket s : slow) {
        String tail = readUntil(s.getInputStream(), "\"code\":410");
        assertThat(tail).contains("Expired");
        s.close();
      }
      await()
          .atMost(BOUND)
          .untilAsserted(
              () ->
                  assertThat(proxy.metrics().scrape())
                      .containsPattern(
                          "tenant_proxy_open_watches\\{decision=\"served\",?\\} " + FAST + "\\.0"));
      long heapAfter = usedHeapAfterGc();
      long[] loaded = percentiles(fast);
      long p99 = loaded[1];
      System.err.printf(
          "[slow] baseline (fast watchers only, %d events): p50 %d ms, p99 %d ms, max %d ms; with"
              + " %d slow watchers, %d events in %.1f s (%.0f/s): p50 %d ms, p99 %d ms, max %d ms;"
              + " test JVM heap (proxy in it) after GC before %d MiB, after %d MiB, peak used %d"
              + " MiB%n",
          BASELINE,
          base[0],
          base[1],
          base[2],
          SLOW,
          EVENTS,
          seconds,
          EVENTS / seconds,
          loaded[0],
          loaded[1],
          loaded[2],
          heapBefore >> 20,
          heapAfter >> 20,
          peak.get() >> 20);
      // bounded: what the slow watchers held is released once they are ended
      assertThat(heapAfter - heapBefore).isLessThan(256L << 20);
      assertThat(p99).isLessThan(10_000);
      fast.forEach(f -> f.subscription.cancel());
    }
  }

  private static void emit(ControlPlane cp, String ns, String pad, int n) {
    for (int i = 0; i < n; i++) {
      cp.adminClient()
          .namespaces()
          .withName(ns)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"metadata\":{\"annotations\":{\"t\":\""
                  + System.currentTimeMillis()
                  + "\",\"pad\":\""
                  + pad
                  + i
                  + "\"}}}");
    }
  }

  /** p50, p99, max of every fast watcher's latencies. */
  private static long[] percentiles(List<Fast> fast) {
    List<Long> all = new ArrayList<>();
    fast.forEach(f -> all.addAll(f.latencies));
    all.sort(Long::compare);
    return new long[] {
      all.get(all.size() / 2),
      all.get((int) Math.ceil(all.size() * 0.99) - 1),
      all.get(all.size() - 1)
    };
  }

  /** Reads until {@code marker} appears; returns the last 4 KB read. */
  private static String readUntil(InputStream in, String marker) throws Exception {
    byte[] buf = new byte[64 * 1024];
    ByteArrayOutputStream window = new ByteArrayOutputStream();
    while (true) {
      int n = in.read(buf);
      if (n < 0) {
        throw new AssertionError("stream ended before " + marker + ": " + window);
      }
      window.write(buf, 0, n);
      String text = window.toString(StandardCharsets.UTF_8);
      if (text.contains(marker)) {
        return text;
      }
      if (window.size() > 256 * 1024) {
        byte[] keep = window.toByteArray();
        window.reset();
        window.write(keep, keep.length - 8 * 1024, 8 * 1024);
      }
    }
  }

  private static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
