package dev.tenantproxy.filters.visibility;

/** The operations of an owner grant ({@code spec.owners[].proxySettings[].operations}). */
public enum GrantOperation {
  LIST("List"),
  UPDATE("Update"),
  DELETE("Delete");

  private final String capsuleName;

  GrantOperation(String capsuleName) {
    this.capsuleName = capsuleName;
  }

  /** The spelling in Capsule objects ({@code List}, {@code Update}, {@code Delete}). */
  public String capsuleName() {
    return capsuleName;
  }
}
