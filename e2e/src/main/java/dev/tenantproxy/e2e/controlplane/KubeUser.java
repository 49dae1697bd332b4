package dev.tenantproxy.e2e.controlplane;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A Kubernetes identity with credentials: a client certificate (CN = name, O = groups) or a
 * ServiceAccount token. {@link #kubeconfig()} talks straight to the API server; {@link
 * #kubeconfigFor(String, String)} renders the same credentials for another server (e.g. the proxy).
 */
public final class KubeUser {

  private final String name;
  private final List<String> groups;
  private final Path kubeconfig;
  private final String certPem;
  private final String keyPem;
  private final String token;

  private KubeUser(
      String name,
      List<String> groups,
      Path kubeconfig,
      String certPem,
      String keyPem,
      String token) {
    this.name = name;
    this.groups = List.copyOf(groups);
    this.kubeconfig = kubeconfig;
    this.certPem = certPem;
    this.keyPem = keyPem;
    this.token = token;
  }

  static KubeUser certificate(
      String name, List<String> groups, Path kubeconfig, String certPem, String keyPem) {
    return new KubeUser(name, groups, kubeconfig, certPem, keyPem, null);
  }

  static KubeUser token(String name, List<String> groups, Path kubeconfig, String token) {
    return new KubeUser(name, groups, kubeconfig, null, null, token);
  }

  /**
   * The user name the API server sees, e.g. {@code alice} or {@code system:serviceaccount:ns:sa}.
   */
  public String name() {
    return name;
  }

  /**
   * Groups: for a certificate user the O entries (the API server adds {@code
   * system:authenticated}); for a ServiceAccount the groups the API server assigns.
   */
  public List<String> groups() {
    return groups;
  }

  /** A kubeconfig file straight to the API server. */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The bearer token of a ServiceAccount user. */
  public Optional<String> token() {
    return Optional.ofNullable(token);
  }

  /** Client certificate PEM of a certificate user. */
  public Optional<String> certificatePem() {
    return Optional.ofNullable(certPem);
  }

  /** Private key PEM of a certificate user. */
  public Optional<String> privateKeyPem() {
    return Optional.ofNullable(keyPem);
  }

  /** A kubeconfig (YAML text) with this user's credentials for another server. */
  public String kubeconfigFor(String server, String caPem) {
    return token != null
        ? Kubeconfigs.token(server, caPem, name, token)
        : Kubeconfigs.clientCertificate(server, caPem, name, certPem, keyPem);
  }

  @Override
  public String toString() {
    return "KubeUser[" + name + ", groups=" + groups + "]";
  }
}
