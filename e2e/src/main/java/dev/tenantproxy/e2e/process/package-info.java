/**
 * Background JVMs for the {@code up}/{@code --detach} and {@code down} commands ({@code
 * e2e/bin/control-plane}, {@code bin/tenant-proxy sandbox}): {@link
 * dev.tenantproxy.e2e.process.BackgroundJvm}.
 */
package dev.tenantproxy.e2e.process;
