/**
 * Operations, on their own plain-HTTP port ({@link dev.tenantproxy.proxy.ops.OpsServer}, {@code
 * --ops-port}; the serving port passes these paths through to the API server): {@code /healthz},
 * {@code /livez}, {@code /readyz} (ready only when the {@link dev.tenantproxy.proxy.ops.Readiness}
 * plugged in by the tenancy index says so and the proxy is not shutting down), Prometheus {@code
 * /metrics} ({@link dev.tenantproxy.proxy.ops.ProxyMetrics} next to Vert.x's own meters), and the
 * outer {@link dev.tenantproxy.proxy.ops.ObservingFilter}: the one place failures become {@code
 * Status} responses, request metrics, and one audit line per request (logger {@code
 * tenantproxy.audit}, key=value pairs, never a token).
 */
package dev.tenantproxy.proxy.ops;
