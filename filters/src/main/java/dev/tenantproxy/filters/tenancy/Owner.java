package dev.tenantproxy.filters.tenancy;

import java.util.List;
import java.util.Objects;

/** One entry of a Tenant's {@code status.owners}: who owns it and with which cluster roles. */
public record Owner(Principal principal, List<String> clusterRoles) {

  public Owner {
    Objects.requireNonNull(principal, "principal");
    clusterRoles = clusterRoles == null ? List.of() : List.copyOf(clusterRoles);
  }
}
