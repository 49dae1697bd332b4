package dev.tenantproxy.filters.visibility;

import dev.tenantproxy.filters.tenancy.ClassPolicy;
import dev.tenantproxy.filters.tenancy.ClusterResource;
import dev.tenantproxy.filters.tenancy.GlobalProxySettingsInfo;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.ProxySettingInfo;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Builds the {@link ClusterRule}s of a snapshot for one kind (see the package DESIGN note). */
final class Rules {
  private final TenancySnapshot snapshot;
  private final ClusterKind kind;
  private Map<String, List<ProxySettingInfo>> proxySettingsByTenant;

  Rules(TenancySnapshot snapshot, ClusterKind kind) {
    this.snapshot = snapshot;
    this.kind = kind;
  }

  /** The ProxySettings whose namespace belongs to an existing tenant, by tenant. */
  Map<String, List<ProxySettingInfo>> proxySettingsByTenant() {
    if (proxySettingsByTenant == null) {
      Map<String, List<ProxySettingInfo>> out = new HashMap<>();
      for (ProxySettingInfo ps : snapshot.proxySettings().values()) {
        String tenant = snapshot.tenantOfNamespace(ps.namespace());
        if (tenant != null && snapshot.tenant(tenant) != null) {
          out.computeIfAbsent(tenant, t -> new ArrayList<>()).add(ps);
        }
      }
      proxySettingsByTenant = out;
    }
    return proxySettingsByTenant;
  }

  // ---- tenant rules ----------------------------------------------------------------------------

  /** The rules tenant {@code t} writes for this kind (empty when it writes none). */
  List<ClusterRule> ofTenant(TenantInfo t) {
    if (kind.tenantRule() == null) {
      return List.of();
    }
    List<ClusterRule> out = new ArrayList<>(4);
    String name = t.name();
    String src = "Tenant " + name;
    switch (kind.tenantRule()) {
      case NODE_SELECTOR -> {
        Map<String, String> sel = t.nodeSelector();
        if (!sel.isEmpty()) {
          out.add(
              tenantRule(
                  t,
                  RuleKind.NODE_SELECTOR,
                  src + " spec.nodeSelector",
                  labels(sel),
                  o -> containsAll(o.labels(), sel)));
        }
      }
      case CLASS_POLICY -> {
        ClassPolicy p = t.classPolicy(kind.classKind());
        String path = src + " " + kind.classKind().specPath();
        if (!p.allowed().isEmpty()) {
          Set<String> allowed = Set.copyOf(p.allowed());
          out.add(
              tenantRule(
                  t,
                  RuleKind.ALLOWED_NAME,
                  path + ".allowed",
                  p.allowed().toString(),
                  o -> allowed.contains(o.name())));
        }
        Pattern regex = p.regex();
        if (regex != null) {
          out.add(
              tenantRule(
                  t,
                  RuleKind.ALLOWED_REGEX,
                  path + ".allowedRegex",
                  p.allowedRegex(),
                  o -> regex.matcher(o.name()).find()));
        }
        SpecSelector selector = SpecSelector.compile(p.selector());
        if (selector.valid()) {
          out.add(
              tenantRule(
                  t,
                  RuleKind.SELECTOR,
                  path + " selector",
                  selector.toString(),
                  o -> selector.matches(o.labels())));
        }
        if (!p.defaultName().isEmpty()) {
          String def = p.defaultName();
          out.add(
              tenantRule(t, RuleKind.DEFAULT, path + ".default", def, o -> def.equals(o.name())));
        }
      }
      case PV_TENANT_LABEL ->
          out.add(
              tenantRule(
                  t,
                  RuleKind.PV_TENANT_LABEL,
                  src,
                  "label " + ClusterKind.TENANT_LABEL + "=" + name,
                  o -> name.equals(o.labels().get(ClusterKind.TENANT_LABEL))));
      case OWNED_TENANT ->
          out.add(tenantRule(t, RuleKind.OWNED_TENANT, src, "owned", o -> name.equals(o.name())));
    }
    return out;
  }

  /** Why tenant {@code t} writes no rule for this kind (for explanations). */
  String whyNoRule(TenantInfo t) {
    String src = "Tenant " + t.name();
    return switch (kind.tenantRule()) {
      case NODE_SELECTOR -> src + " has no spec.nodeSelector (it grants no nodes)";
      case CLASS_POLICY -> {
        ClassPolicy p = t.classPolicy(kind.classKind());
        String path = src + " " + kind.classKind().specPath();
        if (p.isEmpty()) {
          yield path + " is not set (it grants no " + kind.resource() + ")";
        }
        List<String> why = new ArrayList<>();
        if (p.regexError() != null) {
          why.add("allowedRegex " + p.allowedRegex() + " is invalid: " + p.regexError());
        }
        SpecSelector s = SpecSelector.compile(p.selector());
        if (p.selector() != null && !s.valid()) {
          why.add("selector " + s + " selects nothing: " + s.error());
        }
        yield path + ": " + String.join("; ", why);
      }
      default -> src + " grants no " + kind.resource();
    };
  }

  private ClusterRule tenantRule(
      TenantInfo t, RuleKind rule, String source, String detail, Predicate<ServedObject> matcher) {
    return new ClusterRule(rule, t.name(), source, detail, matcher, principals(t), true, true);
  }

  /**
   * Who a tenant rule applies to. Nodes and Tenants: every principal of {@code status.owners} (no
   * grant needed). Classes and PersistentVolumes: the {@code spec.owners} entries that are also in
   * {@code status.owners} and hold a {@code List} grant for the kind. Plus, except for Tenants, the
   * subjects of a ProxySetting in one of the tenant's namespaces whose (deprecated) {@code
   * proxySettings} grant {@code List} for the kind.
   */
  private Map<Principal, String> principals(TenantInfo t) {
    Map<Principal, String> out = new LinkedHashMap<>();
    Set<Principal> owners = t.ownerPrincipals();
    ClusterKind.TenantRule rule = kind.tenantRule();
    if (rule == ClusterKind.TenantRule.NODE_SELECTOR
        || rule == ClusterKind.TenantRule.OWNED_TENANT) {
      owners.forEach(p -> out.put(p, ""));
    }
    if (kind.grantKind() == null) {
      return out;
    }
    for (Grant g : grants(t, GrantOperation.LIST)) {
      out.putIfAbsent(g.principal(), g.text());
    }
    return out;
  }

  /** An owner grant: who holds it and where it is written (for reasons). */
  record Grant(Principal principal, String text) {}

  /**
   * The grants of {@code op} for this kind in tenant {@code t} (e.g. {@code Tenant solar
   * spec.owners User:alice: StorageClasses [List]}): spec owners that are also status owners, then
   * ProxySetting subjects (not for Tenants).
   */
  List<Grant> grants(TenantInfo t, GrantOperation op) {
    List<Grant> out = new ArrayList<>();
    if (kind.grantKind() == null) {
      return out;
    }
    Set<Principal> owners = t.ownerPrincipals();
    for (TenantInfo.SpecOwner so : t.specOwners()) {
      if (!owners.contains(so.principal())) {
        continue;
      }
      for (TenantInfo.OwnerProxySetting s : so.proxySettings()) {
        if (kind.grantKind().equals(s.kind()) && s.operations().contains(op.capsuleName())) {
          String g =
              "Tenant "
                  + t.name()
                  + " spec.owners "
                  + so.principal()
                  + ": "
                  + s.kind()
                  + " "
                  + s.operations();
          out.add(new Grant(so.principal(), g));
        }
      }
    }
    if (kind.tenantRule() != ClusterKind.TenantRule.OWNED_TENANT) {
      for (ProxySettingInfo ps : proxySettingsByTenant().getOrDefault(t.name(), List.of())) {
        for (ProxySettingInfo.Subject sub : ps.subjects()) {
          for (TenantInfo.OwnerProxySetting s : sub.proxySettings()) {
            if (kind.grantKind().equals(s.kind()) && s.operations().contains(op.capsuleName())) {
              String g =
                  "ProxySetting "
                      + ps.key()
                      + " subject "
                      + sub.principal()
                      + ": "
                      + s.kind()
                      + " "
                      + s.operations();
              out.add(new Grant(sub.principal(), g));
            }
          }
        }
      }
    }
    return out;
  }

  // ---- clusterResources rules ------------------------------------------------------------------

  /** Every {@code clusterResources} rule (ProxySetting, then GlobalProxySettings) for this kind. */
  List<ClusterRule> clusterResourceRules() {
    List<ClusterRule> out = new ArrayList<>();
    for (Map.Entry<String, List<ProxySettingInfo>> e :
        new TreeMap<>(proxySettingsByTenant()).entrySet()) {
      for (ProxySettingInfo ps : e.getValue()) {
        List<ProxySettingInfo.Subject> subjects = ps.subjects();
        for (int i = 0; i < subjects.size(); i++) {
          ProxySettingInfo.Subject s = subjects.get(i);
          List<ClusterResource> crs = s.clusterResources();
          for (int j = 0; j < crs.size(); j++) {
            ClusterRule r =
                resourceRule(
                    RuleKind.PROXY_SETTING_RULE,
                    e.getKey(),
                    "ProxySetting "
                        + ps.key()
                        + " spec.subjects["
                        + i
                        + "].clusterResources["
                        + j
                        + "]",
                    crs.get(j),
                    List.of(s.principal()));
            if (r != null) {
              out.add(r);
            }
          }
        }
      }
    }
    for (GlobalProxySettingsInfo g : snapshot.globalProxySettings().values()) {
      List<GlobalProxySettingsInfo.Rule> rules = g.rules();
      for (int i = 0; i < rules.size(); i++) {
        List<ClusterResource> crs = rules.get(i).clusterResources();
        for (int j = 0; j < crs.size(); j++) {
          ClusterRule r =
              resourceRule(
                  RuleKind.GLOBAL_PROXY_SETTINGS_RULE,
                  null,
                  "GlobalProxySettings "
                      + g.name()
                      + " spec.rules["
                      + i
                      + "].clusterResources["
                      + j
                      + "]",
                  crs.get(j),
                  rules.get(i).subjects());
          if (r != null) {
            out.add(r);
          }
        }
      }
    }
    return out;
  }

  /**
   * The rule of {@code cr} for this kind, or {@code null} when it does not name the kind. Its
   * selector may select nothing (kept, so explanations can say why).
   */
  private ClusterRule resourceRule(
      RuleKind rule, String tenant, String source, ClusterResource cr, List<Principal> subjects) {
    if (!(covers(cr.apiGroups(), kind.group()) && covers(cr.resources(), kind.resource()))) {
      return null;
    }
    boolean list;
    boolean get;
    if (cr.operations().isEmpty()) {
      list = true;
      get = true;
    } else {
      list = cr.operations().contains("List");
      get = list || cr.operations().contains("Get");
    }
    SpecSelector selector = SpecSelector.compile(cr.selector());
    Map<Principal, String> who = new LinkedHashMap<>();
    subjects.forEach(p -> who.put(p, ""));
    String ops = list ? "[List, Get]" : get ? "[Get]" : "[]";
    String detail =
        "selector "
            + selector
            + (selector.valid() ? "" : " (" + selector.error() + ")")
            + " operations "
            + ops;
    return new ClusterRule(
        rule, tenant, source, detail, o -> selector.matches(o.labels()), who, list, get);
  }

  private static boolean covers(List<String> names, String name) {
    return names.contains("*") || names.contains(name);
  }

  private static boolean containsAll(Map<String, String> labels, Map<String, String> selector) {
    for (Map.Entry<String, String> e : selector.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  static String labels(Map<String, String> labels) {
    return new TreeMap<>(labels)
        .entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
  }
}
