package dev.tenantproxy.proxy.auth;

import dev.tenantproxy.filters.identity.Caller;
import io.vertx.core.Future;

/** Asks the API server whether a subject may do something (SubjectAccessReview). */
@FunctionalInterface
public interface AccessReviewer {

  /** Resource attributes of one review. */
  record Attributes(
      String verb,
      String group,
      String resource,
      String subresource,
      String namespace,
      String name) {}

  /** One answer: allowed, and the authorizer's reason (may be empty). */
  record Answer(boolean allowed, String reason) {}

  Future<Answer> review(Caller subject, Attributes attributes);
}
