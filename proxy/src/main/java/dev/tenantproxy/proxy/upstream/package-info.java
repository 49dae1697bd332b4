/**
 * The API server as the proxy sees it: the proxy's own credentials ({@link
 * dev.tenantproxy.proxy.upstream.UpstreamCredentials}: kubeconfig client certificate or token, or
 * the in-cluster ServiceAccount whose rotating token file is re-read every minute), an HTTP/2 pool
 * (ALPN, HTTP/1.1 fallback) for ordinary requests and TokenReview/SubjectAccessReview calls, and a
 * fresh raw HTTP/1.1 connection per protocol upgrade. With a front-proxy client certificate
 * (request-header assertion) callers' requests have a pool of their own, renewed with the
 * certificate when its files change ({@link dev.tenantproxy.proxy.upstream.FrontProxyPool}, the
 * files watched by {@code tls.CertificateFiles}). The proxy's fabric8 clients (informers,
 * rbac-sync, explain) are built by {@link dev.tenantproxy.proxy.upstream.KubeClients}, on the same
 * TLS engine. Every request goes through {@link dev.tenantproxy.proxy.upstream.Upstream#send},
 * which sends one the API server did not process (above the last stream of a GOAWAY, or refused)
 * again ({@code Unprocessed}).
 */
package dev.tenantproxy.proxy.upstream;
