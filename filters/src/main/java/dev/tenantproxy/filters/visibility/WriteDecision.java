package dev.tenantproxy.filters.visibility;

/**
 * Whether a caller may update or delete one visible cluster-scoped object through the proxy.
 *
 * @param reason the grant that allows it, or why not
 */
public record WriteDecision(boolean allowed, String reason) {}
