package dev.tenantproxy.filters.visibility;

/**
 * How a caller reads a cluster-scoped object: {@code LIST} (list and watch) or {@code GET} (one
 * object by name). Every tenant rule gives both; a {@code ClusterResource} rule with {@code
 * operations: [Get]} gives only {@code GET} ({@code List} implies {@code Get}).
 */
public enum Access {
  LIST,
  GET
}
