package dev.tenantproxy.proxy.tls;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collections;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;

/** Whether a certificate and a key read from their files can be put in service. */
final class KeyPairCheck {
  private KeyPairCheck() {}

  /**
   * Checks that {@code keyPem} is the private key of the leaf certificate in {@code certPem}: a
   * renewal that writes one file before the other (or a wrong pair) parses fine but would fail
   * every handshake. Signs a random challenge with the key and verifies it with the certificate's
   * public key. Then that every certificate of the chain is valid at {@code now}: the peer checks
   * the validity on every handshake (kube-apiserver on every request authenticated by a client
   * certificate), so an expired or not yet valid certificate would be refused there. CPU work of a
   * few milliseconds: call off the event loop.
   *
   * @throws IllegalArgumentException when they do not belong together
   * @throws CertificateExpiredException when a certificate of the chain expired before {@code now}
   * @throws CertificateNotYetValidException when one is not valid yet at {@code now} (it will be
   *     later: check again)
   * @throws Exception when the PEM does not load
   */
  static PemPair check(Vertx vertx, Buffer certPem, Buffer keyPem, Instant now) throws Exception {
    PemKeyCertOptions pem = new PemKeyCertOptions().setCertValue(certPem).setKeyValue(keyPem);
    KeyStore store = pem.loadKeyStore(vertx);
    X509KeyManager keys = null;
    for (KeyManager m : pem.getKeyManagerFactory(vertx).getKeyManagers()) {
      if (m instanceof X509KeyManager x) {
        keys = x;
      }
    }
    if (store == null || keys == null) {
      throw new IllegalArgumentException("no key and certificate found");
    }
    X509Certificate leaf = null;
    for (String alias : Collections.list(store.aliases())) {
      PrivateKey key = keys.getPrivateKey(alias);
      X509Certificate[] chain = keys.getCertificateChain(alias);
      if (key != null && chain != null && chain.length > 0) {
        if (!belong(key, chain[0])) {
          throw new IllegalArgumentException(
              "the private key does not match the certificate "
                  + chain[0].getSubjectX500Principal().getName());
        }
        for (X509Certificate c : chain) {
          checkValidity(c, now);
        }
        leaf = chain[0];
      }
    }
    if (leaf == null) {
      throw new IllegalArgumentException("no key and certificate found");
    }
    return new PemPair(certPem, keyPem, leaf);
  }

  private static void checkValidity(X509Certificate c, Instant now)
      throws CertificateExpiredException, CertificateNotYetValidException {
    String subject = c.getSubjectX500Principal().getName();
    if (now.isAfter(c.getNotAfter().toInstant())) {
      throw new CertificateExpiredException(
          "the certificate " + subject + " expired at " + c.getNotAfter().toInstant());
    }
    if (now.isBefore(c.getNotBefore().toInstant())) {
      throw new CertificateNotYetValidException(
          "the certificate " + subject + " is not valid before " + c.getNotBefore().toInstant());
    }
  }

  private static boolean belong(PrivateKey key, Certificate cert) throws GeneralSecurityException {
    PublicKey pub = cert.getPublicKey();
    if (!key.getAlgorithm().equals(pub.getAlgorithm())) {
      return false;
    }
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "Ed448", "EdDSA" -> "EdDSA";
          default -> null;
        };
    if (algorithm == null) {
      return true; // an unusual key type: the handshake is the check
    }
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(challenge);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(pub);
    verifier.update(challenge);
    return verifier.verify(signature);
  }
}
