/**
 * Per-kind watch caches: the current objects as JSON plus a bounded history by resourceVersion,
 * answering {@code list}, {@code since(rv)} (or 410 Expired) and live watches. See {@link
 * dev.tenantproxy.cache.watchcache.WatchCache} for the re-list (gap) rules.
 */
package dev.tenantproxy.cache.watchcache;
