package dev.tenantproxy.proxy.ops;

import dev.tenantproxy.proxy.auth.AsyncTtlCache;
import dev.tenantproxy.proxy.passthrough.PassThroughFilter;
import dev.tenantproxy.proxy.server.Decision;
import dev.tenantproxy.proxy.server.RequestAttributes;
import dev.tenantproxy.proxy.tls.CertificateFiles;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The proxy's own Prometheus metrics (next to Vert.x's, in the same registry). Names:
 *
 * <ul>
 *   <li>{@code tenant_proxy_requests_total{verb,resource,code,decision}}
 *   <li>{@code tenant_proxy_request_duration_seconds{verb,resource,decision}} (histogram, time to
 *       the response head; watches excluded)
 *   <li>{@code tenant_proxy_open_watches}
 *   <li>{@code
 *       tenant_proxy_upstream_requests_total{kind=passthrough|tokenreview|subjectaccessreview}}
 *   <li>{@code tenant_proxy_upstream_resent_total} (requests the API server did not process, sent
 *       again)
 *   <li>{@code
 *       tenant_proxy_cache_lookups_total{cache=tokenreview|impersonation,result=hit|miss|coalesced}}
 *   <li>{@code
 *       tenant_proxy_certificate_expiration_timestamp_seconds{certificate=serving|front-proxy-client}}
 *   <li>{@code tenant_proxy_certificate_reloads_total{certificate,result=loaded|refused}}
 * </ul>
 */
public final class ProxyMetrics implements PassThroughFilter.Observer {
  private final PrometheusMeterRegistry registry;
  private final AtomicInteger openWatches = new AtomicInteger();
  private final Counter passthrough;
  private final Counter tokenReviews;
  private final Counter accessReviews;
  // meters by label values: one registry lookup per distinct series, not per request
  private final java.util.concurrent.ConcurrentMap<String, Counter> requestCounters =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.ConcurrentMap<String, Timer> requestTimers =
      new java.util.concurrent.ConcurrentHashMap<>();
  // what the function counters read: a function counter holds its object only weakly, and the
  // suppliers handed in are method references nobody else holds; once collected, the counter would
  // freeze at its last value (ProxyMetricsTest)
  private final java.util.List<Object> counted = new java.util.concurrent.CopyOnWriteArrayList<>();

  public ProxyMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("tenant_proxy_open_watches", openWatches, AtomicInteger::get)
        .description("Watches currently streamed to clients")
        .tag("decision", "passed")
        .register(registry);
    // Netty's pooled buffers are direct memory outside the JDK's buffer pools (no Cleaner):
    // jvm_buffer_memory_used_bytes does not count them
    Gauge.builder(
            "tenant_proxy_netty_direct_memory_bytes",
            io.netty.util.internal.PlatformDependent::usedDirectMemory)
        .description(
            "Direct memory Netty has allocated outside the JDK buffer pools (-1: untracked)")
        .baseUnit("bytes")
        .register(registry);
    passthrough = upstreamCounter("passthrough");
    tokenReviews = upstreamCounter("tokenreview");
    accessReviews = upstreamCounter("subjectaccessreview");
  }

  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  private Counter upstreamCounter(String kind) {
    return Counter.builder("tenant_proxy_upstream_requests")
        .description("Requests the proxy sent to the API server")
        .tag("kind", kind)
        .register(registry);
  }

  /** Records one answered request (at the time its response head is written). */
  public void request(RequestAttributes a, int code, Decision decision, long nanos) {
    String resource = resourceLabel(a);
    String series = a.verb() + '|' + resource + '|' + decision.label();
    requestCounters
        .computeIfAbsent(
            series + '|' + code,
            k ->
                Counter.builder("tenant_proxy_requests")
                    .description("Requests by verb, resource, code and decision")
                    .tag("verb", a.verb())
                    .tag("resource", resource)
                    .tag("code", Integer.toString(code))
                    .tag("decision", decision.label())
                    .register(registry))
        .increment();
    if (!a.isWatch() && code != 101) {
      requestTimers
          .computeIfAbsent(
              series,
              k ->
                  Timer.builder("tenant_proxy_request_duration")
                      .description("Time to the response head, watches excluded")
                      .tag("verb", a.verb())
                      .tag("resource", resource)
                      .tag("decision", decision.label())
                      .publishPercentileHistogram()
                      .register(registry))
          .record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  private static String resourceLabel(RequestAttributes a) {
    if (!a.resourceRequest()) {
      return "nonresource";
    }
    String r = a.subresource().isEmpty() ? a.resource() : a.resource() + "/" + a.subresource();
    return a.apiGroup().isEmpty() ? r : r + "." + a.apiGroup();
  }

  /** Cache outcome listener for the named cache. */
  public AsyncTtlCache.OutcomeListener cacheListener(String cache) {
    MeterRegistry r = registry;
    Counter hit = cacheCounter(r, cache, "hit");
    Counter miss = cacheCounter(r, cache, "miss");
    Counter coalesced = cacheCounter(r, cache, "coalesced");
    return outcome -> {
      switch (outcome) {
        case HIT -> hit.increment();
        case MISS -> miss.increment();
        case COALESCED -> coalesced.increment();
        default -> {}
      }
    };
  }

  private static Counter cacheCounter(MeterRegistry r, String cache, String result) {
    return Counter.builder("tenant_proxy_cache_lookups")
        .description("TokenReview / impersonation cache lookups")
        .tag("cache", cache)
        .tag("result", result)
        .register(r);
  }

  public Runnable tokenReviewCounter() {
    return tokenReviews::increment;
  }

  public Runnable accessReviewCounter() {
    return accessReviews::increment;
  }

  @Override
  public void upstreamRequest() {
    passthrough.increment();
  }

  @Override
  public void watchOpened() {
    openWatches.incrementAndGet();
  }

  @Override
  public void watchClosed() {
    openWatches.decrementAndGet();
  }

  /**
   * Counts the watches a serving filter answers itself (for example namespaces served from the
   * index) in {@code tenant_proxy_open_watches{decision="served"}}.
   */
  public void servedWatches(java.util.function.IntSupplier open) {
    Gauge.builder("tenant_proxy_open_watches", open, s -> s.getAsInt())
        .description("Watches currently streamed to clients")
        .tag("decision", "served")
        .strongReference(true) // a method reference is held by nothing else; weak would read NaN
        .register(registry);
  }

  /**
   * The tenancy index's writer: events received from the informers, applied, failed (skipped after
   * a logged error), waiting, the last event's lag and the snapshot revision.
   */
  public void index(java.util.function.Supplier<dev.tenantproxy.cache.informer.IndexMetrics> m) {
    counted.add(m);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "tenant_proxy_index_events_received", m, s -> s.get().eventsReceived())
        .description("Informer events handed to the index writer")
        .register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "tenant_proxy_index_events_applied", m, s -> s.get().eventsApplied())
        .description("Events the index writer has applied (or skipped after a failure)")
        .register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "tenant_proxy_index_events_failed", m, s -> s.get().eventsFailed())
        .description("Events whose application failed (logged and skipped)")
        .register(registry);
    Gauge.builder("tenant_proxy_index_queue_depth", m, s -> s.get().queueDepth())
        .description("Events waiting for the index writer")
        .strongReference(true)
        .register(registry);
    Gauge.builder("tenant_proxy_index_lag_seconds", m, s -> s.get().lastLagMicros() / 1e6)
        .description("Time from informer callback to applied, for the last event")
        .strongReference(true)
        .register(registry);
    Gauge.builder("tenant_proxy_index_revision", m, s -> s.get().revision())
        .description("Revision of the current tenancy snapshot")
        .strongReference(true)
        .register(registry);
  }

  /**
   * A certificate the proxy reloads from its files, as {@code certificate}: the expiry (notAfter,
   * unix seconds) of its leaf certificate in service, and how many renewed pairs were put in
   * service ({@code result="loaded"}) or refused, the previous one kept ({@code "refused"}; a
   * refusal for the same content and reason counts once, as it is logged once).
   */
  public void certificate(String certificate, CertificateFiles files) {
    Gauge.builder(
            "tenant_proxy_certificate_expiration_timestamp_seconds",
            files,
            f -> {
              Instant notAfter = f.notAfter();
              return notAfter == null ? Double.NaN : notAfter.getEpochSecond();
            })
        .description("Expiry (notAfter, unix seconds) of the leaf certificate in service")
        .tag("certificate", certificate)
        .strongReference(true)
        .register(registry);
    counted.add(files);
    FunctionCounter.builder("tenant_proxy_certificate_reloads", files, f -> f.reloaded())
        .description("Renewed certificate files put in service or refused")
        .tag("certificate", certificate)
        .tag("result", "loaded")
        .register(registry);
    FunctionCounter.builder("tenant_proxy_certificate_reloads", files, f -> f.refused())
        .description("Renewed certificate files put in service or refused")
        .tag("certificate", certificate)
        .tag("result", "refused")
        .register(registry);
  }

  /** Watch-hub tasks that failed (each ended the open served watches with 410). */
  public void watchHubFailures(java.util.function.LongSupplier failures) {
    counted.add(failures);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "tenant_proxy_watch_hub_failures", failures, s -> s.getAsLong())
        .description("Watch-hub tasks that failed; each ended the open served watches with 410")
        .register(registry);
  }

  /** Requests sent to the API server again because it did not process them ({@code Upstream}). */
  public void upstreamResent(java.util.function.LongSupplier resent) {
    counted.add(resent);
    FunctionCounter.builder("tenant_proxy_upstream_resent", resent, s -> s.getAsLong())
        .description(
            "Requests sent to the API server again because it did not process them (a refused"
                + " stream, or one above the last stream of a GOAWAY)")
        .register(registry);
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }
}
