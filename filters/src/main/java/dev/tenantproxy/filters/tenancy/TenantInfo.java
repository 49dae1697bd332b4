package dev.tenantproxy.filters.tenancy;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Tenant ({@code capsule.clastix.io/v1beta2}) as the proxy needs it. Ownership comes from {@code
 * status.owners} (the controller's merged view), never from {@code spec.owners}; {@code
 * spec.owners[].proxySettings}, {@code spec.nodeSelector} and the allowed-class policies are kept
 * for the cluster-scoped rules ({@code dev.tenantproxy.filters.visibility.ClusterVisibility}).
 *
 * @param statusNamespaces {@code status.namespaces}, sorted and without duplicates
 * @param nodeSelector {@code spec.nodeSelector}; empty when not set
 * @param classPolicies the allowed-class policies the Tenant sets (a kind without a policy is
 *     absent; see {@link #classPolicy})
 */
public record TenantInfo(
    String name,
    String uid,
    String resourceVersion,
    String state,
    List<Owner> owners,
    List<String> statusNamespaces,
    List<SpecOwner> specOwners,
    Map<String, String> nodeSelector,
    Map<ClassKind, ClassPolicy> classPolicies)
    implements TenancyObject {

  public TenantInfo {
    Objects.requireNonNull(name, "name");
    uid = uid == null ? "" : uid;
    resourceVersion = resourceVersion == null ? "" : resourceVersion;
    state = state == null ? "" : state;
    owners = owners == null ? List.of() : List.copyOf(owners);
    statusNamespaces =
        statusNamespaces == null ? List.of() : List.copyOf(new TreeSet<>(statusNamespaces));
    specOwners = specOwners == null ? List.of() : List.copyOf(specOwners);
    nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
    Map<ClassKind, ClassPolicy> policies = new EnumMap<>(ClassKind.class);
    if (classPolicies != null) {
      classPolicies.forEach(
          (k, v) -> {
            if (k != null && v != null && !v.isEmpty()) {
              policies.put(k, v);
            }
          });
    }
    classPolicies = policies.isEmpty() ? Map.of() : Collections.unmodifiableMap(policies);
  }

  /** A tenant without allowed-class policies. */
  public TenantInfo(
      String name,
      String uid,
      String resourceVersion,
      String state,
      List<Owner> owners,
      List<String> statusNamespaces,
      List<SpecOwner> specOwners,
      Map<String, String> nodeSelector) {
    this(
        name,
        uid,
        resourceVersion,
        state,
        owners,
        statusNamespaces,
        specOwners,
        nodeSelector,
        Map.of());
  }

  /** The policy for {@code kind}, {@link ClassPolicy#NONE} when the Tenant sets none. */
  public ClassPolicy classPolicy(ClassKind kind) {
    ClassPolicy p = classPolicies.get(kind);
    return p == null ? ClassPolicy.NONE : p;
  }

  /** A tenant with just a name, owners and status namespaces (tests, benchmarks). */
  public static TenantInfo of(String name, List<Owner> owners, List<String> statusNamespaces) {
    return new TenantInfo(name, "", "", "Active", owners, statusNamespaces, List.of(), Map.of());
  }

  @Override
  public String key() {
    return name;
  }

  /** The distinct principals of {@code status.owners}. */
  public Set<Principal> ownerPrincipals() {
    Set<Principal> out = new LinkedHashSet<>(owners.size() * 2);
    for (Owner o : owners) {
      out.add(o.principal());
    }
    return out;
  }

  /** Whether {@code principal} is one of {@code status.owners}. */
  public boolean isOwnedBy(Principal principal) {
    for (Owner o : owners) {
      if (o.principal().equals(principal)) {
        return true;
      }
    }
    return false;
  }

  /** An entry of {@code spec.owners}, kept for its {@code proxySettings}. */
  public record SpecOwner(Principal principal, List<OwnerProxySetting> proxySettings) {
    public SpecOwner {
      Objects.requireNonNull(principal, "principal");
      proxySettings = proxySettings == null ? List.of() : List.copyOf(proxySettings);
    }
  }

  /** {@code {kind: Nodes|StorageClasses|..., operations: [List|Update|Delete]}} of a spec owner. */
  public record OwnerProxySetting(String kind, List<String> operations) {
    public OwnerProxySetting {
      Objects.requireNonNull(kind, "kind");
      operations = operations == null ? List.of() : List.copyOf(operations);
    }
  }
}
