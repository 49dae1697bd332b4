/**
 * The HTTPS server and the filter onion.
 *
 * <p>Plug-in point for serving filters: implement {@link dev.tenantproxy.proxy.server.ProxyFilter}
 * and register it with {@link dev.tenantproxy.proxy.server.ProxyServer.Builder#addServingFilter}
 * (the order is fixed in {@link dev.tenantproxy.proxy.server.FilterRegistry}). A serving filter
 * sees an authenticated exchange whose {@code caller()} is the effective identity; it answers what
 * it serves (setting {@link dev.tenantproxy.proxy.server.Decision#SERVED}, or failing with a {@code
 * KubeStatusException}) and calls {@code chain.next(exchange)} for everything else.
 *
 * <p>Listeners: one verticle per event loop on one shared port; TLS requests (does not require)
 * client certificates, which the authenticators verify; ALPN offers h2 and http/1.1; the serving
 * certificate is reloaded when its files change.
 */
package dev.tenantproxy.proxy.server;
