package dev.tenantproxy.cache.watchcache;

import java.util.Collection;

/**
 * The current objects of a watch cache (sorted by key) and the resourceVersion they are current at;
 * a watch started at {@code resourceVersion} continues exactly after this state.
 */
public record Listing(long resourceVersion, Collection<CachedObject> items) {}
