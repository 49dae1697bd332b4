package dev.tenantproxy.e2e.controlplane;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
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
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority: RSA keys, X.509 certificates and PEM files, made with BouncyCastle. The
 * control plane's CA, and the one the sandbox's proxy serves with ({@code
 * dev.tenantproxy.e2e.sandbox.ProxyInFront}). A client certificate's CN is the Kubernetes user name
 * and each O is a group.
 *
 * <p>Public API: {@link #newCa}, {@link #writeCa}, {@link #caPem}, {@link #serving}, {@link
 * #client}, {@link Issued} and {@link KeyFiles}; the rest serves this package.
 */
public final class Pki {

  /** A private key and the certificate for it, both as PEM text. */
  public record Issued(String certPem, String keyPem) {
    /** Writes the certificate and the key to these files (parent directories created). */
    public void write(Path cert, Path key) {
      writePem(cert, certPem);
      writePem(key, keyPem);
    }

    /** Writes {@code dir/<name>.crt} and {@code dir/<name>.key}; returns their paths. */
    public KeyFiles writeTo(Path dir, String name) {
      KeyFiles files = new KeyFiles(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
      write(files.cert(), files.key());
      return files;
    }
  }

  /** A PEM certificate file and the PEM file of its private key. */
  public record KeyFiles(Path cert, Path key) {}

  /** The CA certificate's file name in the directory given to {@link #writeCa(Path)}. */
  public static final String CA_CERT = "ca.crt";

  static final String CA_KEY = "ca.key";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509Certificate caCert;
  private final PrivateKey caKey;

  private Pki(X509Certificate caCert, PrivateKey caKey) {
    this.caCert = caCert;
    this.caKey = caKey;
  }

  /** A new self-signed CA, valid for ten years (in memory: {@link #writeCa(Path)} stores it). */
  public static Pki newCa(String commonName) {
    KeyPair pair = rsaKeyPair();
    X500Name name = commonName(commonName);
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          builder(name, name, pair, Duration.ofDays(3650))
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(pair.getPublic()));
      return new Pki(sign(builder, pair.getPrivate()), pair.getPrivate());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot create the CA certificate", e);
    }
  }

  /** Loads a CA written by {@link #writeCa(Path)}. */
  static Pki load(Path dir) {
    try (PEMParser certs = new PEMParser(new StringReader(Files.readString(dir.resolve(CA_CERT))));
        PEMParser keys = new PEMParser(new StringReader(Files.readString(dir.resolve(CA_KEY))))) {
      X509Certificate cert =
          new JcaX509CertificateConverter()
              .getCertificate((X509CertificateHolder) certs.readObject());
      PrivateKey key =
          new JcaPEMKeyConverter().getKeyPair((PEMKeyPair) keys.readObject()).getPrivate();
      return new Pki(cert, key);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the CA from " + dir, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot read the CA from " + dir, e);
    }
  }

  /**
   * Writes the CA certificate ({@value #CA_CERT}) and key ({@code ca.key}) into {@code dir},
   * created if missing; returns the certificate's path.
   */
  public Path writeCa(Path dir) {
    writePem(dir.resolve(CA_CERT), caPem());
    writePem(dir.resolve(CA_KEY), pem(caKey));
    return dir.resolve(CA_CERT);
  }

  /** The CA certificate as PEM text. */
  public String caPem() {
    return pem(caCert);
  }

  /** A serving certificate (valid for a year) for the given DNS names and IP addresses. */
  public Issued serving(String commonName, List<String> dnsNames, List<String> ipAddresses) {
    List<GeneralName> names = new ArrayList<>();
    dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
    ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
    return issue(
        commonName(commonName),
        KeyPurposeId.id_kp_serverAuth,
        new GeneralNames(names.toArray(GeneralName[]::new)),
        Duration.ofDays(365));
  }

  /**
   * A client certificate (valid for a year): Kubernetes reads CN as the user name and every O as a
   * group.
   */
  public Issued client(String user, List<String> groups) {
    return client(user, groups, Duration.ofDays(365));
  }

  /** A client certificate valid for {@code validity} (from an hour ago: clock skew). */
  public Issued client(String user, List<String> groups, Duration validity) {
    X500NameBuilder name = new X500NameBuilder(BCStyle.INSTANCE);
    groups.forEach(g -> name.addRDN(BCStyle.O, g));
    name.addRDN(BCStyle.CN, user);
    return issue(name.build(), KeyPurposeId.id_kp_clientAuth, null, validity);
  }

  /** An RSA key pair for signing ServiceAccount tokens: private key and public key PEM. */
  static Issued serviceAccountKeys() {
    KeyPair pair = rsaKeyPair();
    return new Issued(pem(pair.getPublic()), pem(pair.getPrivate()));
  }

  private Issued issue(
      X500Name subject, KeyPurposeId purpose, GeneralNames sans, Duration validity) {
    KeyPair pair = rsaKeyPair();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          builder(
                  X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded()),
                  subject,
                  pair,
                  validity)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
              .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  ext.createAuthorityKeyIdentifier(caCert));
      if (sans != null) {
        builder.addExtension(Extension.subjectAlternativeName, false, sans);
      }
      return new Issued(pem(sign(builder, caKey)), pem(pair.getPrivate()));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot issue a certificate for " + subject, e);
    }
  }

  private static X500Name commonName(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  /** Valid from an hour ago (clock skew) for {@code validity}, with a random serial. */
  private static X509v3CertificateBuilder builder(
      X500Name issuer, X500Name subject, KeyPair pair, Duration validity) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        serial(),
        Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(validity)),
        subject,
        pair.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair rsaKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048, RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(63, RANDOM);
  }

  private static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  static void writePem(Path file, String pem) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, pem);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
