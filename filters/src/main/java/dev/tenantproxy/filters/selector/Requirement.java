package dev.tenantproxy.filters.selector;

import dev.tenantproxy.filters.selector.impl.Validation;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One requirement of a label selector, e.g. {@code env in (dev,prod)}. Values are sorted and
 * distinct, as in k8s.io/apimachinery.
 */
public record Requirement(String key, Operator operator, List<String> values) {

  /** The operators of {@code k8s.io/apimachinery/pkg/selection}. */
  public enum Operator {
    EQUALS("="),
    DOUBLE_EQUALS("=="),
    NOT_EQUALS("!="),
    IN("in"),
    NOT_IN("notin"),
    EXISTS("exists"),
    DOES_NOT_EXIST("!"),
    GREATER_THAN("gt"),
    LESS_THAN("lt");

    private final String symbol;

    Operator(String symbol) {
      this.symbol = symbol;
    }

    /** The operator as Kubernetes spells it in messages ({@code in}, {@code gt}, ...). */
    public String symbol() {
      return symbol;
    }
  }

  public Requirement {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(operator, "operator");
    values = List.copyOf(values);
  }

  /** Whether a set of labels satisfies this requirement, with the API server's semantics. */
  public boolean matches(Map<String, String> labels) {
    String actual = labels.get(key);
    boolean has = actual != null || labels.containsKey(key);
    return switch (operator) {
      case EQUALS, DOUBLE_EQUALS, IN -> has && values.contains(actual == null ? "" : actual);
      case NOT_EQUALS, NOT_IN -> !has || !values.contains(actual == null ? "" : actual);
      case EXISTS -> has;
      case DOES_NOT_EXIST -> !has;
      case GREATER_THAN, LESS_THAN -> {
        if (!has || actual == null || values.size() != 1) {
          yield false;
        }
        Long have = Validation.parseInt64(actual);
        Long want = Validation.parseInt64(values.get(0));
        if (have == null || want == null) {
          yield false;
        }
        yield operator == Operator.GREATER_THAN ? have > want : have < want;
      }
    };
  }

  /** The requirement in selector syntax, as {@code Requirement.String()} prints it. */
  @Override
  public String toString() {
    return switch (operator) {
      case EXISTS -> key;
      case DOES_NOT_EXIST -> "!" + key;
      case EQUALS -> key + "=" + values.get(0);
      case DOUBLE_EQUALS -> key + "==" + values.get(0);
      case NOT_EQUALS -> key + "!=" + values.get(0);
      case GREATER_THAN -> key + ">" + values.get(0);
      case LESS_THAN -> key + "<" + values.get(0);
      case IN -> key + " in (" + String.join(",", values) + ")";
      case NOT_IN -> key + " notin (" + String.join(",", values) + ")";
    };
  }
}
