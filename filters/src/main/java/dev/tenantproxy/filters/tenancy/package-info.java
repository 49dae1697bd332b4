/**
 * The tenancy snapshot model: plain immutable Java types for Tenants, Namespaces,
 * CapsuleConfigurations, ProxySettings and GlobalProxySettings, and {@link
 * dev.tenantproxy.filters.tenancy.TenancySnapshot}, the persistent, indexed view the visibility
 * rules read. {@code informer-cache} builds snapshots from informer events; nothing here knows
 * about fabric8 or the network (dependency direction: informer-cache → filters).
 */
package dev.tenantproxy.filters.tenancy;
