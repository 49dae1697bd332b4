package dev.tenantproxy.proxy.ops;

/**
 * Whether the proxy may receive traffic ({@code /readyz} 200). The tenancy index plugs in its
 * synced signal here (e.g. {@code index::hasSynced}); checks are combined with {@link #and}. Called
 * on an event loop: must answer immediately (read a volatile flag, never wait).
 */
@FunctionalInterface
public interface Readiness {
  boolean isReady();

  static Readiness always() {
    return () -> true;
  }

  default Readiness and(Readiness other) {
    return () -> isReady() && other.isReady();
  }
}
