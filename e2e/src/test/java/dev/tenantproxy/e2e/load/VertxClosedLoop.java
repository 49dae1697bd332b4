package dev.tenantproxy.e2e.load;

import dev.tenantproxy.testsupport.TestVertx;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The same closed loop as {@link ClosedLoop}, driven by Vert.x 5 HTTP clients on BoringSSL
 * (netty-tcnative, {@link OpenSSLEngineOptions}) instead of the JDK client and JDK TLS: each caller
 * is its own {@link HttpClientAgent} with its own client certificate and one HTTP/2 connection,
 * each caller's loops run on one event-loop context (as {@link TestVertx#onContext} does for a
 * test), every body is read to its end and every status checked. Why: the JDK client spent 350–440
 * µs of CPU per request on the same 2 cores as the proxy (3× the proxy's own), so it, not the
 * proxy, bounded the measured latency (docs/benchmarks/lean.md, fourth pass).
 */
public final class VertxClosedLoop implements AutoCloseable {
  private static final int MAX_SAMPLES = 4_000_000;
  private static final Duration HANG_GUARD = Duration.ofMinutes(2);

  /** One caller: its client certificate and key (PEM) and the CA it trusts. */
  public record Caller(String certPem, String keyPem, String caPem) {}

  /**
   * One request of a loop: absolute URI, Accept header, and a text the first answer of each loop in
   * a run must contain (null: none), so a run of wrong answers with status 200 cannot pass as load.
   */
  public record Request(String uri, String accept, String expect) {}

  private final Vertx vertx;
  private final List<HttpClientAgent> clients = new ArrayList<>();

  /** Clients for {@code callers}, in that order. */
  public VertxClosedLoop(List<Caller> callers) {
    this.vertx = TestVertx.create();
    for (Caller c : callers) {
      HttpClientOptions o =
          new HttpClientOptions()
              .setSsl(true)
              .setUseAlpn(true)
              .setProtocolVersion(HttpVersion.HTTP_2)
              .setSslEngineOptions(new OpenSSLEngineOptions())
              .setKeyCertOptions(
                  new PemKeyCertOptions()
                      .setCertValue(Buffer.buffer(c.certPem()))
                      .setKeyValue(Buffer.buffer(c.keyPem())))
              .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(c.caPem())));
      clients.add(vertx.createHttpClient(o, new PoolOptions().setHttp2MaxSize(1)));
    }
  }

  /** One loop per (client, request) pair for {@code d}; the result as {@link ClosedLoop}'s. */
  public ClosedLoop.Result run(List<Request> requests, Duration d) {
    return run(clients.subList(0, requests.size()), requests, d);
  }

  /**
   * {@code loops} loops sending {@code request} over the first caller's client for {@code d}: one
   * HTTP/2 connection carrying up to {@code loops} streams at once (one user's client, as the JDK
   * generator's single {@code HttpClient} of {@link ClosedLoop#run(java.net.http.HttpClient,
   * java.net.http.HttpRequest, int, Duration)}); the result as {@link ClosedLoop}'s.
   */
  public ClosedLoop.Result run(Request request, int loops, Duration d) {
    return run(Collections.nCopies(loops, clients.get(0)), Collections.nCopies(loops, request), d);
  }

  // loop i sends requests.get(i) with client.get(i); the loops of one client share one event-loop
  // context (its connection's), so a shared connection costs no hop between event loops
  private ClosedLoop.Result run(List<HttpClientAgent> client, List<Request> requests, Duration d) {
    long end = System.nanoTime() + d.toNanos();
    long[] lat = new long[MAX_SAMPLES];
    AtomicInteger n = new AtomicInteger();
    AtomicLong errors = new AtomicLong();
    List<Future<Void>> loops = new ArrayList<>();
    Map<HttpClientAgent, Context> contexts = new IdentityHashMap<>();
    for (int c = 0; c < requests.size(); c++) {
      HttpClientAgent agent = client.get(c);
      Request r = requests.get(c);
      RequestOptions options =
          new RequestOptions()
              .setMethod(HttpMethod.GET)
              .setAbsoluteURI(r.uri())
              .putHeader("Accept", r.accept());
      Context context = contexts.computeIfAbsent(agent, a -> vertx.getOrCreateContext());
      Promise<Void> done = Promise.promise();
      context.runOnContext(
          v -> {
            try {
              loop(agent, options, r.expect(), end, lat, n, errors, done);
            } catch (RuntimeException e) {
              done.tryFail(e);
            }
          });
      loops.add(done.future());
    }
    try {
      Future.all(loops)
          .toCompletionStage()
          .toCompletableFuture()
          .get(d.plus(HANG_GUARD).toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("load loops did not finish", e);
    }
    int count = Math.min(n.get(), lat.length);
    long[] sorted = Arrays.copyOf(lat, count);
    Arrays.sort(sorted);
    return new ClosedLoop.Result(
        count,
        errors.get(),
        count / (d.toNanos() / 1e9),
        ClosedLoop.percentile(sorted, 0.50) / 1e6,
        ClosedLoop.percentile(sorted, 0.99) / 1e6);
  }

  // runs on the loop's event-loop context: each callback sends the next request
  private static void loop(
      HttpClientAgent client,
      RequestOptions options,
      String expect,
      long end,
      long[] lat,
      AtomicInteger n,
      AtomicLong errors,
      Promise<Void> done) {
    if (System.nanoTime() >= end) {
      done.complete();
      return;
    }
    long start = System.nanoTime();
    client
        .request(options)
        .compose(req -> req.send())
        .compose(
            resp ->
                resp.body()
                    .map(
                        body ->
                            resp.statusCode() == 200
                                && (expect == null || body.toString().contains(expect))))
        .onComplete(
            ar -> {
              if (ar.failed() || !ar.result()) {
                errors.incrementAndGet();
              } else {
                int i = n.getAndIncrement();
                if (i < lat.length) {
                  lat[i] = System.nanoTime() - start;
                }
              }
              if (ar.failed()) {
                // a failure may complete at once: go on from a fresh task, not deeper in the stack
                Vertx.currentContext()
                    .runOnContext(v -> loop(client, options, null, end, lat, n, errors, done));
              } else {
                loop(client, options, null, end, lat, n, errors, done);
              }
            });
  }

  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("closing the load generator's Vert.x", e);
    }
  }
}
