package dev.tenantproxy.proxy.auth;

import dev.tenantproxy.filters.identity.Caller;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Bearer tokens through a {@link TokenReviewer}, cached by the SHA-256 of the token: positive
 * answers for {@code ttl}, negative ones for {@code negativeTtl}; see the package DESIGN note. At
 * most {@code maxInFlight} TokenReviews run at once ({@code --token-review-max-in-flight}, default
 * {@value #MAX_REVIEWS_IN_FLIGHT}) and {@code maxQueued} wait ({@code --token-review-max-queued},
 * default {@value #MAX_REVIEWS_QUEUED}); beyond that a new (uncached) token is answered 429 at
 * once, so a flood of distinct bad tokens costs the API server a bounded number of concurrent
 * reviews and the proxy bounded memory.
 */
public final class CachingTokenAuthenticator {
  static final int MAX_REVIEWS_IN_FLIGHT = 64;
  static final int MAX_REVIEWS_QUEUED = 4096;

  private final TokenReviewer reviewer;
  private final AsyncLimiter limiter;
  private final AsyncTtlCache<String, Optional<Caller>> cache;
  private final AsyncTtlCache.OutcomeListener listener;

  public CachingTokenAuthenticator(
      TokenReviewer reviewer,
      Duration ttl,
      Duration negativeTtl,
      int maxEntries,
      AsyncTtlCache.OutcomeListener listener) {
    this(
        reviewer,
        MAX_REVIEWS_IN_FLIGHT,
        MAX_REVIEWS_QUEUED,
        ttl,
        negativeTtl,
        maxEntries,
        listener);
  }

  public CachingTokenAuthenticator(
      TokenReviewer reviewer,
      int maxInFlight,
      int maxQueued,
      Duration ttl,
      Duration negativeTtl,
      int maxEntries,
      AsyncTtlCache.OutcomeListener listener) {
    this.reviewer = reviewer;
    this.limiter = new AsyncLimiter(maxInFlight, maxQueued, "token reviews");
    this.listener = listener;
    long pos = ttl.toNanos();
    long neg = negativeTtl.toNanos();
    this.cache = new AsyncTtlCache<>(maxEntries, v -> v.isPresent() ? pos : neg, System::nanoTime);
  }

  /** The token's identity, or empty when the API server does not authenticate it. */
  public Future<Optional<Caller>> authenticate(String token) {
    return cache.get(sha256(token), k -> limiter.submit(() -> reviewer.review(token)), listener);
  }

  static String sha256(String token) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
