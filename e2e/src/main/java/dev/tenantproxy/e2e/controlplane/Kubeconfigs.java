package dev.tenantproxy.e2e.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;

/** Writes kubeconfig files with everything embedded (no paths), so they can be copied around. */
final class Kubeconfigs {

  private Kubeconfigs() {}

  static String clientCertificate(
      String server, String caPem, String user, String certPem, String keyPem) {
    return document(
        server,
        caPem,
        user,
        "    client-certificate-data: "
            + b64(certPem)
            + "\n    client-key-data: "
            + b64(keyPem)
            + "\n");
  }

  static String token(String server, String caPem, String user, String token) {
    return document(server, caPem, user, "    token: " + token + "\n");
  }

  private static String document(String server, String caPem, String user, String credentials) {
    String userKey = user.replaceAll("[^A-Za-z0-9._-]", "-");
    return "apiVersion: v1\n"
        + "kind: Config\n"
        + "clusters:\n"
        + "- name: tenant-proxy\n"
        + "  cluster:\n"
        + "    server: "
        + server
        + "\n"
        + "    certificate-authority-data: "
        + b64(caPem)
        + "\n"
        + "users:\n"
        + "- name: "
        + userKey
        + "\n"
        + "  user:\n"
        + credentials
        + "contexts:\n"
        + "- name: "
        + userKey
        + "\n"
        + "  context:\n"
        + "    cluster: tenant-proxy\n"
        + "    user: "
        + userKey
        + "\n"
        + "    namespace: default\n"
        + "current-context: "
        + userKey
        + "\n";
  }

  /** Writes atomically (temp file + move), readable by the owner only: it holds credentials. */
  static Path write(Path file, String content) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
