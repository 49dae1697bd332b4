package dev.tenantproxy.filters.visibility;

import java.util.Map;
import java.util.Objects;

/** What the cluster-scoped rules look at in an object: its name and labels. */
public interface ServedObject {

  String name();

  /** The labels; never null. */
  Map<String, String> labels();

  /** A plain object (labels copied; null means none). */
  static ServedObject of(String name, Map<String, String> labels) {
    Objects.requireNonNull(name, "name");
    Map<String, String> copy = labels == null ? Map.of() : Map.copyOf(labels);
    return new ServedObject() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Map<String, String> labels() {
        return copy;
      }

      @Override
      public String toString() {
        return name + copy;
      }
    };
  }
}
