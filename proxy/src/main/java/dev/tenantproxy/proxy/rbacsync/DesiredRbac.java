package dev.tenantproxy.proxy.rbacsync;

import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The desired ClusterRoles and ClusterRoleBindings of one snapshot (pure). One pair per tenant,
 * both named {@code tenant-proxy-direct:<tenant>}.
 */
final class DesiredRbac {

  /** Label on every managed object (the informers select on it). */
  static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

  static final String MANAGED_BY_VALUE = "tenant-proxy-rbac-sync";

  /** Annotation naming the tenant (a label value would be limited to 63 characters). */
  static final String TENANT_ANNOTATION = "tenant-proxy.dev/tenant";

  static final String NAME_PREFIX = "tenant-proxy-direct:";

  private static final String RBAC_GROUP = "rbac.authorization.k8s.io";
  private static final String SA_PREFIX = "system:serviceaccount:";

  private DesiredRbac() {}

  /** The object name of {@code tenant}'s ClusterRole and ClusterRoleBinding. */
  static String objectName(String tenant) {
    return NAME_PREFIX + tenant;
  }

  /** The desired ClusterRoles by name. */
  static SortedMap<String, ClusterRole> roles(TenancySnapshot s, boolean tenantObjects) {
    SortedMap<String, ClusterRole> out = new TreeMap<>();
    for (TenantInfo t : s.tenants().values()) {
      ClusterRole r = role(t, List.copyOf(s.namespacesOfTenant(t.name())), tenantObjects);
      out.put(r.getMetadata().getName(), r);
    }
    return out;
  }

  /** The desired ClusterRoleBindings by name. */
  static SortedMap<String, ClusterRoleBinding> bindings(TenancySnapshot s) {
    SortedMap<String, ClusterRoleBinding> out = new TreeMap<>();
    for (TenantInfo t : s.tenants().values()) {
      ClusterRoleBinding b = binding(t);
      out.put(b.getMetadata().getName(), b);
    }
    return out;
  }

  /**
   * {@code tenant}'s ClusterRole: get, list, watch on exactly its namespaces (and on the Tenant
   * object itself when {@code tenantObjects}). A rule with an empty {@code resourceNames} would
   * grant every name, so a tenant without namespaces gets no namespace rule at all.
   */
  static ClusterRole role(TenantInfo tenant, List<String> namespaces, boolean tenantObjects) {
    List<PolicyRule> rules = new ArrayList<>(2);
    if (!namespaces.isEmpty()) {
      rules.add(
          new PolicyRuleBuilder()
              .withApiGroups("")
              .withResources("namespaces")
              .withVerbs("get", "list", "watch")
              .withResourceNames(namespaces.stream().sorted().toList())
              .build());
    }
    if (tenantObjects) {
      rules.add(
          new PolicyRuleBuilder()
              .withApiGroups("capsule.clastix.io")
              .withResources("tenants")
              .withVerbs("get", "list", "watch")
              .withResourceNames(tenant.name())
              .build());
    }
    return new ClusterRoleBuilder()
        .withNewMetadata()
        .withName(objectName(tenant.name()))
        .withLabels(Map.of(MANAGED_BY_LABEL, MANAGED_BY_VALUE))
        .withAnnotations(Map.of(TENANT_ANNOTATION, tenant.name()))
        .withOwnerReferences(ownerReferences(tenant))
        .endMetadata()
        .withRules(rules)
        .build();
  }

  /** {@code tenant}'s ClusterRoleBinding: its ClusterRole to every principal of status.owners. */
  static ClusterRoleBinding binding(TenantInfo tenant) {
    List<Subject> subjects =
        tenant.ownerPrincipals().stream()
            .map(DesiredRbac::subject)
            .sorted(
                Comparator.comparing(Subject::getKind)
                    .thenComparing(x -> Objects.toString(x.getNamespace(), ""))
                    .thenComparing(Subject::getName))
            .toList();
    return new ClusterRoleBindingBuilder()
        .withNewMetadata()
        .withName(objectName(tenant.name()))
        .withLabels(Map.of(MANAGED_BY_LABEL, MANAGED_BY_VALUE))
        .withAnnotations(Map.of(TENANT_ANNOTATION, tenant.name()))
        .withOwnerReferences(ownerReferences(tenant))
        .endMetadata()
        .withNewRoleRef(RBAC_GROUP, "ClusterRole", objectName(tenant.name()))
        .withSubjects(subjects)
        .build();
  }

  static Subject subject(Principal p) {
    return switch (p.kind()) {
      case USER ->
          new SubjectBuilder().withApiGroup(RBAC_GROUP).withKind("User").withName(p.name()).build();
      case GROUP ->
          new SubjectBuilder()
              .withApiGroup(RBAC_GROUP)
              .withKind("Group")
              .withName(p.name())
              .build();
      case SERVICE_ACCOUNT -> serviceAccount(p.name());
    };
  }

  /** {@code system:serviceaccount:<ns>:<name>} as a ServiceAccount subject; else as a User. */
  private static Subject serviceAccount(String userName) {
    if (userName.startsWith(SA_PREFIX)) {
      String rest = userName.substring(SA_PREFIX.length());
      int colon = rest.indexOf(':');
      if (colon > 0 && colon < rest.length() - 1) {
        return new SubjectBuilder()
            .withKind("ServiceAccount")
            .withNamespace(rest.substring(0, colon))
            .withName(rest.substring(colon + 1))
            .build();
      }
    }
    return new SubjectBuilder()
        .withApiGroup(RBAC_GROUP)
        .withKind("User")
        .withName(userName)
        .build();
  }

  /**
   * The Tenant as controlling owner, so the API server's garbage collector removes the pair when
   * the Tenant is deleted (also while rbac-sync is not running). {@code blockOwnerDeletion} is left
   * unset: setting it would need {@code update} on {@code tenants/finalizers}.
   */
  private static List<OwnerReference> ownerReferences(TenantInfo tenant) {
    if (tenant.uid().isEmpty()) {
      return List.of();
    }
    return List.of(
        new OwnerReferenceBuilder()
            .withApiVersion("capsule.clastix.io/v1beta2")
            .withKind("Tenant")
            .withName(tenant.name())
            .withUid(tenant.uid())
            .withController(true)
            .build());
  }

  /** Whether {@code actual} already is {@code desired} in everything rbac-sync manages. */
  static boolean same(ClusterRole desired, ClusterRole actual) {
    return sameMeta(desired, actual)
        && Objects.equals(normalizedRules(desired.getRules()), normalizedRules(actual.getRules()))
        && (actual.getAggregationRule() == null);
  }

  static boolean same(ClusterRoleBinding desired, ClusterRoleBinding actual) {
    return sameMeta(desired, actual)
        && Objects.equals(desired.getRoleRef(), actual.getRoleRef())
        && Objects.equals(desired.getSubjects(), nullToEmpty(actual.getSubjects()));
  }

  private static boolean sameMeta(
      io.fabric8.kubernetes.api.model.HasMetadata desired,
      io.fabric8.kubernetes.api.model.HasMetadata actual) {
    var d = desired.getMetadata();
    var a = actual.getMetadata();
    return Objects.equals(d.getLabels(), nullToEmpty(a.getLabels()))
        && Objects.equals(d.getAnnotations(), nullToEmpty(a.getAnnotations()))
        && Objects.equals(d.getOwnerReferences(), nullToEmpty(a.getOwnerReferences()));
  }

  private static List<PolicyRule> normalizedRules(List<PolicyRule> rules) {
    if (rules == null) {
      return List.of();
    }
    return rules.stream()
        .map(
            r ->
                new PolicyRuleBuilder()
                    .withApiGroups(nullToEmpty(r.getApiGroups()))
                    .withResources(nullToEmpty(r.getResources()))
                    .withVerbs(nullToEmpty(r.getVerbs()))
                    .withResourceNames(nullToEmpty(r.getResourceNames()))
                    .withNonResourceURLs(nullToEmpty(r.getNonResourceURLs()))
                    .build())
        .toList();
  }

  private static <T> List<T> nullToEmpty(List<T> l) {
    return l == null ? List.of() : l;
  }

  private static <K, V> Map<K, V> nullToEmpty(Map<K, V> m) {
    return m == null ? Map.of() : m;
  }
}
