package dev.tenantproxy.proxy.server;

/** What the proxy did with one request; a metrics label and a field of the audit line. */
public enum Decision {
  /** Forwarded to the API server as the caller. */
  PASSED,
  /**
   * Forwarded to the API server with the proxy's own identity because an owner grant allows it (an
   * {@code Update} / {@code Delete} of a visible cluster-scoped object, see {@link AsProxy}).
   */
  EXECUTED,
  /** Answered by a proxy filter (lists, watches, access reviews served from the index). */
  SERVED,
  /** Refused by the proxy itself (401, 403, 400, ...), nothing forwarded. */
  DENIED,
  /** The proxy failed (upstream unreachable, internal error). */
  ERROR;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
