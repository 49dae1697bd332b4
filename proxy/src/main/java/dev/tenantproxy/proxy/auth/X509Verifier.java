package dev.tenantproxy.proxy.auth;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * Verifies a client certificate chain against one CA bundle (PKIX path validation; leaf must allow
 * client authentication when it carries an extended key usage), like kube-apiserver's x509
 * authenticator. Thread-safe.
 */
public final class X509Verifier {
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final String ANY_EKU = "2.5.29.37.0";

  private final Set<TrustAnchor> anchors;
  private final List<X509Certificate> authorities;

  private X509Verifier(List<X509Certificate> cas) {
    this.authorities = List.copyOf(cas);
    Set<TrustAnchor> a = new HashSet<>();
    for (X509Certificate ca : cas) {
      a.add(new TrustAnchor(ca, null));
    }
    this.anchors = Set.copyOf(a);
  }

  /** Loads a PEM CA bundle. */
  public static X509Verifier fromPemFile(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> cas = new ArrayList<>();
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        cas.add((X509Certificate) c);
      }
      if (cas.isEmpty()) {
        throw new IllegalArgumentException(file + " holds no PEM certificate");
      }
      return new X509Verifier(cas);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read CA bundle " + file, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(file + " is not a PEM CA bundle: " + e.getMessage(), e);
    }
  }

  /** The CA certificates (offered to clients as acceptable issuers). */
  public List<X509Certificate> authorities() {
    return authorities;
  }

  /** Whether the chain (leaf first) chains to one of the CAs and is valid now. */
  public boolean verify(List<X509Certificate> chain) {
    if (chain.isEmpty()) {
      return false;
    }
    try {
      X509Certificate leaf = chain.get(0);
      leaf.checkValidity();
      List<String> eku = leaf.getExtendedKeyUsage();
      if (eku != null && !eku.contains(CLIENT_AUTH) && !eku.contains(ANY_EKU)) {
        return false;
      }
      List<X509Certificate> path = new ArrayList<>();
      for (X509Certificate c : chain) {
        if (isAnchor(c)) {
          break; // the anchor itself must not be part of the validated path
        }
        path.add(c);
      }
      if (path.isEmpty()) {
        return false;
      }
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private boolean isAnchor(X509Certificate c) {
    for (X509Certificate a : authorities) {
      if (a.equals(c)) {
        return true;
      }
    }
    return false;
  }

  /** The common name of a certificate subject, or null. */
  public static String commonName(X509Certificate cert) {
    return attribute(cert.getSubjectX500Principal(), "CN").stream().findFirst().orElse(null);
  }

  /** The organizations of a certificate subject (groups), in order. */
  public static List<String> organizations(X509Certificate cert) {
    return attribute(cert.getSubjectX500Principal(), "O");
  }

  private static List<String> attribute(X500Principal principal, String type) {
    List<String> out = new ArrayList<>();
    try {
      javax.naming.ldap.LdapName dn = new javax.naming.ldap.LdapName(principal.getName());
      // index 0 is the first RDN of the certificate: keep the certificate's order
      for (int i = 0; i < dn.size(); i++) {
        javax.naming.ldap.Rdn rdn = dn.getRdns().get(i);
        if (rdn.getType().equalsIgnoreCase(type)) {
          out.add(String.valueOf(rdn.getValue()));
        }
      }
    } catch (javax.naming.InvalidNameException e) {
      return List.of();
    }
    return out;
  }
}
