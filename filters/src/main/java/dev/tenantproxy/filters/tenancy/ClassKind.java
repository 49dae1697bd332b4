package dev.tenantproxy.filters.tenancy;

/**
 * The class kinds a Tenant restricts, each with the place of its {@link ClassPolicy} in a {@code
 * v1beta2} Tenant spec.
 */
public enum ClassKind {
  STORAGE_CLASSES("spec.storageClasses"),
  INGRESS_CLASSES("spec.ingressOptions.allowedClasses"),
  PRIORITY_CLASSES("spec.priorityClasses"),
  RUNTIME_CLASSES("spec.runtimeClasses");

  private final String specPath;

  ClassKind(String specPath) {
    this.specPath = specPath;
  }

  /** Where the policy sits in the Tenant, e.g. {@code spec.ingressOptions.allowedClasses}. */
  public String specPath() {
    return specPath;
  }
}
