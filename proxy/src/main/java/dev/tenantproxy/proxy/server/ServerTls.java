package dev.tenantproxy.proxy.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.TrustOptions;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

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
