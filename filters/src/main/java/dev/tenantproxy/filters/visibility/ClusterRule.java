package dev.tenantproxy.filters.visibility;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.Principal;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One rule of one tenant, ProxySetting or GlobalProxySettings for one kind: which objects it
 * selects, how (List/Get), and the principals it applies to, each with the grant that made it apply
 * ("" when none was needed). Built by {@link Rules}; the same rules answer "what does this caller
 * see" and "who sees this object", so the two cannot disagree.
 */
record ClusterRule(
    RuleKind kind,
    String tenant,
    String source,
    String detail,
    Predicate<ServedObject> matcher,
    Map<Principal, String> principals,
    boolean list,
    boolean get) {

  boolean allows(Access access) {
    return access == Access.LIST ? list : get;
  }

  boolean matches(ServedObject object) {
    return matcher.test(object);
  }

  /** Whether one of the principals matches {@code caller}. */
  boolean appliesTo(Caller caller) {
    for (Principal p : principals.keySet()) {
      if (Visibility.matches(caller, p)) {
        return true;
      }
    }
    return false;
  }

  /** The reason for {@code caller} (the grant of the first of its principals). */
  Reason reasonFor(Caller caller) {
    String grant = null;
    for (Map.Entry<Principal, String> e : principals.entrySet()) {
      if (Visibility.matches(caller, e.getKey())) {
        grant = e.getValue().isEmpty() ? null : e.getValue();
        break;
      }
    }
    return new Reason(kind, tenant, source, detail, grant);
  }

  String describe() {
    return source + " " + detail;
  }
}
