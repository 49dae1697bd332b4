package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.filters.selector.FieldLabels;
import dev.tenantproxy.filters.selector.FieldSelector;
import dev.tenantproxy.filters.selector.LabelSelector;
import java.util.Optional;

/**
 * The label and field selectors of one list or watch (and, for a watch of one object, its name),
 * evaluated against an object of a served kind. Visibility is NOT part of it: callers intersect
 * with the visible set first, so a selector can only narrow what the caller may see ({@code !=},
 * {@code notin} or {@code metadata.name=<other>} never reveal anything outside it).
 */
public final class ObjectFilter {
  private static final ObjectFilter EVERYTHING =
      new ObjectFilter(LabelSelector.everything(), FieldSelector.everything());

  private final LabelSelector labels;
  private final FieldSelector fields;
  private final String name;

  public ObjectFilter(LabelSelector labels, FieldSelector fields) {
    this(labels, fields, null);
  }

  /**
   * @param name only this object (a watch of {@code /watch/<plural>/<name>}); null for any
   */
  public ObjectFilter(LabelSelector labels, FieldSelector fields, String name) {
    this.labels = labels == null ? LabelSelector.everything() : labels;
    this.fields = fields == null ? FieldSelector.everything() : fields;
    this.name = name;
  }

  public static ObjectFilter everything() {
    return EVERYTHING;
  }

  /**
   * Parses {@code labelSelector} and {@code fieldSelector} query parameters with the namespace
   * field labels (tests; requests use {@link ReadRequest#filter()}).
   *
   * @throws dev.tenantproxy.filters.status.KubeStatusException 400 with the API server's messages
   */
  public static ObjectFilter parse(String labelSelector, String fieldSelector) {
    return new ObjectFilter(
        LabelSelector.parse(labelSelector),
        FieldSelector.parse(fieldSelector, FieldLabels.namespaces()));
  }

  public boolean matches(ServedObject ns) {
    return (name == null || name.equals(ns.name()))
        && labels.matches(ns.labels())
        && fields.matches(ns::field);
  }

  /** The one name the request or an exact {@code metadata.name=} / {@code name=} term pins. */
  public Optional<String> exactName() {
    if (name != null) {
      return Optional.of(name);
    }
    Optional<String> n = fields.exactMatch("metadata.name");
    return n.isPresent() ? n : fields.exactMatch("name");
  }

  @Override
  public String toString() {
    return "labels["
        + labels
        + "] fields["
        + fields
        + "]"
        + (name == null ? "" : " name[" + name + "]");
  }
}
