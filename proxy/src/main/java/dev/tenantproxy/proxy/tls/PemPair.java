package dev.tenantproxy.proxy.tls;

import io.vertx.core.buffer.Buffer;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A certificate chain and its private key as read from their files, checked to belong together.
 *
 * @param certPem the certificate chain, PEM
 * @param keyPem the private key, PEM
 * @param certificate the leaf certificate of {@code certPem}
 */
public record PemPair(Buffer certPem, Buffer keyPem, X509Certificate certificate) {
  public PemPair {
    Objects.requireNonNull(certPem, "certPem");
    Objects.requireNonNull(keyPem, "keyPem");
    Objects.requireNonNull(certificate, "certificate");
  }

  @Override
  public String toString() {
    return "PemPair[" + certificate.getSubjectX500Principal().getName() + ", key=<redacted>]";
  }
}
