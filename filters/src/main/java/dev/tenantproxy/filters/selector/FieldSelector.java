package dev.tenantproxy.filters.selector;

import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A parsed Kubernetes field selector ({@code k8s.io/apimachinery/pkg/fields.ParseSelector}): terms
 * {@code f=v}, {@code f==v}, {@code f!=v} joined by commas (AND); values may escape {@code \\},
 * {@code \,} and {@code \=}. There are no set operators. Field names are taken verbatim (not
 * trimmed), as the API server does; check them against a resource with {@link
 * #validate(FieldLabels)}. Immutable and thread-safe.
 */
public final class FieldSelector {
  private static final FieldSelector EVERYTHING = new FieldSelector(List.of());

  private final List<FieldRequirement> requirements;

  private FieldSelector(List<FieldRequirement> requirements) {
    this.requirements = List.copyOf(requirements);
  }

  public static FieldSelector everything() {
    return EVERYTHING;
  }

  /**
   * Parses a field selector exactly as the API server does.
   *
   * @throws KubeStatusException 400, e.g. {@code invalid selector: 'a'; can't understand 'a'}
   */
  public static FieldSelector parse(String selector) {
    if (selector == null || selector.isEmpty()) {
      return EVERYTHING;
    }
    List<String> parts = splitTerms(selector);
    Collections.sort(parts);
    List<FieldRequirement> items = new ArrayList<>(parts.size());
    for (String part : parts) {
      if (part.isEmpty()) {
        continue;
      }
      int[] op = splitTerm(part);
      if (op == null) {
        throw KubeStatusException.badRequest(
            "invalid selector: '" + selector + "'; can't understand '" + part + "'");
      }
      String lhs = part.substring(0, op[0]);
      String rhs = unescapeValue(part.substring(op[0] + op[1]));
      boolean notEqual = part.startsWith("!=", op[0]);
      items.add(new FieldRequirement(lhs, !notEqual, rhs));
    }
    return items.isEmpty() ? EVERYTHING : new FieldSelector(items);
  }

  /** Parses and checks every field against the resource's supported field labels. */
  public static FieldSelector parse(String selector, FieldLabels labels) {
    return parse(selector).validate(labels);
  }

  /**
   * Checks every field against the resource's field labels, as the API server's field label
   * conversion does after parsing.
   *
   * @return this selector
   * @throws KubeStatusException 400 {@code field label not supported: foo}
   */
  public FieldSelector validate(FieldLabels labels) {
    for (FieldRequirement r : requirements) {
      labels.check(r.field());
    }
    return this;
  }

  /**
   * Whether the object's fields satisfy every term; {@code fields} returns a field's value or null
   * when the object has no such field (compared as "").
   */
  public boolean matches(Function<String, String> fields) {
    for (FieldRequirement r : requirements) {
      if (!r.matches(fields.apply(r.field()))) {
        return false;
      }
    }
    return true;
  }

  public boolean isEmpty() {
    return requirements.isEmpty();
  }

  public List<FieldRequirement> requirements() {
    return requirements;
  }

  /**
   * The value a term {@code field=value} requires ({@code RequiresExactMatch}); the first such term
   * wins. A fast path that fetches the object by that name must still check {@link
   * #matches(Function)} (other terms, or a second contradicting term, may exclude it).
   */
  public Optional<String> exactMatch(String field) {
    for (FieldRequirement r : requirements) {
      if (r.equal() && r.field().equals(field)) {
        return Optional.of(r.value());
      }
    }
    return Optional.empty();
  }

  /**
   * The object name an exact {@code metadata.name=<name>} (or, for namespaces, legacy {@code
   * name=<name>}) term requires, if any.
   */
  public Optional<String> exactName() {
    Optional<String> name = exactMatch("metadata.name");
    return name.isPresent() ? name : exactMatch("name");
  }

  /** The canonical form ({@code Selector.String()}), values escaped. */
  @Override
  public String toString() {
    return requirements.stream().map(FieldRequirement::toString).collect(Collectors.joining(","));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FieldSelector other && other.requirements.equals(requirements);
  }

  @Override
  public int hashCode() {
    return requirements.hashCode();
  }

  /** {@code fields.EscapeValue}: escapes backslash, comma and equals. */
  public static String escapeValue(String value) {
    StringBuilder b = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\' || c == ',' || c == '=') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }

  private static List<String> splitTerms(String selector) {
    List<String> terms = new ArrayList<>();
    int start = 0;
    boolean inSlash = false;
    for (int i = 0; i < selector.length(); i++) {
      char c = selector.charAt(i);
      if (inSlash) {
        inSlash = false;
      } else if (c == '\\') {
        inSlash = true;
      } else if (c == ',') {
        terms.add(selector.substring(start, i));
        start = i + 1;
      }
    }
    terms.add(selector.substring(start));
    return terms;
  }

  /** Index and length of the first operator ({@code !=}, {@code ==}, {@code =}), or null. */
  private static int[] splitTerm(String term) {
    for (int i = 0; i < term.length(); i++) {
      if (term.startsWith("!=", i) || term.startsWith("==", i)) {
        return new int[] {i, 2};
      }
      if (term.charAt(i) == '=') {
        return new int[] {i, 1};
      }
    }
    return null;
  }

  private static String unescapeValue(String s) {
    if (s.indexOf('\\') < 0 && s.indexOf(',') < 0 && s.indexOf('=') < 0) {
      return s;
    }
    StringBuilder v = new StringBuilder(s.length());
    boolean inSlash = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inSlash) {
        if (c == '\\' || c == ',' || c == '=') {
          v.append(c);
        } else {
          int cp = s.codePointAt(i);
          throw KubeStatusException.badRequest(
              "invalid field selector: invalid escape sequence: \\"
                  + new String(Character.toChars(cp)));
        }
        inSlash = false;
        continue;
      }
      if (c == '\\') {
        inSlash = true;
      } else if (c == ',' || c == '=') {
        throw KubeStatusException.badRequest(
            "invalid field selector: unescaped character in value: " + (int) c);
      } else {
        v.append(c);
      }
    }
    if (inSlash) {
      throw KubeStatusException.badRequest("invalid field selector: invalid escape sequence: \\");
    }
    return v.toString();
  }
}
