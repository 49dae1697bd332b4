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
 */
public record FrontProxyClient(Buffer certPem, Buffer keyPem) {
  public FrontProxyClient {
    Objects.requireNonNull(certPem, "certPem");
    Objects.requireNonNull(keyPem, "keyPem");
  }

  /** Reads both files (already validated as readable by the configuration). */
  public static FrontProxyClient fromFiles(Path certFile, Path keyFile) {
    try {
      return new FrontProxyClient(
          Buffer.buffer(Files.readAllBytes(certFile)), Buffer.buffer(Files.readAllBytes(keyFile)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the proxy client certificate or key", e);
    }
  }

  @Override
  public String toString() {
    return "FrontProxyClient[key=<redacted>]"; // never print key material
  }
}
