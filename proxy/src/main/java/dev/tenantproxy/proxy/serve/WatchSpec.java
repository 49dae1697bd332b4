package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.filters.identity.Caller;
import java.util.Objects;

/**
 * What one watch of a served kind asks for.
 *
 * @param resourceVersion -1 for unset/"" and 0 for "0" (current state as ADDED, then live); N to
 *     resume after N
 * @param sendInitialEvents WatchList: current state as ADDED, then a BOOKMARK with {@code
 *     k8s.io/initial-events-end}, then live (whatever the resourceVersion)
 */
public record WatchSpec(
    Caller caller, ObjectFilter filter, long resourceVersion, boolean sendInitialEvents) {
  public WatchSpec {
    Objects.requireNonNull(caller, "caller");
    filter = filter == null ? ObjectFilter.everything() : filter;
  }

  boolean resumes() {
    return !sendInitialEvents && resourceVersion > 0;
  }
}
