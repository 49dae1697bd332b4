package dev.tenantproxy.cache.watchcache;

import java.util.Map;
import java.util.Objects;

/**
 * One object of a served kind as the watch cache keeps it: its serialized JSON (what a list or
 * watch writes out, without re-serializing) plus the few fields filters need.
 *
 * @param key {@code name}, or {@code namespace/name} for namespaced kinds (the informer key)
 * @param namespace empty for cluster-scoped kinds
 * @param resourceVersion {@code metadata.resourceVersion} as sent by the API server
 * @param labels {@code metadata.labels}
 * @param fields the field-selector fields the API server supports for this kind (e.g. {@code
 *     metadata.name}, {@code status.phase})
 * @param json the object as JSON (UTF-8); never modified after construction
 */
public record CachedObject(
    String key,
    String namespace,
    String name,
    String resourceVersion,
    Map<String, String> labels,
    Map<String, String> fields,
    byte[] json) {

  public CachedObject {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(json, "json");
    namespace = namespace == null ? "" : namespace;
    resourceVersion = resourceVersion == null ? "" : resourceVersion;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    fields = fields == null ? Map.of() : Map.copyOf(fields);
  }

  /**
   * The resourceVersion as a number. RVs are opaque by contract but etcd revisions in practice; a
   * non-numeric RV yields -1 (the cache then treats the event as out of order).
   */
  public long resourceVersionNumber() {
    return parseResourceVersion(resourceVersion);
  }

  /** Parses an RV; -1 when it is empty or not a non-negative decimal number. */
  public static long parseResourceVersion(String rv) {
    if (rv == null || rv.isEmpty() || rv.length() > 18) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < rv.length(); i++) {
      char c = rv.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
