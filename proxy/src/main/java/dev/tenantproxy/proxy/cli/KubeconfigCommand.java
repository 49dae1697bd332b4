package dev.tenantproxy.proxy.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tenant-proxy kubeconfig}: writes a kubeconfig that points a user at the proxy, with the
 * proxy's CA and the user's client certificate/key or token (embedded).
 */
@Command(
    name = "kubeconfig",
    mixinStandardHelpOptions = true,
    description = "Write a kubeconfig that points a user at the proxy.")
public final class KubeconfigCommand implements Callable<Integer> {

  @Option(
      names = "--server",
      required = true,
      description = "The proxy URL, e.g. https://proxy:8443")
  String server;

  @Option(
      names = "--ca-file",
      required = true,
      description = "CA (PEM) that signs the proxy's serving certificate.")
  Path caFile;

  @Option(
      names = "--user",
      defaultValue = "tenant-user",
      description = "Name of the user entry (default ${DEFAULT-VALUE}).")
  String user;

  @Option(names = "--namespace", description = "Default namespace of the context.")
  String namespace;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Credentials credentials;

  /** Either a client certificate and key, or a token. */
  static final class Credentials {
    @ArgGroup(exclusive = false)
    CertPair cert;

    @Option(names = "--token-file", description = "File holding the user's bearer token.")
    Path tokenFile;
  }

  /** A client certificate and its key. */
  static final class CertPair {
    @Option(
        names = "--client-cert-file",
        required = true,
        description = "User client certificate (PEM).")
    Path certFile;

    @Option(names = "--client-key-file", required = true, description = "User client key (PEM).")
    Path keyFile;
  }

  @Option(
      names = {"-o", "--output"},
      required = true,
      description = "Where to write the kubeconfig.")
  Path output;

  @Override
  public Integer call() throws IOException {
    String ca = b64(caFile);
    StringBuilder y = new StringBuilder();
    y.append("apiVersion: v1\nkind: Config\n");
    y.append("clusters:\n- name: tenant-proxy\n  cluster:\n");
    y.append("    server: ").append(quote(server)).append('\n');
    y.append("    certificate-authority-data: ").append(ca).append('\n');
    y.append("users:\n- name: ").append(quote(user)).append("\n  user:\n");
    if (credentials.tokenFile != null) {
      String token = Files.readString(credentials.tokenFile).trim();
      y.append("    token: ").append(quote(token)).append('\n');
    } else {
      y.append("    client-certificate-data: ").append(b64(credentials.cert.certFile)).append('\n');
      y.append("    client-key-data: ").append(b64(credentials.cert.keyFile)).append('\n');
    }
    y.append("contexts:\n- name: tenant-proxy\n  context:\n    cluster: tenant-proxy\n");
    y.append("    user: ").append(quote(user)).append('\n');
    if (namespace != null) {
      y.append("    namespace: ").append(quote(namespace)).append('\n');
    }
    y.append("current-context: tenant-proxy\n");
    write(output, y.toString());
    return 0;
  }

  /** Writes a kubeconfig readable by its owner only. */
  static void write(Path output, String yaml) throws IOException {
    Path parent = output.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(output, yaml, StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(
          output, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
  }

  private static String b64(Path file) throws IOException {
    return Base64.getEncoder().encodeToString(Files.readAllBytes(file));
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
