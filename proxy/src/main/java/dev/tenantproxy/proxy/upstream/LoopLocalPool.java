package dev.tenantproxy.proxy.upstream;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Connections to the API server kept per event loop: a request opened on an event loop goes on an
 * upstream connection of that same event loop.
 *
 * <p>DESIGN. Vert.x's HTTP client pool gives a request any pooled connection with a free stream,
 * whichever event loop the connection belongs to (its selector takes the one that answered last),
 * and a connection opens on the event loop of the request that asked for it first. So a caller's
 * connection and the upstream connection its requests ride on can live on two threads. Then each
 * request head, response frame and end crosses between the two as a task, and each thread wakes the
 * other (epoll, eventfd) once per exchange. That is what happened under L2 in request-header mode:
 * the readiness probe had opened the first front-proxy connection on another event loop. The event
 * loops spent 176–220 µs per request instead of 119–155 µs, a quarter of it in the kernel's context
 * switches (docs/benchmarks/lean.md, eighth pass). With many callers spread over the event loops
 * the same happens to most requests, whoever opened the first connection.
 *
 * <p>So each event loop gets its own client agent, built on first use from that loop, whose
 * connections therefore open on that loop. The price is up to one set of upstream connections per
 * event loop that has callers. Requests opened off any event loop (worker threads, fabric8's
 * threads) share one more agent.
 */
final class LoopLocalPool {
  private final Supplier<HttpClientAgent> factory;
  private final Map<Thread, HttpClientAgent> byLoop = new ConcurrentHashMap<>();
  private volatile HttpClientAgent offLoop;
  private volatile boolean closed;

  LoopLocalPool(Supplier<HttpClientAgent> factory) {
    this.factory = factory;
  }

  /** Opens a request on a connection of the calling event loop. */
  Future<HttpClientRequest> request(RequestOptions options) {
    HttpClientAgent agent = agent();
    if (agent == null) {
      return Future.failedFuture(new IllegalStateException("the upstream client is closed"));
    }
    return agent.request(options);
  }

  private HttpClientAgent agent() {
    if (closed) {
      return null;
    }
    if (Context.isOnEventLoopThread()) {
      Thread loop = Thread.currentThread();
      HttpClientAgent agent = byLoop.get(loop);
      if (agent == null) {
        agent = byLoop.computeIfAbsent(loop, t -> factory.get());
        if (closed) { // close() may have listed the agents before this one was added
          agent.close();
          return null;
        }
      }
      return agent;
    }
    HttpClientAgent agent = offLoop;
    if (agent == null) {
      synchronized (this) {
        if (offLoop == null && !closed) {
          offLoop = factory.get();
        }
        agent = offLoop;
      }
    }
    return agent;
  }

  /** How many agents have been built (tests). */
  int agents() {
    return byLoop.size() + (offLoop == null ? 0 : 1);
  }

  /** Closes every agent at once; later requests fail. */
  Future<Void> close() {
    return shutdown(0, TimeUnit.MILLISECONDS);
  }

  /**
   * Shuts every agent down ({@link HttpClientAgent#shutdown(long, TimeUnit)}: its connections take
   * no new stream, those in flight go on for {@code grace}, then everything is closed); later
   * requests fail.
   */
  Future<Void> shutdown(long grace, TimeUnit unit) {
    List<HttpClientAgent> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(byLoop.values());
      if (offLoop != null) {
        all.add(offLoop);
      }
    }
    return Future.join(all.stream().map(a -> a.shutdown(grace, unit)).toList()).mapEmpty();
  }
}
