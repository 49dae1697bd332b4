package dev.tenantproxy.filters.json;

import java.util.Map;
import java.util.Objects;

/**
 * What a visibility predicate may look at of one object while a body streams by: {@code
 * metadata.namespace}, {@code metadata.name} and {@code metadata.labels}. Absent strings are empty;
 * absent labels are an empty map. Non-string label values are ignored.
 */
public record ItemMeta(String namespace, String name, Map<String, String> labels) {
  public static final ItemMeta EMPTY = new ItemMeta("", "", Map.of());

  public ItemMeta {
    namespace = namespace == null ? "" : namespace;
    name = name == null ? "" : name;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    Objects.requireNonNull(labels);
  }
}
