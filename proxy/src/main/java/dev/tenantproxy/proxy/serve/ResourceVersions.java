package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.filters.status.KubeStatusException;

/**
 * resourceVersions are opaque to clients, but the ones the proxy serves are etcd revisions (one
 * counter for every kind), so the proxy compares them as numbers, as the API server's watch cache
 * does.
 */
final class ResourceVersions {
  private ResourceVersions() {}

  static long parseOrZero(String rv) {
    try {
      return rv == null || rv.isEmpty() ? 0 : Long.parseUnsignedLong(rv);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Parses a client-supplied resourceVersion; "" means unset (-1).
   *
   * @throws KubeStatusException 400 with the API server's wording when it is not a number
   */
  static long parseParameter(String rv) {
    if (rv == null || rv.isEmpty()) {
      return -1;
    }
    try {
      long v = Long.parseLong(rv);
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw KubeStatusException.badRequest(
          "resourceVersion: Invalid value: \""
              + rv
              + "\": strconv.ParseUint: parsing \""
              + rv
              + "\": invalid syntax");
    }
  }
}
