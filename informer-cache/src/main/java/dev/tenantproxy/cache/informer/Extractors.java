package dev.tenantproxy.cache.informer;

import dev.tenantproxy.cache.watchcache.CachedObject;
import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.ClassKind;
import dev.tenantproxy.filters.tenancy.ClassPolicy;
import dev.tenantproxy.filters.tenancy.ClusterResource;
import dev.tenantproxy.filters.tenancy.GlobalProxySettingsInfo;
import dev.tenantproxy.filters.tenancy.NamespaceInfo;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.ProxySettingInfo;
import dev.tenantproxy.filters.tenancy.TenancyObject;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads informed objects ({@link InformedObject}) into the plain tenancy model. Never modifies the
 * object; unknown or malformed entries are skipped.
 */
final class Extractors {
  private static final String CAPSULE_GROUP = "capsule.clastix.io";

  private Extractors() {}

  /** The tenancy model of {@code r} for the tenancy kinds, {@code null} for other kinds. */
  static TenancyObject model(ResourceKind kind, InformedObject r) {
    if (kind.equals(ResourceKind.TENANTS)) {
      return tenant(r);
    } else if (kind.equals(ResourceKind.NAMESPACES)) {
      return namespace(r);
    } else if (kind.equals(ResourceKind.CAPSULE_CONFIGURATIONS)) {
      return configuration(r);
    } else if (kind.equals(ResourceKind.PROXY_SETTINGS)) {
      return proxySetting(r);
    } else if (kind.equals(ResourceKind.GLOBAL_PROXY_SETTINGS)) {
      return globalProxySettings(r);
    }
    return null;
  }

  /** The informer key: {@code name} or {@code namespace/name}. */
  static String key(InformedObject r) {
    ObjectMeta m = r.getMetadata();
    String ns = m.getNamespace();
    return ns == null || ns.isEmpty() ? m.getName() : ns + "/" + m.getName();
  }

  static CachedObject cached(ResourceKind kind, InformedObject r, byte[] json) {
    ObjectMeta m = r.getMetadata();
    Map<String, String> fields = new HashMap<>(4);
    fields.put("metadata.name", m.getName());
    if (kind.namespaced()) {
      fields.put("metadata.namespace", m.getNamespace());
    }
    if (kind.equals(ResourceKind.NAMESPACES)) {
      fields.put("status.phase", str(map(r.field("status")).get("phase")));
    }
    if (kind.group().isEmpty() && kind.plural().equals("nodes")) {
      // as the API server: strconv.FormatBool(spec.unschedulable), "false" when unset
      Object unschedulable = map(r.field("spec")).get("unschedulable");
      fields.put("spec.unschedulable", Boolean.toString(Boolean.TRUE.equals(unschedulable)));
    }
    fields.values().removeIf(v -> v == null);
    return new CachedObject(
        key(r), m.getNamespace(), m.getName(), m.getResourceVersion(), m.getLabels(), fields, json);
  }

  static TenantInfo tenant(InformedObject r) {
    ObjectMeta m = r.getMetadata();
    Map<String, Object> spec = map(r.field("spec"));
    Map<String, Object> status = map(r.field("status"));
    List<Owner> owners = new ArrayList<>();
    for (Map<String, Object> o : maps(status.get("owners"))) {
      Principal p = principal(o);
      if (p != null) {
        owners.add(new Owner(p, strings(o.get("clusterRoles"))));
      }
    }
    List<TenantInfo.SpecOwner> specOwners = new ArrayList<>();
    for (Map<String, Object> o : maps(spec.get("owners"))) {
      Principal p = principal(o);
      if (p != null) {
        specOwners.add(new TenantInfo.SpecOwner(p, ownerProxySettings(o.get("proxySettings"))));
      }
    }
    return new TenantInfo(
        m.getName(),
        m.getUid(),
        m.getResourceVersion(),
        str(status.get("state")),
        owners,
        strings(status.get("namespaces")),
        specOwners,
        stringMap(spec.get("nodeSelector")),
        classPolicies(spec));
  }

  /** The allowed-class policies of a v1beta2 Tenant spec (see {@link ClassKind#specPath()}). */
  static Map<ClassKind, ClassPolicy> classPolicies(Map<String, Object> spec) {
    Map<ClassKind, ClassPolicy> out = new EnumMap<>(ClassKind.class);
    out.put(ClassKind.STORAGE_CLASSES, classPolicy(spec.get("storageClasses")));
    out.put(
        ClassKind.INGRESS_CLASSES,
        classPolicy(map(spec.get("ingressOptions")).get("allowedClasses")));
    out.put(ClassKind.PRIORITY_CLASSES, classPolicy(spec.get("priorityClasses")));
    out.put(ClassKind.RUNTIME_CLASSES, classPolicy(spec.get("runtimeClasses")));
    return out;
  }

  private static ClassPolicy classPolicy(Object value) {
    if (!(value instanceof Map<?, ?>)) {
      return ClassPolicy.NONE;
    }
    Map<String, Object> m = map(value);
    return ClassPolicy.of(
        strings(m.get("allowed")),
        str(m.get("allowedRegex")),
        labelSelector(m),
        str(m.get("default")));
  }

  /** {@code matchLabels} / {@code matchExpressions} of {@code m} ({@code null} when neither). */
  private static ClusterResource.LabelSelectorSpec labelSelector(Map<String, Object> m) {
    if (!m.containsKey("matchLabels") && !m.containsKey("matchExpressions")) {
      return null;
    }
    List<ClusterResource.Requirement> exprs = new ArrayList<>();
    for (Map<String, Object> e : maps(m.get("matchExpressions"))) {
      String key = str(e.get("key"));
      String op = str(e.get("operator"));
      if (key != null && op != null) {
        exprs.add(new ClusterResource.Requirement(key, op, strings(e.get("values"))));
      }
    }
    return new ClusterResource.LabelSelectorSpec(stringMap(m.get("matchLabels")), exprs);
  }

  static NamespaceInfo namespace(InformedObject r) {
    ObjectMeta m = r.getMetadata();
    String ownerTenant = null;
    if (m.getOwnerReferences() != null) {
      for (OwnerReference ref : m.getOwnerReferences()) {
        String apiVersion = ref.getApiVersion() == null ? "" : ref.getApiVersion();
        if ("Tenant".equals(ref.getKind()) && apiVersion.startsWith(CAPSULE_GROUP + "/")) {
          ownerTenant = ref.getName();
          break;
        }
      }
    }
    return new NamespaceInfo(
        m.getName(),
        m.getUid(),
        m.getResourceVersion(),
        str(map(r.field("status")).get("phase")),
        m.getLabels(),
        ownerTenant);
  }

  static CapsuleConfigurationInfo configuration(InformedObject r) {
    ObjectMeta m = r.getMetadata();
    Map<String, Object> spec = map(r.field("spec"));
    Map<String, Object> status = map(r.field("status"));
    return new CapsuleConfigurationInfo(
        m.getName(),
        m.getResourceVersion(),
        principals(status.get("users")),
        strings(spec.get("ignoreUserWithGroups")));
  }

  static ProxySettingInfo proxySetting(InformedObject r) {
    ObjectMeta m = r.getMetadata();
    Map<String, Object> spec = map(r.field("spec"));
    List<ProxySettingInfo.Subject> subjects = new ArrayList<>();
    for (Map<String, Object> s : maps(spec.get("subjects"))) {
      Principal p = principal(s);
      if (p != null) {
        subjects.add(
            new ProxySettingInfo.Subject(
                p,
                clusterResources(s.get("clusterResources")),
                ownerProxySettings(s.get("proxySettings"))));
      }
    }
    return new ProxySettingInfo(m.getNamespace(), m.getName(), m.getResourceVersion(), subjects);
  }

  static GlobalProxySettingsInfo globalProxySettings(InformedObject r) {
    ObjectMeta m = r.getMetadata();
    Map<String, Object> spec = map(r.field("spec"));
    List<GlobalProxySettingsInfo.Rule> rules = new ArrayList<>();
    for (Map<String, Object> rule : maps(spec.get("rules"))) {
      rules.add(
          new GlobalProxySettingsInfo.Rule(
              principals(rule.get("subjects")), clusterResources(rule.get("clusterResources"))));
    }
    return new GlobalProxySettingsInfo(m.getName(), m.getResourceVersion(), rules);
  }

  private static List<ClusterResource> clusterResources(Object value) {
    List<ClusterResource> out = new ArrayList<>();
    for (Map<String, Object> c : maps(value)) {
      Object sel = c.get("selector");
      ClusterResource.LabelSelectorSpec selector =
          sel instanceof Map<?, ?> ? labelSelector(map(sel)) : null;
      if (sel instanceof Map<?, ?> && selector == null) {
        selector = new ClusterResource.LabelSelectorSpec(Map.of(), List.of());
      }
      out.add(
          new ClusterResource(
              strings(c.get("apiGroups")),
              strings(c.get("resources")),
              strings(c.get("operations")),
              selector));
    }
    return out;
  }

  private static List<TenantInfo.OwnerProxySetting> ownerProxySettings(Object value) {
    List<TenantInfo.OwnerProxySetting> out = new ArrayList<>();
    for (Map<String, Object> ps : maps(value)) {
      String kind = str(ps.get("kind"));
      if (kind != null) {
        out.add(new TenantInfo.OwnerProxySetting(kind, strings(ps.get("operations"))));
      }
    }
    return out;
  }

  private static List<Principal> principals(Object value) {
    List<Principal> out = new ArrayList<>();
    for (Map<String, Object> m : maps(value)) {
      Principal p = principal(m);
      if (p != null) {
        out.add(p);
      }
    }
    return out;
  }

  private static Principal principal(Map<String, Object> m) {
    return Principal.parse(str(m.get("kind")), str(m.get("name")));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  private static List<Map<String, Object>> maps(Object o) {
    if (!(o instanceof List<?> list)) {
      return List.of();
    }
    List<Map<String, Object>> out = new ArrayList<>(list.size());
    for (Object e : list) {
      if (e instanceof Map<?, ?>) {
        out.add(map(e));
      }
    }
    return out;
  }

  private static List<String> strings(Object o) {
    if (!(o instanceof List<?> list)) {
      return List.of();
    }
    List<String> out = new ArrayList<>(list.size());
    for (Object e : list) {
      if (e instanceof String s) {
        out.add(s);
      }
    }
    return out;
  }

  private static Map<String, String> stringMap(Object o) {
    Map<String, String> out = new HashMap<>();
    map(o)
        .forEach(
            (k, v) -> {
              if (v instanceof String s) {
                out.put(k, s);
              }
            });
    return out;
  }

  private static String str(Object o) {
    return o instanceof String s ? s : null;
  }
}
