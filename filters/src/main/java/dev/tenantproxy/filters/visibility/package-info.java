/**
 * Visibility decisions over a {@link dev.tenantproxy.filters.tenancy.TenancySnapshot}: is the
 * caller a Capsule user, which tenants it owns, which namespaces it may see. Pure and lock-free.
 */
package dev.tenantproxy.filters.visibility;
