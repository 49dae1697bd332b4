/**
 * The one typed configuration of {@code tenant-proxy serve} ({@link
 * dev.tenantproxy.proxy.config.ProxyConfig}), validated once at start with messages that name the
 * flag and the fix. Flags and {@code TENANT_PROXY_*} environment variables are mapped by {@code
 * cli.ServeCommand}.
 */
package dev.tenantproxy.proxy.config;
