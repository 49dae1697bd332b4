package dev.tenantproxy.e2e.controlplane;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * JDK TLS contexts from PEM for tests and load harnesses that talk HTTPS with {@code
 * java.net.http.HttpClient}: the CA to trust and, optionally, a client certificate and key.
 */
public final class JdkTls {
  private JdkTls() {}

  /** Trusts {@code caPem} only; no client certificate. */
  public static SSLContext trusting(String caPem) {
    return sslContext(null, null, caPem);
  }

  /** Trusts {@code caPem}; {@code user}'s client certificate when the user has one. */
  public static SSLContext forUser(KubeUser user, String caPem) {
    if (user == null || user.certificatePem().isEmpty()) {
      return trusting(caPem);
    }
    return sslContext(
        user.certificatePem().orElseThrow(), user.privateKeyPem().orElseThrow(), caPem);
  }

  /**
   * Trusts {@code caPem} and presents {@code certPem}/{@code keyPem} as the client certificate
   * ({@code certPem} null: no client certificate).
   */
  public static SSLContext sslContext(String certPem, String keyPem, String caPem) {
    try {
      KeyManagerFactory kmf = null;
      if (certPem != null) {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry(
            "client",
            privateKey(keyPem),
            new char[0],
            certificates(certPem).toArray(new Certificate[0]));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
      }
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (Certificate ca : certificates(caPem)) {
        trust.setCertificateEntry("ca" + i++, ca);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Collection<? extends Certificate> certificates(String pem)
      throws GeneralSecurityException {
    return CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }

  private static PrivateKey privateKey(String pem) throws IOException {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair kp) {
        return converter.getKeyPair(kp).getPrivate();
      }
      if (o instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      throw new IOException("unsupported key PEM: " + (o == null ? "empty" : o.getClass()));
    }
  }
}
