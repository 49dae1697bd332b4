package dev.tenantproxy.proxy.auth;

import dev.tenantproxy.filters.identity.Caller;
import io.vertx.core.Future;
import java.util.Optional;

/** Asks the API server who a bearer token belongs to (TokenReview); empty = not authenticated. */
@FunctionalInterface
public interface TokenReviewer {
  Future<Optional<Caller>> review(String token);
}
