package dev.tenantproxy.proxy.serve;

import java.util.Objects;

/**
 * One change of a served object as the watch cache recorded it: {@code ADDED}, {@code MODIFIED} or
 * {@code DELETED} with the object after the change (for DELETED, its last state at the deletion's
 * resourceVersion).
 */
public record ServedEvent(Type type, ServedObject object) {
  public enum Type {
    ADDED,
    MODIFIED,
    DELETED
  }

  public ServedEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(object, "object");
  }

  public long resourceVersion() {
    return object.resourceVersion();
  }
}
