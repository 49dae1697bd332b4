package dev.tenantproxy.filters.visibility;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;

/**
 * What one caller sees of one cluster-scoped kind in one snapshot: the rules that apply to it,
 * compiled once ({@link ClusterVisibility#view}), then asked per object. Immutable and thread-safe;
 * cheap to build (O(tenants the caller owns + ProxySettings + GlobalProxySettings)).
 */
public final class CallerView {
  private final Caller caller;
  private final ClusterKind kind;
  private final Rules rules;
  private final List<TenantInfo> tenants;
  private final List<ClusterRule> applicable;
  private final List<ClusterRule> candidates;
  private final List<String> withoutRule;

  CallerView(TenancySnapshot snapshot, Caller caller, ClusterKind kind, SortedSet<String> tenants) {
    this.caller = caller;
    this.kind = kind;
    this.rules = new Rules(snapshot, kind);
    List<TenantInfo> ts = new ArrayList<>();
    List<ClusterRule> applies = new ArrayList<>();
    List<ClusterRule> all = new ArrayList<>();
    List<String> none = new ArrayList<>();
    for (String name : tenants) {
      TenantInfo t = snapshot.tenant(name);
      if (t == null) {
        continue;
      }
      ts.add(t);
      List<ClusterRule> own = rules.ofTenant(t);
      if (own.isEmpty() && kind.tenantRule() != null) {
        none.add(rules.whyNoRule(t));
      }
      for (ClusterRule r : own) {
        all.add(r);
        if (r.appliesTo(caller)) {
          applies.add(r);
        }
      }
    }
    for (ClusterRule r : rules.clusterResourceRules()) {
      if (r.appliesTo(caller)) {
        all.add(r);
        applies.add(r);
      }
    }
    this.tenants = List.copyOf(ts);
    this.applicable = List.copyOf(applies);
    this.candidates = List.copyOf(all);
    this.withoutRule = List.copyOf(none);
  }

  public Caller caller() {
    return caller;
  }

  public ClusterKind kind() {
    return kind;
  }

  /** Whether {@code object} is visible; the reason is the first rule that selects it. */
  public Decision decide(ServedObject object, Access access) {
    for (ClusterRule r : applicable) {
      if (r.allows(access) && r.matches(object)) {
        return new Decision(true, List.of(r.reasonFor(caller)), List.of());
      }
    }
    return Decision.HIDDEN;
  }

  public boolean isVisible(ServedObject object, Access access) {
    return decide(object, access).visible();
  }

  /**
   * Like {@link #decide}, with every rule that selects the object, and, when none does, why each
   * rule that could have does not (for {@code tenant-proxy explain}).
   */
  public Decision explain(ServedObject object, Access access) {
    List<Reason> reasons = new ArrayList<>();
    for (ClusterRule r : applicable) {
      if (r.allows(access) && r.matches(object)) {
        reasons.add(r.reasonFor(caller));
      }
    }
    if (!reasons.isEmpty()) {
      return new Decision(true, reasons, List.of());
    }
    List<String> misses = new ArrayList<>();
    for (ClusterRule r : candidates) {
      boolean applies = r.appliesTo(caller);
      if (!r.matches(object)) {
        misses.add(r.describe() + ": does not select it");
      } else if (!applies) {
        misses.add(
            r.describe()
                + ": selects it, but "
                + who()
                + " holds no "
                + kind.grantKind()
                + " List grant in tenant "
                + r.tenant()
                + " (spec.owners[].proxySettings)");
      } else {
        misses.add(r.describe() + ": selects it for Get only, not for List");
      }
    }
    misses.addAll(withoutRule);
    if (misses.isEmpty()) {
      misses.add(
          who()
              + " owns no tenant, and no ProxySetting or GlobalProxySettings rule for "
              + kind.displayName()
              + " names it");
    }
    return new Decision(false, List.of(), misses);
  }

  /**
   * Whether any rule gives this caller {@code access} to this kind. When none does, the proxy has
   * nothing to serve and the request goes to the API server as the caller (its own RBAC answers,
   * usually 403 Forbidden).
   */
  public boolean grantsAnything(Access access) {
    for (ClusterRule r : applicable) {
      if (r.allows(access)) {
        return true;
      }
    }
    return false;
  }

  /** The rules that apply to this caller, as reasons (for explanations). */
  public List<Reason> rules() {
    return applicable.stream().map(r -> r.reasonFor(caller)).toList();
  }

  /**
   * The rules of the caller's tenants that do not apply to it (a grant is missing) and the tenants
   * that write no rule for this kind, one line each (for explanations).
   */
  public List<String> inactiveRules() {
    List<String> out = new ArrayList<>();
    for (ClusterRule r : candidates) {
      if (!r.appliesTo(caller)) {
        out.add(
            r.describe()
                + ": needs a "
                + kind.grantKind()
                + " List grant for "
                + who()
                + " in tenant "
                + r.tenant());
      }
    }
    out.addAll(withoutRule);
    return out;
  }

  /**
   * Whether this caller may update ({@link GrantOperation#UPDATE}) or delete ({@link
   * GrantOperation#DELETE}) {@code object}: it must be visible, and a tenant whose rules select it
   * must give the caller a grant of that operation for this kind ({@code spec.owners[]
   * .proxySettings}, or a ProxySetting subject's {@code proxySettings} in that tenant).
   * ProxySetting / GlobalProxySettings {@code clusterResources} rules never allow writes. {@link
   * GrantOperation#LIST} is the same as visibility.
   */
  public WriteDecision mayWrite(ServedObject object, GrantOperation op) {
    if (!isVisible(object, Access.GET)) {
      return new WriteDecision(false, object.name() + " is not visible to " + who());
    }
    if (op == GrantOperation.LIST) {
      return new WriteDecision(true, decide(object, Access.GET).reasons().get(0).describe());
    }
    if (kind.grantKind() == null) {
      return new WriteDecision(
          false, "no owner grant covers " + kind.displayName() + "; the proxy does not write them");
    }
    for (TenantInfo t : tenants) {
      boolean selects = false;
      for (ClusterRule r : rules.ofTenant(t)) {
        if (r.matches(object)) {
          selects = true;
          break;
        }
      }
      if (!selects) {
        continue;
      }
      for (Rules.Grant g : rules.grants(t, op)) {
        if (Visibility.matches(caller, g.principal())) {
          return new WriteDecision(true, g.text());
        }
      }
    }
    return new WriteDecision(
        false,
        who()
            + " holds no "
            + kind.grantKind()
            + " "
            + op.capsuleName()
            + " grant in a tenant whose rules select "
            + object.name());
  }

  /**
   * Whether a tenant the caller owns gives it a grant of {@code op} for this kind, whatever object
   * (an owner grant in {@code spec.owners[].proxySettings} that is also in {@code status.owners},
   * or a ProxySetting subject's {@code proxySettings} in that tenant). The proxy executes a write
   * only for such a caller; a caller without the grant writes as itself (the API server's RBAC
   * answers). {@code clusterResources} rules never count.
   */
  public boolean holdsGrant(GrantOperation op) {
    if (kind.grantKind() == null) {
      return false;
    }
    for (TenantInfo t : tenants) {
      for (Rules.Grant g : rules.grants(t, op)) {
        if (Visibility.matches(caller, g.principal())) {
          return true;
        }
      }
    }
    return false;
  }

  private String who() {
    return "User " + caller.user();
  }
}
