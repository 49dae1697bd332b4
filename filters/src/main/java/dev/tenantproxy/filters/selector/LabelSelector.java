package dev.tenantproxy.filters.selector;

import dev.tenantproxy.filters.selector.impl.LabelParser;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A parsed Kubernetes label selector ({@code k8s.io/apimachinery/pkg/labels.Parse}): requirements
 * joined by AND, sorted by key. The empty selector matches everything. Immutable and thread-safe.
 */
public final class LabelSelector {
  private static final LabelSelector EVERYTHING = new LabelSelector(List.of());

  private final List<Requirement> requirements;

  private LabelSelector(List<Requirement> requirements) {
    this.requirements = List.copyOf(requirements);
  }

  /**
   * Parses a selector exactly as the API server does.
   *
   * @throws KubeStatusException 400 with the API server's message, e.g. {@code unable to parse
   *     requirement: found '', expected: in, notin, =, ==, !=, gt, lt}
   */
  public static LabelSelector parse(String selector) {
    if (selector == null || selector.isEmpty()) {
      return EVERYTHING;
    }
    List<Requirement> parsed = LabelParser.parse(selector);
    return parsed.isEmpty() ? EVERYTHING : new LabelSelector(parsed);
  }

  /** The selector that matches every object. */
  public static LabelSelector everything() {
    return EVERYTHING;
  }

  /** Whether the labels (null means none) satisfy every requirement. */
  public boolean matches(Map<String, String> labels) {
    Map<String, String> ls = labels == null ? Map.of() : labels;
    for (Requirement r : requirements) {
      if (!r.matches(ls)) {
        return false;
      }
    }
    return true;
  }

  public boolean isEmpty() {
    return requirements.isEmpty();
  }

  /** The requirements, sorted by key. */
  public List<Requirement> requirements() {
    return requirements;
  }

  /** The value of a {@code key=value} / {@code key==value} / {@code key in (value)} requirement. */
  public Optional<String> exactMatch(String key) {
    for (Requirement r : requirements) {
      if (r.key().equals(key)
          && r.values().size() == 1
          && switch (r.operator()) {
            case EQUALS, DOUBLE_EQUALS, IN -> true;
            default -> false;
          }) {
        return Optional.of(r.values().get(0));
      }
    }
    return Optional.empty();
  }

  /** The canonical form ({@code Selector.String()}). */
  @Override
  public String toString() {
    return requirements.stream().map(Requirement::toString).collect(Collectors.joining(","));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelSelector other && other.requirements.equals(requirements);
  }

  @Override
  public int hashCode() {
    return requirements.hashCode();
  }
}
