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
 * answers for {@code ttl}, negative ones for {@code negativeTtl}; see the package DESIGN note.
 */
public final class CachingTokenAuthenticator {
  private final TokenReviewer reviewer;
  private final AsyncTtlCache<String, Optional<Caller>> cache;
  private final AsyncTtlCache.OutcomeListener listener;

  public CachingTokenAuthenticator(
      TokenReviewer reviewer,
      Duration ttl,
      Duration negativeTtl,
      int maxEntries,
      AsyncTtlCache.OutcomeListener listener) {
    this.reviewer = reviewer;
    this.listener = listener;
    long pos = ttl.toNanos();
    long neg = negativeTtl.toNanos();
    this.cache = new AsyncTtlCache<>(maxEntries, v -> v.isPresent() ? pos : neg, System::nanoTime);
  }

  /** The token's identity, or empty when the API server does not authenticate it. */
  public Future<Optional<Caller>> authenticate(String token) {
    return cache.get(sha256(token), k -> reviewer.review(token), listener);
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
