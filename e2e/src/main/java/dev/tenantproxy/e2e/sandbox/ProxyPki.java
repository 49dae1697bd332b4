package dev.tenantproxy.e2e.sandbox;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The proxy's own PKI: a CA that signs the proxy's serving certificate (for localhost and
 * 127.0.0.1) and front-proxy client certificates (the request-header CA). PEM files in one
 * directory.
 */
final class ProxyPki {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  /** A certificate with its key, as PEM files. */
  record Issued(X509Certificate cert, KeyPair key, Path certFile, Path keyFile) {
    String certPem() {
      return read(certFile);
    }

    String keyPem() {
      return read(keyFile);
    }
  }

  private final Path dir;
  private final Issued ca;

  private ProxyPki(Path dir, Issued ca) {
    this.dir = dir;
    this.ca = ca;
  }

  static ProxyPki create(Path dir) {
    KeyPair kp = keyPair();
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "tenant-proxy-ca").build();
    try {
      X509v3CertificateBuilder b = builder(subject, subject, kp, 3650);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return new ProxyPki(dir, write(dir, "ca", sign(b, kp), kp));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Issued ca() {
    return ca;
  }

  Issued serving() {
    KeyPair kp = keyPair();
    try {
      X509v3CertificateBuilder b = builder(issuer(), name("tenant-proxy", List.of()), kp, 365);
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")
              }));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      return write(dir, "serving", sign(b, ca.key()), kp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Issued client(String fileName, String cn, List<String> groups) {
    KeyPair kp = keyPair();
    try {
      X509v3CertificateBuilder b = builder(issuer(), name(cn, groups), kp, 365);
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      return write(dir, fileName, sign(b, ca.key()), kp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private X500Name issuer() {
    return X500Name.getInstance(ca.cert().getSubjectX500Principal().getEncoded());
  }

  private static X500Name name(String cn, List<String> groups) {
    X500NameBuilder nb = new X500NameBuilder(BCStyle.INSTANCE);
    for (String g : groups) {
      nb.addRDN(BCStyle.O, g);
    }
    return nb.addRDN(BCStyle.CN, cn).build();
  }

  private static X509v3CertificateBuilder builder(
      X500Name issuer, X500Name subject, KeyPair kp, int days) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(1, ChronoUnit.HOURS)),
        Date.from(now.plus(days, ChronoUnit.DAYS)),
        subject,
        kp.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Issued write(Path dir, String name, X509Certificate cert, KeyPair kp)
      throws IOException {
    Files.createDirectories(dir);
    Path certFile = dir.resolve(name + ".crt");
    Path keyFile = dir.resolve(name + ".key");
    Files.writeString(certFile, pem(cert));
    Files.writeString(keyFile, pem(new JcaPKCS8Generator(kp.getPrivate(), null).generate()));
    return new Issued(cert, kp, certFile, keyFile);
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    }
    return w.toString();
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
