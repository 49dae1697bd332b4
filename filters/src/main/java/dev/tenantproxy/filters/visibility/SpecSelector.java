package dev.tenantproxy.filters.visibility;

import dev.tenantproxy.filters.tenancy.ClusterResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@code metav1.LabelSelector} written in a Tenant, ProxySetting or GlobalProxySettings, compiled
 * for matching. Stricter than {@code LabelSelectorAsSelector} on purpose: a selector without terms
 * selects <b>nothing</b> (not everything), and an invalid one (unknown operator, {@code In} /
 * {@code NotIn} without values, {@code Exists} / {@code DoesNotExist} with values) selects nothing
 * and says why.
 */
final class SpecSelector {
  private final ClusterResource.LabelSelectorSpec spec;
  private final String error;
  private final String text;

  private SpecSelector(ClusterResource.LabelSelectorSpec spec, String error, String text) {
    this.spec = spec;
    this.error = error;
    this.text = text;
  }

  static SpecSelector compile(ClusterResource.LabelSelectorSpec spec) {
    if (spec == null || spec.isEmpty()) {
      return new SpecSelector(null, "an empty selector selects nothing", "{}");
    }
    List<String> terms = new ArrayList<>();
    new TreeMap<>(spec.matchLabels()).forEach((k, v) -> terms.add(k + "=" + v));
    String error = null;
    for (ClusterResource.Requirement r : spec.matchExpressions()) {
      List<String> values = r.values().stream().sorted().toList();
      switch (r.operator()) {
        case "In", "NotIn" -> {
          if (values.isEmpty()) {
            error = "matchExpressions " + r.key() + " " + r.operator() + " needs values";
          }
          terms.add(
              r.key()
                  + (r.operator().equals("In") ? " in (" : " notin (")
                  + String.join(",", values)
                  + ")");
        }
        case "Exists", "DoesNotExist" -> {
          if (!values.isEmpty()) {
            error = "matchExpressions " + r.key() + " " + r.operator() + " takes no values";
          }
          terms.add(r.operator().equals("Exists") ? r.key() : "!" + r.key());
        }
        default -> {
          error = "matchExpressions " + r.key() + ": unknown operator " + r.operator();
          terms.add(r.key() + " " + r.operator() + " " + values);
        }
      }
    }
    return new SpecSelector(error == null ? spec : null, error, String.join(",", terms));
  }

  /** Whether this selector can select anything. */
  boolean valid() {
    return spec != null;
  }

  /** Why it selects nothing, or {@code null}. */
  String error() {
    return error;
  }

  boolean matches(Map<String, String> labels) {
    if (spec == null) {
      return false;
    }
    for (Map.Entry<String, String> e : spec.matchLabels().entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    for (ClusterResource.Requirement r : spec.matchExpressions()) {
      String actual = labels.get(r.key());
      boolean ok =
          switch (r.operator()) {
            case "In" -> actual != null && r.values().contains(actual);
            case "NotIn" -> actual == null || !r.values().contains(actual);
            case "Exists" -> actual != null;
            case "DoesNotExist" -> actual == null;
            default -> false;
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Selector syntax, e.g. {@code tier=gold,zone in (a,b)}. */
  @Override
  public String toString() {
    return text;
  }
}
