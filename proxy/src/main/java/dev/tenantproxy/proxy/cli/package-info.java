/**
 * The command line ({@code bin/tenant-proxy}): {@code serve} (the proxy, wired by {@link
 * dev.tenantproxy.proxy.cli.RunningProxy}, which the sandbox and the end-to-end tests reuse),
 * {@code kubeconfig} (a kubeconfig pointing a user at the proxy), {@code rbac-sync} (direct mode)
 * and {@code explain} (what a user sees of the cluster-scoped kinds and why; {@code
 * dev.tenantproxy.proxy.explain}). {@code sandbox} is dispatched by the launcher to the e2e module.
 */
package dev.tenantproxy.proxy.cli;
