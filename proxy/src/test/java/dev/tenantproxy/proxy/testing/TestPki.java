package dev.tenantproxy.proxy.testing;

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
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Test certificates: CAs, serving certificates and client certificates (CN = user, O = groups). */
public final class TestPki {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  /** A certificate, its key and the files they were written to. */
  public record Issued(X509Certificate cert, KeyPair key, Path certFile, Path keyFile) {}

  private TestPki() {}

  public static Issued ca(Path dir, String name) {
    KeyPair kp = keyPair();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build();
    try {
      X509v3CertificateBuilder b = builder(subject, subject, kp);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return write(dir, name, sign(b, kp), kp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Issued server(Path dir, String name, Issued ca) {
    return server(dir, name, ca, Instant.now().plus(1, ChronoUnit.DAYS));
  }

  /** A serving certificate for localhost and 127.0.0.1, valid until {@code notAfter}. */
  public static Issued server(Path dir, String name, Issued ca, Instant notAfter) {
    KeyPair kp = keyPair();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build();
    try {
      X509v3CertificateBuilder b =
          builder(issuerName(ca), subject, kp, Instant.now().minus(1, ChronoUnit.HOURS), notAfter);
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
      return write(dir, name, sign(b, ca.key()), kp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Issued client(
      Path dir, String fileName, Issued ca, String user, List<String> groups) {
    Instant now = Instant.now();
    return client(
        dir,
        fileName,
        ca,
        user,
        groups,
        now.minus(1, ChronoUnit.HOURS),
        now.plus(1, ChronoUnit.DAYS));
  }

  /**
   * A client certificate for {@code user} (file name and CN) valid from an hour ago for {@code
   * days} days, in {@code dir/user}.
   */
  public static Issued clientValidFor(Path dir, Issued ca, String user, int days) {
    Instant now = Instant.now();
    return client(
        dir.resolve(user),
        user,
        ca,
        user,
        List.of(),
        now.minus(1, ChronoUnit.HOURS),
        now.plus(days, ChronoUnit.DAYS));
  }

  /** A client certificate valid from {@code notBefore} to {@code notAfter}. */
  public static Issued client(
      Path dir,
      String fileName,
      Issued ca,
      String user,
      List<String> groups,
      Instant notBefore,
      Instant notAfter) {
    KeyPair kp = keyPair();
    X500NameBuilder nb = new X500NameBuilder(BCStyle.INSTANCE);
    for (String g : groups) {
      nb.addRDN(BCStyle.O, g);
    }
    nb.addRDN(BCStyle.CN, user);
    try {
      X509v3CertificateBuilder b = builder(issuerName(ca), nb.build(), kp, notBefore, notAfter);
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      return write(dir, fileName, sign(b, ca.key()), kp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A JDK TLS context presenting {@code client} (null: none) and trusting {@code ca}. */
  public static javax.net.ssl.SSLContext sslContext(Issued client, Issued ca) {
    try {
      java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca.cert());
      javax.net.ssl.TrustManagerFactory tmf =
          javax.net.ssl.TrustManagerFactory.getInstance(
              javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      if (client != null) {
        keys.setKeyEntry(
            "client",
            client.key().getPrivate(),
            new char[0],
            new java.security.cert.Certificate[] {client.cert()});
      }
      javax.net.ssl.KeyManagerFactory kmf =
          javax.net.ssl.KeyManagerFactory.getInstance(
              javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, new char[0]);
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (java.security.GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X500Name issuerName(Issued ca) {
    return X500Name.getInstance(ca.cert().getSubjectX500Principal().getEncoded());
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair kp) {
    Instant now = Instant.now();
    return builder(
        issuer, subject, kp, now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.DAYS));
  }

  private static X509v3CertificateBuilder builder(
      X500Name issuer, X500Name subject, KeyPair kp, Instant notBefore, Instant notAfter) {
    return new JcaX509v3CertificateBuilder(
        issuer,
        BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(notBefore),
        Date.from(notAfter),
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
    Files.writeString(
        keyFile,
        pem(
            new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(kp.getPrivate(), null)
                .generate()));
    return new Issued(cert, kp, certFile, keyFile);
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    }
    return w.toString();
  }
}
