/**
 * The event-sourced tenancy index: {@link dev.tenantproxy.cache.index.TenancyReducer} turns one
 * event into the next {@link dev.tenantproxy.filters.tenancy.TenancySnapshot} and the {@link
 * dev.tenantproxy.cache.index.VisibilityChange}s it causes. Pure; the single writer lives in {@code
 * dev.tenantproxy.cache.informer}.
 */
package dev.tenantproxy.cache.index;
