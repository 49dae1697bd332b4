package dev.tenantproxy.e2e.controlplane;

import java.util.List;
import java.util.Map;

/**
 * A tenant owner (or a Capsule user, where {@link #clusterRoles()} does not matter): {@code kind}
 * is {@code User}, {@code Group} or {@code ServiceAccount}; a ServiceAccount's name is {@code
 * system:serviceaccount:<namespace>:<name>}.
 */
public record Owner(String kind, String name, List<String> clusterRoles) {

  /** What Capsule gives an owner in each tenant namespace by default. */
  public static final List<String> DEFAULT_CLUSTER_ROLES =
      List.of("admin", Capsule.NAMESPACE_DELETER_ROLE);

  public Owner {
    if (!List.of("User", "Group", "ServiceAccount").contains(kind)) {
      throw new IllegalArgumentException(
          "owner kind must be User, Group or ServiceAccount: " + kind);
    }
    if (kind.equals("ServiceAccount") && name.split(":").length != 4) {
      throw new IllegalArgumentException(
          "a ServiceAccount owner is named system:serviceaccount:<namespace>:<name>: " + name);
    }
    clusterRoles = List.copyOf(clusterRoles);
  }

  public static Owner user(String name) {
    return new Owner("User", name, DEFAULT_CLUSTER_ROLES);
  }

  public static Owner group(String name) {
    return new Owner("Group", name, DEFAULT_CLUSTER_ROLES);
  }

  public static Owner serviceAccount(String namespace, String name) {
    return new Owner(
        "ServiceAccount", "system:serviceaccount:" + namespace + ":" + name, DEFAULT_CLUSTER_ROLES);
  }

  public Owner withClusterRoles(String... roles) {
    return new Owner(kind, name, List.of(roles));
  }

  /**
   * {@code {kind, name, clusterRoles}} as in Tenant {@code spec.owners} / {@code status.owners}.
   */
  public Map<String, Object> toMap() {
    return Map.of("kind", kind, "name", name, "clusterRoles", clusterRoles);
  }

  /** {@code {kind, name}} as in CapsuleConfiguration {@code users}. */
  Map<String, Object> toSubjectMap() {
    return Map.of("kind", kind, "name", name);
  }
}
