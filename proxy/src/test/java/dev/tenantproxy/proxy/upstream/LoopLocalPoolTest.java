package dev.tenantproxy.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.testsupport.TestVertx;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.VertxInternal;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which client agent a request is opened with: one per event loop, one for all other threads. */
class LoopLocalPoolTest {
  private Vertx vertx;
  private final AtomicInteger built = new AtomicInteger();
  private LoopLocalPool pool;

  @BeforeEach
  void start() {
    vertx = TestVertx.create();
    pool =
        new LoopLocalPool(
            () -> {
              built.incrementAndGet();
              return vertx.httpClientBuilder().build();
            });
  }

  @AfterEach
  void stop() throws Exception {
    pool.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void requestsOnOneEventLoopShareOneAgentAndOtherThreadsShareAnother() throws Exception {
    Context loop = ((VertxInternal) vertx).createEventLoopContext();

    openOn(loop);
    openOn(loop);
    assertThat(built).hasValue(1);
    pool.request(unreachable()).otherwiseEmpty().await(10, TimeUnit.SECONDS);
    pool.request(unreachable()).otherwiseEmpty().await(10, TimeUnit.SECONDS);

    assertThat(built).hasValue(2);
    assertThat(pool.agents()).isEqualTo(2);
  }

  @Test
  void afterCloseARequestFailsAndBuildsNoAgent() throws Exception {
    pool.close().await(10, TimeUnit.SECONDS);

    Future<HttpClientRequest> opened = pool.request(unreachable());

    assertThat(opened.failed()).isTrue();
    assertThat(opened.cause()).hasMessageContaining("closed");
    assertThat(built).hasValue(0);
  }

  private void openOn(Context context) throws Exception {
    Promise<Void> done = Promise.promise();
    context.runOnContext(
        v -> pool.request(unreachable()).<Void>mapEmpty().otherwiseEmpty().onComplete(done));
    done.future().await(10, TimeUnit.SECONDS);
  }

  /** A port nothing listens on: the request fails fast, only the agent chosen matters here. */
  private static RequestOptions unreachable() {
    return new RequestOptions().setHost("127.0.0.1").setPort(1).setURI("/");
  }
}
