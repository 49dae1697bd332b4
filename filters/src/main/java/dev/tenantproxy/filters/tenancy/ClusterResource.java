package dev.tenantproxy.filters.tenancy;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@code ClusterResource} rule of ProxySetting / GlobalProxySettings, kept as parsed data.
 *
 * @param operations {@code List|Get}; empty means both (List implies Get)
 * @param selector the required label selector; {@code null} or empty selects nothing
 */
public record ClusterResource(
    List<String> apiGroups,
    List<String> resources,
    List<String> operations,
    LabelSelectorSpec selector) {

  public ClusterResource {
    apiGroups = apiGroups == null ? List.of() : List.copyOf(apiGroups);
    resources = resources == null ? List.of() : List.copyOf(resources);
    operations = operations == null ? List.of() : List.copyOf(operations);
  }

  /** A {@code metav1.LabelSelector} as data (evaluation lives in the selector package). */
  public record LabelSelectorSpec(
      Map<String, String> matchLabels, List<Requirement> matchExpressions) {
    public LabelSelectorSpec {
      matchLabels = matchLabels == null ? Map.of() : Map.copyOf(matchLabels);
      matchExpressions = matchExpressions == null ? List.of() : List.copyOf(matchExpressions);
    }

    /** Whether this selector has no terms (which, for a ClusterResource, selects nothing). */
    public boolean isEmpty() {
      return matchLabels.isEmpty() && matchExpressions.isEmpty();
    }
  }

  /** {@code {key, operator: In|NotIn|Exists|DoesNotExist, values}}. */
  public record Requirement(String key, String operator, List<String> values) {
    public Requirement {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(operator, "operator");
      values = values == null ? List.of() : List.copyOf(values);
    }
  }
}
