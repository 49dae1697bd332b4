package dev.tenantproxy.filters.tenancy;

/** The subject kinds Capsule uses in {@code status.owners} and {@code status.users}. */
public enum PrincipalKind {
  USER("User"),
  GROUP("Group"),
  SERVICE_ACCOUNT("ServiceAccount");

  private final String capsuleName;

  PrincipalKind(String capsuleName) {
    this.capsuleName = capsuleName;
  }

  /** The spelling in Capsule objects ({@code User}, {@code Group}, {@code ServiceAccount}). */
  public String capsuleName() {
    return capsuleName;
  }

  /** Parses Capsule's spelling; {@code null} for anything else (such entries are ignored). */
  public static PrincipalKind parse(String kind) {
    if (kind == null) {
      return null;
    }
    for (PrincipalKind k : values()) {
      if (k.capsuleName.equals(kind)) {
        return k;
      }
    }
    return null;
  }
}
