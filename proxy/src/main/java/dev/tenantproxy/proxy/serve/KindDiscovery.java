package dev.tenantproxy.proxy.serve;

import io.vertx.core.Future;
import java.util.Optional;

/**
 * Finds a cluster-scoped kind the API server serves, as a {@link ServedKind} (for the kinds no
 * descriptor names, served because a {@code clusterResources} rule names them). Implemented over
 * the API server's discovery ({@code kinds/DiscoveredKinds}); tests use a fake.
 */
@FunctionalInterface
public interface KindDiscovery {

  /** Discovers nothing: only the descriptors given to the registry are served. */
  KindDiscovery NONE = (group, version, resource) -> Future.succeededFuture(Optional.empty());

  /**
   * The kind {@code group/version/resource} when the API server serves it at cluster scope with
   * {@code get}, {@code list} and {@code watch} (else empty); {@code version} empty means the
   * group's preferred version. Fails when discovery cannot answer now (the read passes through and
   * the next one asks again).
   */
  Future<Optional<ServedKind>> find(String group, String version, String resource);
}
