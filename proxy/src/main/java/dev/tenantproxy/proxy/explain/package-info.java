/**
 * {@code tenant-proxy explain}: why a user sees (or does not see) cluster-scoped objects through
 * the proxy. {@link dev.tenantproxy.proxy.explain.Explainer} is the pure library call over a
 * snapshot and the objects of each kind (the same rules the proxy applies, {@code
 * filters/visibility/ClusterVisibility}); {@link dev.tenantproxy.proxy.explain.LiveCluster} builds
 * the snapshot as {@code serve} does (the tenancy index on fabric8 informers) and lists the kinds;
 * {@link dev.tenantproxy.proxy.explain.ExplainText} and {@link
 * dev.tenantproxy.proxy.explain.ExplainJson} render the result.
 */
package dev.tenantproxy.proxy.explain;
