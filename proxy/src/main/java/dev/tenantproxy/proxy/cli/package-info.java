/**
 * The command line ({@code bin/tenant-proxy}): {@code serve} (the proxy, wired by {@link
 * dev.tenantproxy.proxy.cli.RunningProxy}, which the sandbox and the end-to-end tests reuse) and
 * {@code kubeconfig} (a kubeconfig pointing a user at the proxy). {@code sandbox} is dispatched by
 * the launcher to the e2e module.
 */
package dev.tenantproxy.proxy.cli;
