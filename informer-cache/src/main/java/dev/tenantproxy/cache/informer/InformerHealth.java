package dev.tenantproxy.cache.informer;

import java.time.Instant;

/**
 * The health of one informer.
 *
 * @param kind {@code plural.group/version}
 * @param required whether start-up and readiness wait for it
 * @param synced whether its first list has been applied to the index
 * @param watching whether its upstream watch is open now
 * @param retrying whether it is failing and retrying (an error since the last successful list)
 * @param lastError the last error, worded for an operator (e.g. a missing CRD), or null
 * @param lastErrorAt when that error happened, or null
 */
public record InformerHealth(
    String kind,
    boolean required,
    boolean synced,
    boolean watching,
    boolean retrying,
    String lastError,
    Instant lastErrorAt) {

  /** Whether this informer is fine for readiness: synced, or not required. */
  public boolean healthy() {
    return synced || !required;
  }
}
