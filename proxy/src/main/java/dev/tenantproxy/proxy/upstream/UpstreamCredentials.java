package dev.tenantproxy.proxy.upstream;

import io.fabric8.kubernetes.client.Config;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The proxy's own identity towards the API server: where it is, which CA signs it, and either a
 * client certificate/key or a bearer token (re-read from {@link #tokenFile()} when set, as
 * ServiceAccount tokens rotate).
 *
 * @param server the API server base URL (https://host:port)
 * @param caPem CA bundle (PEM) trusted for the API server, or null for the JVM default trust
 * @param clientCertPem client certificate chain (PEM), or null
 * @param clientKeyPem client key (PEM), or null
 * @param token bearer token at start, or null
 * @param tokenFile file to re-read the token from periodically, or null
 */
public record UpstreamCredentials(
    URI server,
    Buffer caPem,
    Buffer clientCertPem,
    Buffer clientKeyPem,
    String token,
    Path tokenFile) {

  private static final Path SA_DIR = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

  @Override
  public String toString() {
    // never print credentials
    return "UpstreamCredentials[server="
        + server
        + ", clientCert="
        + (clientCertPem != null)
        + ", token="
        + (token != null ? "<redacted>" : "none")
        + ", tokenFile="
        + tokenFile
        + "]";
  }

  /** Credentials from a kubeconfig file (its current context or the given one). */
  public static UpstreamCredentials fromKubeconfig(Path kubeconfig, String context) {
    return fromParsed(kubeconfig, parseKubeconfig(kubeconfig, context));
  }

  /**
   * The kubeconfig file parsed by fabric8 (its current context or the given one), for a caller that
   * needs both these credentials ({@link #fromParsed}) and a fabric8 client on them: one parse
   * instead of two.
   */
  public static Config parseKubeconfig(Path kubeconfig, String context) {
    return Config.fromKubeconfig(context, kubeconfig.toAbsolutePath().toFile());
  }

  /**
   * Credentials from a kubeconfig already parsed by {@link #parseKubeconfig} ({@code kubeconfig}
   * only names the file in error messages).
   */
  public static UpstreamCredentials fromParsed(Path kubeconfig, Config config) {
    URI server = URI.create(stripSlash(config.getMasterUrl()));
    Buffer ca = pem(config.getCaCertData(), config.getCaCertFile());
    Buffer cert = pem(config.getClientCertData(), config.getClientCertFile());
    Buffer key = pem(config.getClientKeyData(), config.getClientKeyFile());
    String token = config.getOauthToken();
    if (token == null || token.isBlank()) {
      token = config.getAutoOAuthToken();
    }
    if (token != null && token.isBlank()) {
      token = null;
    }
    if (cert == null && token == null) {
      throw new IllegalArgumentException(
          "--kubeconfig "
              + kubeconfig
              + " has neither a client certificate nor a token for the proxy: give a kubeconfig"
              + " whose user has client-certificate(-data)/client-key(-data) or token");
    }
    return new UpstreamCredentials(server, ca, cert, key, token, null);
  }

  /** In-cluster: KUBERNETES_SERVICE_HOST/PORT, the mounted CA and the rotating token file. */
  public static UpstreamCredentials inCluster() {
    String host = System.getenv("KUBERNETES_SERVICE_HOST");
    String port = System.getenv().getOrDefault("KUBERNETES_SERVICE_PORT", "443");
    if (host == null) {
      throw new IllegalStateException(
          "not running in a pod (KUBERNETES_SERVICE_HOST unset): give --kubeconfig");
    }
    String h = host.contains(":") ? "[" + host + "]" : host;
    Path tokenFile = SA_DIR.resolve("token");
    try {
      return new UpstreamCredentials(
          URI.create("https://" + h + ":" + port),
          Buffer.buffer(Files.readAllBytes(SA_DIR.resolve("ca.crt"))),
          null,
          null,
          Files.readString(tokenFile).trim(),
          tokenFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the ServiceAccount files in " + SA_DIR, e);
    }
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static Buffer pem(String base64Data, String file) {
    if (base64Data != null && !base64Data.isBlank()) {
      byte[] raw = Base64.getMimeDecoder().decode(base64Data);
      String text = new String(raw, StandardCharsets.US_ASCII);
      return Buffer.buffer(
          text.contains("-----BEGIN") ? raw : base64Data.getBytes(StandardCharsets.US_ASCII));
    }
    if (file != null && !file.isBlank()) {
      try {
        return Buffer.buffer(Files.readAllBytes(Path.of(file)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + " named in the kubeconfig", e);
      }
    }
    return null;
  }
}
