package dev.tenantproxy.proxy.testing;

import dev.tenantproxy.testsupport.TestVertx;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import java.util.function.Function;

/**
 * A Vert.x HTTP client of the proxy for tests. Every exchange runs on one event-loop context
 * ({@link TestVertx#onContext}), so response handlers attached in its callbacks never miss an
 * event; no test drives the agent from its own thread.
 */
public final class TestClient {
  private final Vertx vertx;
  private final HttpClientAgent agent;

  TestClient(Vertx vertx, HttpClientAgent agent) {
    this.vertx = vertx;
    this.agent = agent;
  }

  /** Runs one exchange (request, send, read the response) on an event loop. */
  public <T> Future<T> exchange(Function<HttpClientAgent, Future<T>> exchange) {
    return TestVertx.onContext(vertx, () -> exchange.apply(agent));
  }

  public Future<Void> close() {
    return agent.close();
  }
}
