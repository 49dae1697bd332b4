/**
 * A real Kubernetes control plane for end-to-end tests, the sandbox and benchmarks.
 *
 * <p>Public API: {@link dev.tenantproxy.e2e.controlplane.ControlPlane} starts etcd, kube-apiserver
 * and kube-controller-manager on free loopback ports with PKI it generates; {@link
 * dev.tenantproxy.e2e.controlplane.Users} mints client-certificate users and ServiceAccount tokens
 * ({@link dev.tenantproxy.e2e.controlplane.KubeUser}); {@link
 * dev.tenantproxy.e2e.controlplane.Capsule} does what the Capsule controller would do for tenants
 * ({@link dev.tenantproxy.e2e.controlplane.Owner}); {@link
 * dev.tenantproxy.e2e.controlplane.ControlPlaneExtension} shares one control plane per test JVM;
 * {@link dev.tenantproxy.e2e.controlplane.Kubectl} runs the machine's real kubectl binaries; {@link
 * dev.tenantproxy.e2e.controlplane.ControlPlaneCommand} is {@code e2e/bin/control-plane}; {@link
 * dev.tenantproxy.e2e.controlplane.Pki} (BouncyCastle CA and certificates) also serves the
 * sandbox's proxy; {@link dev.tenantproxy.e2e.controlplane.KubeHttp} makes raw HTTPS calls with
 * headers kubectl cannot send (SelfSubjectReviews, {@code Impersonate-*}, {@code X-Remote-*}).
 *
 * <p>Package-private: {@code ManagedProcess} (one binary, its log, SIGTERM then SIGKILL, and an
 * {@code sh} watchdog that stops it if the owning JVM is SIGKILLed), {@code Binaries} (finds or
 * builds the binaries), {@code Kubeconfigs}.
 *
 * <p>Start order matters: etcd, kube-apiserver ({@code /readyz}), the Capsule CRDs (so the
 * controller-manager's garbage collector knows Tenant, the owner of tenant namespaces, from its
 * start), then kube-controller-manager (ready once it created ServiceAccount {@code
 * default/default} and aggregated ClusterRole {@code admin}).
 */
package dev.tenantproxy.e2e.controlplane;
