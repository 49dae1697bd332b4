package dev.tenantproxy.filters.tenancy;

import java.util.Objects;

/**
 * A subject as Capsule names it: a User, a Group or a ServiceAccount. A ServiceAccount's name is
 * its user name, {@code system:serviceaccount:<namespace>:<name>}.
 */
public record Principal(PrincipalKind kind, String name) {

  public Principal {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
  }

  public static Principal user(String name) {
    return new Principal(PrincipalKind.USER, name);
  }

  public static Principal group(String name) {
    return new Principal(PrincipalKind.GROUP, name);
  }

  public static Principal serviceAccount(String name) {
    return new Principal(PrincipalKind.SERVICE_ACCOUNT, name);
  }

  /** Parses a {@code {kind, name}} entry; {@code null} when the kind is unknown or name missing. */
  public static Principal parse(String kind, String name) {
    PrincipalKind k = PrincipalKind.parse(kind);
    return k == null || name == null || name.isEmpty() ? null : new Principal(k, name);
  }

  @Override
  public String toString() {
    return kind.capsuleName() + ":" + name;
  }
}
