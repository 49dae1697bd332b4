/**
 * Certificate and key files that are renewed while the proxy runs (cert-manager, kubeadm): one
 * mechanism ({@link dev.tenantproxy.proxy.tls.CertificateFiles}) watches a pair, checks it and
 * hands it to its user, for the serving certificate ({@code server}) and the front-proxy client
 * certificate ({@code upstream}) alike.
 *
 * <p>A leaf package: it uses Vert.x and the JDK only, so that {@code server} and {@code upstream}
 * (which already use each other) can both use it without a new dependency between them.
 */
package dev.tenantproxy.proxy.tls;
