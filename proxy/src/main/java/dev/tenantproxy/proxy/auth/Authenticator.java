package dev.tenantproxy.proxy.auth;

import dev.tenantproxy.filters.identity.Caller;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * Establishes who is calling, with kube-apiserver semantics: trusted front-proxy headers, then the
 * client certificate, then the bearer token. Fails with {@code KubeStatusException} 401 when no
 * method authenticates (never 403), 503 when the API server cannot be asked.
 */
@FunctionalInterface
public interface Authenticator {
  Future<Caller> authenticate(HttpServerRequest request);
}
