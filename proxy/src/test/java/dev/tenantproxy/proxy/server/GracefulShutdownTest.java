package dev.tenantproxy.proxy.server;

import static dev.tenantproxy.proxy.testing.ProxyHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.proxy.ops.Readiness;
import dev.tenantproxy.proxy.testing.ProxyHarness;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GracefulShutdownTest {
  @TempDir Path dir;

  @Test
  void shutdownEndsOpenWatchesCleanlyWellWithinTheGracePeriod() {
    // a long grace period, so that "ended promptly" and "waited for the grace period" stay far
    // apart however busy the machine is
    ProxyHarness h =
        ProxyHarness.start(
            dir,
            c -> c.withShutdownGracePeriod(Duration.ofSeconds(60)),
            Readiness.always(),
            List.of());
    try {
      h.api.handler =
          req -> req.response().setChunked(true).write("{\"type\":\"ADDED\",\"object\":{}}\n");
      var client = h.client(h.user("alice"), HttpVersion.HTTP_1_1);
      Promise<Void> ended = Promise.promise();
      await(
          client.exchange(
              c ->
                  c.request(
                          new RequestOptions()
                              .setMethod(HttpMethod.GET)
                              .setURI("/api/v1/pods?watch=true"))
                      .compose(req -> req.send())
                      .compose(
                          resp -> {
                            Promise<Void> first = Promise.promise();
                            resp.handler(b -> first.tryComplete());
                            resp.endHandler(v -> ended.tryComplete());
                            resp.exceptionHandler(ended::tryFail);
                            return first.future();
                          })));
      assertThat(h.proxy.metrics().scrape())
          .contains("tenant_proxy_open_watches{decision=\"passed\"} 1.0");

      long start = System.nanoTime();
      Future<Void> shutdown = h.proxy.shutdown();

      await(ended.future().timeout(30, TimeUnit.SECONDS)); // the watch ends, not reset
      await(shutdown);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(30_000);
    } finally {
      h.vertx.close();
    }
  }
}
