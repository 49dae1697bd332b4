package dev.tenantproxy.filters.selector;

import java.util.Objects;

/**
 * One term of a field selector: {@code field=value} ({@code equal=true}) or {@code field!=value}.
 * The value is unescaped.
 */
public record FieldRequirement(String field, boolean equal, String value) {
  public FieldRequirement {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(value, "value");
  }

  /** Whether the field value (null means absent, which compares as "") satisfies this term. */
  public boolean matches(String actual) {
    return (actual == null ? "" : actual).equals(value) == equal;
  }

  @Override
  public String toString() {
    return field + (equal ? "=" : "!=") + FieldSelector.escapeValue(value);
  }
}
