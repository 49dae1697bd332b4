package dev.tenantproxy.proxy.server;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.TrustOptions;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509KeyManager;

/**
 * TLS of the serving port. Client certificates are <em>requested</em>, not required, and not
 * verified during the handshake: token callers connect without one, and a certificate from an
 * unknown CA must not break the connection (kube-apiserver also accepts it and falls through to the
 * other authenticators). The authenticators verify chains against {@code --client-ca-file} and
 * {@code --requestheader-client-ca-file}. The handshake still proves possession of the key.
 */
final class ServerTls {
  private ServerTls() {}

  static ServerSSLOptions options(Buffer certPem, Buffer keyPem, List<X509Certificate> issuers) {
    return new ServerSSLOptions()
        .setKeyCertOptions(new PemKeyCertOptions().setCertValue(certPem).setKeyValue(keyPem))
        .setTrustOptions(TrustOptions.wrap(new AcceptAndVerifyLater(issuers)))
        .setClientAuth(ClientAuth.REQUEST)
        .setUseAlpn(true)
        .setApplicationLayerProtocols(List.of("h2", "http/1.1"));
  }

  /**
   * Checks that {@code keyPem} is the private key of the leaf certificate in {@code certPem}: a
   * renewal that writes one file before the other (or a wrong pair) parses fine but would fail
   * every handshake. Signs a random challenge with the key and verifies it with the certificate's
   * public key. CPU work of a few milliseconds: call off the event loop.
   *
   * @throws IllegalArgumentException when they do not belong together
   * @throws Exception when the PEM does not load
   */
  static void checkPair(Vertx vertx, Buffer certPem, Buffer keyPem) throws Exception {
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
    for (String alias : java.util.Collections.list(store.aliases())) {
      PrivateKey key = keys.getPrivateKey(alias);
      X509Certificate[] chain = keys.getCertificateChain(alias);
      if (key != null && chain != null && chain.length > 0 && !belong(key, chain[0])) {
        throw new IllegalArgumentException(
            "the private key does not match the certificate "
                + chain[0].getSubjectX500Principal().getName());
      }
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

  /** Accepts any client chain; advertises the configured CAs as acceptable issuers. */
  static final class AcceptAndVerifyLater extends X509ExtendedTrustManager {
    private final X509Certificate[] issuers;

    AcceptAndVerifyLater(List<X509Certificate> issuers) {
      this.issuers = issuers.toArray(new X509Certificate[0]);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      throw new UnsupportedOperationException("server-side trust manager");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
      throw new UnsupportedOperationException("server-side trust manager");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
      throw new UnsupportedOperationException("server-side trust manager");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return issuers.clone();
    }
  }
}
