package dev.tenantproxy.e2e.controlplane;

import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/** Mints identities for a control plane: client-certificate users and ServiceAccount tokens. */
public final class Users {

  private final Path directory;
  private final String apiServerUrl;
  private final Pki pki;
  private final Function<Path, KubernetesClient> clients;
  private final KubernetesClient admin;

  Users(
      Path directory,
      String apiServerUrl,
      Pki pki,
      Function<Path, KubernetesClient> clients,
      KubernetesClient admin) {
    this.directory = directory;
    this.apiServerUrl = apiServerUrl;
    this.pki = pki;
    this.clients = clients;
    this.admin = admin;
  }

  /**
   * A user authenticated by a client certificate (CN = {@code name}, O = {@code groups}); writes
   * {@code users/<name>.kubeconfig} in the control-plane directory. Grants nothing: RBAC is up to
   * the caller (or {@link Capsule}).
   */
  public KubeUser certificate(String name, String... groups) {
    return certificate(directory, apiServerUrl, pki, name, List.of(groups));
  }

  /**
   * Offline variant for {@code e2e/bin/control-plane user}: needs only the CA in {@code dir/pki}.
   */
  static KubeUser certificate(
      Path directory, String apiServerUrl, Pki pki, String name, List<String> groups) {
    Pki.Issued issued = pki.client(name, groups);
    Path kubeconfig =
        Kubeconfigs.write(
            directory.resolve("users").resolve(fileName(name) + ".kubeconfig"),
            Kubeconfigs.clientCertificate(
                apiServerUrl, pki.caPem(), name, issued.certPem(), issued.keyPem()));
    return KubeUser.certificate(name, groups, kubeconfig, issued.certPem(), issued.keyPem());
  }

  /**
   * A ServiceAccount (created if missing) and a one-day token for it from the TokenRequest API;
   * writes {@code users/system-serviceaccount-<ns>-<name>.kubeconfig}.
   */
  public KubeUser serviceAccountToken(String namespace, String name) {
    admin
        .serviceAccounts()
        .inNamespace(namespace)
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
                .withName(name)
                .endMetadata()
                .build())
        .createOr(NonDeletingOperation::update);
    TokenRequest request =
        admin
            .serviceAccounts()
            .inNamespace(namespace)
            .withName(name)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withAudiences(ControlPlane.SERVICE_ACCOUNT_ISSUER)
                    .withExpirationSeconds(86_400L)
                    .endSpec()
                    .build());
    String token = request.getStatus().getToken();
    String user = "system:serviceaccount:" + namespace + ":" + name;
    Path kubeconfig =
        Kubeconfigs.write(
            directory.resolve("users").resolve(fileName(user) + ".kubeconfig"),
            Kubeconfigs.token(apiServerUrl, pki.caPem(), user, token));
    return KubeUser.token(
        user,
        List.of(
            "system:serviceaccounts",
            "system:serviceaccounts:" + namespace,
            "system:authenticated"),
        kubeconfig,
        token);
  }

  /** A new fabric8 client acting as {@code user}, straight to the API server; caller closes it. */
  public KubernetesClient client(KubeUser user) {
    return clients.apply(user.kubeconfig());
  }

  private static String fileName(String user) {
    return user.replaceAll("[^A-Za-z0-9._-]", "-");
  }
}
