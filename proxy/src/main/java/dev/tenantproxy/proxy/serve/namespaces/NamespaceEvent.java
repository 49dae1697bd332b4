package dev.tenantproxy.proxy.serve.namespaces;

import java.util.Objects;

/**
 * One change of a Namespace as the watch cache recorded it: {@code ADDED}, {@code MODIFIED} or
 * {@code DELETED} with the object after the change (for DELETED, its last state at the deletion's
 * resourceVersion).
 */
public record NamespaceEvent(Type type, NamespaceObject object) {
  public enum Type {
    ADDED,
    MODIFIED,
    DELETED
  }

  public NamespaceEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(object, "object");
  }

  public long resourceVersion() {
    return object.resourceVersion();
  }
}
