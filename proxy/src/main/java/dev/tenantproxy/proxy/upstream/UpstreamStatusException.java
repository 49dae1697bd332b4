package dev.tenantproxy.proxy.upstream;

/** The API server answered a proxy-internal call (TokenReview, SAR) with a non-2xx status. */
public final class UpstreamStatusException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public UpstreamStatusException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
