package dev.tenantproxy.cache.watchcache;

/** The type of a watch event, as on the wire. */
public enum EventType {
  ADDED,
  MODIFIED,
  DELETED
}
