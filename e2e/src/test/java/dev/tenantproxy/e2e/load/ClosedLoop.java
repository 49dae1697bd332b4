package dev.tenantproxy.e2e.load;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop load driver for the benchmarks: each loop sends its request, waits for the answer,
 * records the latency of a 200, and sends again until the time is up. Bounded in time and in the
 * number of latencies kept.
 */
public final class ClosedLoop {
  private static final int MAX_SAMPLES = 4_000_000;

  private ClosedLoop() {}

  private static final Duration HANG_GUARD = Duration.ofMinutes(2);

  /** One run: answers, failures (non-200 or I/O errors), req/s and latency percentiles. */
  public record Result(int count, long errors, double rps, double p50ms, double p99ms) {}

  /** {@code concurrency} loops sending the same request with one client. */
  public static Result run(HttpClient client, HttpRequest request, int concurrency, Duration d) {
    return run(
        Collections.nCopies(concurrency, client), Collections.nCopies(concurrency, request), d);
  }

  /** One loop per (client, request) pair. */
  public static Result run(List<HttpClient> clients, List<HttpRequest> requests, Duration d) {
    long end = System.nanoTime() + d.toNanos();
    long[] lat = new long[MAX_SAMPLES];
    AtomicInteger n = new AtomicInteger();
    AtomicLong errors = new AtomicLong();
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    for (int c = 0; c < requests.size(); c++) {
      loops.add(loop(clients.get(c), requests.get(c), end, lat, n, errors));
    }
    // hang guard: requests carry no timeout of their own, so one that never answers would
    // otherwise keep the run (and the build) waiting forever
    CompletableFuture.allOf(loops.toArray(CompletableFuture<?>[]::new))
        .orTimeout(d.plus(HANG_GUARD).toMillis(), TimeUnit.MILLISECONDS)
        .join();
    int count = Math.min(n.get(), lat.length);
    long[] sorted = Arrays.copyOf(lat, count);
    Arrays.sort(sorted);
    return new Result(
        count,
        errors.get(),
        count / (d.toNanos() / 1e9),
        percentile(sorted, 0.50) / 1e6,
        percentile(sorted, 0.99) / 1e6);
  }

  /** The {@code q} quantile of sorted values (NaN when empty). */
  public static double percentile(long[] sorted, double q) {
    return Bench.percentile(sorted, q);
  }

  private static CompletableFuture<Void> loop(
      HttpClient client,
      HttpRequest request,
      long end,
      long[] lat,
      AtomicInteger n,
      AtomicLong errors) {
    if (System.nanoTime() >= end) {
      return CompletableFuture.completedFuture(null);
    }
    long start = System.nanoTime();
    return client
        .sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .handle(
            (resp, err) -> {
              if (err != null || resp.statusCode() != 200) {
                errors.incrementAndGet();
              } else {
                int i = n.getAndIncrement();
                if (i < lat.length) {
                  lat[i] = System.nanoTime() - start;
                }
              }
              return null;
            })
        .thenCompose(v -> loop(client, request, end, lat, n, errors));
  }
}
