package dev.tenantproxy.proxy.upstream;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The client certificate with which the proxy asserts callers to the API server by request headers
 * ({@code --proxy-client-cert-file}, {@code --proxy-client-key-file}; the names of kube-apiserver's
 * own flags for the same role). It must be signed by the API server's {@code
 * --requestheader-client-ca-file} and carry a CN in its {@code --requestheader-allowed-names}.
 *
 * @param certPem the certificate chain, PEM
 * @param keyPem its private key, PEM
 * @param certFile the file {@code certPem} was read from, or null (then it is never reloaded)
 * @param keyFile the file {@code keyPem} was read from, or null
 */
public record FrontProxyClient(Buffer certPem, Buffer keyPem, Path certFile, Path keyFile) {
  public FrontProxyClient {
    Objects.requireNonNull(certPem, "certPem");
    Objects.requireNonNull(keyPem, "keyPem");
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("both files or neither");
    }
  }

  /** A certificate and key held in memory only. */
  public FrontProxyClient(Buffer certPem, Buffer keyPem) {
    this(certPem, keyPem, null, null);
  }

  /** Reads both files (already validated as readable by the configuration). */
  public static FrontProxyClient fromFiles(Path certFile, Path keyFile) {
    try {
      return new FrontProxyClient(
          Buffer.buffer(Files.readAllBytes(certFile)),
          Buffer.buffer(Files.readAllBytes(keyFile)),
          certFile,
          keyFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the proxy client certificate or key", e);
    }
  }

  /** Whether it was read from files, which can then be watched for renewal. */
  boolean hasFiles() {
    return certFile != null;
  }

  @Override
  public String toString() {
    return "FrontProxyClient[cert=" + certFile + ", key=<redacted>]"; // never print key material
  }
}
