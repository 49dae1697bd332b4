package dev.tenantproxy.proxy.server;

import dev.tenantproxy.proxy.config.ProxyConfig;
import dev.tenantproxy.proxy.tls.CertificateFiles;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.ServerSSLOptions;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Hot reload of the serving certificate: {@code --tls-cert-file} and {@code --tls-private-key-file}
 * watched as {@link CertificateFiles} every {@code --tls-reload-interval}; a new pair goes to every
 * listener with {@link HttpServer#updateSSLOptions}: new connections get the new certificate, open
 * ones keep theirs. A broken pair is logged and the old one kept, including a key that does not
 * belong to the certificate (a renewal that writes the key before the certificate: serving that
 * pair would fail every handshake until the certificate is written too).
 */
final class TlsReloader {
  private final CertificateFiles files;

  TlsReloader(
      Vertx vertx, ProxyConfig config, List<X509Certificate> issuers, List<HttpServer> servers) {
    this.files =
        CertificateFiles.watch(
            vertx,
            "serving certificate",
            config.tlsCertFile(),
            config.tlsPrivateKeyFile(),
            config.tlsReloadInterval(),
            pair -> {
              ServerSSLOptions options = ServerTls.options(pair.certPem(), pair.keyPem(), issuers);
              return Future.all(servers.stream().map(s -> s.updateSSLOptions(options)).toList());
            });
  }

  /** Starts watching; {@code certPem} and {@code keyPem} are what the listeners serve now. */
  void start(Buffer certPem, Buffer keyPem) {
    files.start(certPem, keyPem);
  }

  void stop() {
    files.stop();
  }

  /** The watch of the serving certificate's files. */
  CertificateFiles files() {
    return files;
  }

  /** How many changed pairs were refused and the previous one kept (for tests). */
  int refused() {
    return files.refused();
  }
}
