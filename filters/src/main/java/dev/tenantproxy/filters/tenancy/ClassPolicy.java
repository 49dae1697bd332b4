package dev.tenantproxy.filters.tenancy;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A Tenant's allowed-class policy ({@code spec.storageClasses}, {@code
 * spec.ingressOptions.allowedClasses}, {@code spec.priorityClasses}, {@code spec.runtimeClasses}):
 * {@code {allowed: [names], allowedRegex: "re", matchLabels, matchExpressions, default: name}}.
 * Immutable; the regex is compiled once, when the Tenant is read (Capsule matches it unanchored, Go
 * {@code regexp.MatchString}; here {@link java.util.regex.Matcher#find()}). An invalid regex
 * matches nothing and is reported by {@link #regexError()}. Equality is by the Tenant's data.
 */
public final class ClassPolicy {

  /** No policy: the Tenant does not set this field. */
  public static final ClassPolicy NONE = new ClassPolicy(List.of(), "", null, "");

  private final List<String> allowed;
  private final String allowedRegex;
  private final Pattern regex;
  private final String regexError;
  private final ClusterResource.LabelSelectorSpec selector;
  private final String defaultName;

  private ClassPolicy(
      List<String> allowed,
      String allowedRegex,
      ClusterResource.LabelSelectorSpec selector,
      String defaultName) {
    this.allowed = allowed == null ? List.of() : List.copyOf(allowed);
    this.allowedRegex = allowedRegex == null ? "" : allowedRegex;
    this.selector = selector == null || selector.isEmpty() ? null : selector;
    this.defaultName = defaultName == null ? "" : defaultName;
    Pattern compiled = null;
    String error = null;
    if (!this.allowedRegex.isEmpty()) {
      try {
        compiled = Pattern.compile(this.allowedRegex);
      } catch (PatternSyntaxException e) {
        error = e.getDescription();
      }
    }
    this.regex = compiled;
    this.regexError = error;
  }

  /**
   * A policy; {@code null} arguments mean "not set". A selector without terms is dropped (it
   * selects nothing).
   */
  public static ClassPolicy of(
      List<String> allowed,
      String allowedRegex,
      ClusterResource.LabelSelectorSpec selector,
      String defaultName) {
    ClassPolicy p = new ClassPolicy(allowed, allowedRegex, selector, defaultName);
    return p.isEmpty() ? NONE : p;
  }

  /** {@code allowed}: exact names. */
  public List<String> allowed() {
    return allowed;
  }

  /** {@code allowedRegex} as written; empty when not set. */
  public String allowedRegex() {
    return allowedRegex;
  }

  /** The compiled {@code allowedRegex}; {@code null} when not set or invalid. */
  public Pattern regex() {
    return regex;
  }

  /** Why {@code allowedRegex} does not compile; {@code null} when it does or is not set. */
  public String regexError() {
    return regexError;
  }

  /** {@code matchLabels} / {@code matchExpressions}; {@code null} when neither is set. */
  public ClusterResource.LabelSelectorSpec selector() {
    return selector;
  }

  /** {@code default}; empty when not set. */
  public String defaultName() {
    return defaultName;
  }

  /** Whether nothing is set. */
  public boolean isEmpty() {
    return allowed.isEmpty() && allowedRegex.isEmpty() && selector == null && defaultName.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClassPolicy p
        && p.allowed.equals(allowed)
        && p.allowedRegex.equals(allowedRegex)
        && Objects.equals(p.selector, selector)
        && p.defaultName.equals(defaultName);
  }

  @Override
  public int hashCode() {
    return Objects.hash(allowed, allowedRegex, selector, defaultName);
  }

  @Override
  public String toString() {
    return "ClassPolicy{allowed="
        + allowed
        + ", allowedRegex="
        + allowedRegex
        + ", selector="
        + selector
        + ", default="
        + defaultName
        + "}";
  }
}
