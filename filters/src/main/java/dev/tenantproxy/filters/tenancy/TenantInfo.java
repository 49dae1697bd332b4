package dev.tenantproxy.filters.tenancy;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Tenant ({@code capsule.clastix.io/v1beta2}) as the proxy needs it. Ownership comes from {@code
 * status.owners} (the controller's merged view), never from {@code spec.owners}; {@code
 * spec.owners[].proxySettings} and {@code spec.nodeSelector} are kept for the cluster-scoped rules.
 *
 * @param statusNamespaces {@code status.namespaces}, sorted and without duplicates
 */
public record TenantInfo(
    String name,
    String uid,
    String resourceVersion,
    String state,
    List<Owner> owners,
    List<String> statusNamespaces,
    List<SpecOwner> specOwners,
    Map<String, String> nodeSelector)
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
