package dev.tenantproxy.proxy.server;

import dev.tenantproxy.proxy.config.ProxyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileProps;
import io.vertx.core.http.HttpServer;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload of the serving certificate: polls the modification times of {@code --tls-cert-file}
 * and {@code --tls-private-key-file} with a periodic timer (asynchronous file system calls) and
 * hands new material to every listener with {@link HttpServer#updateSSLOptions}; new connections
 * get the new certificate, open ones keep theirs. A broken pair is logged and the old one kept,
 * including a key that does not belong to the certificate (a renewal that writes the key before the
 * certificate: serving that pair would fail every handshake until the certificate is written too).
 */
final class TlsReloader {
  private static final Logger LOG = LoggerFactory.getLogger(TlsReloader.class);

  private final Vertx vertx;
  private final ProxyConfig config;
  private final List<X509Certificate> issuers;
  private final List<HttpServer> servers;
  private long timer = -1;
  private String lastSeen;
  private final AtomicInteger refused = new AtomicInteger();

  TlsReloader(
      Vertx vertx, ProxyConfig config, List<X509Certificate> issuers, List<HttpServer> servers) {
    this.vertx = vertx;
    this.config = config;
    this.issuers = issuers;
    this.servers = servers;
  }

  synchronized void start() {
    if (timer >= 0) {
      return;
    }
    stamp()
        .onSuccess(
            s -> {
              synchronized (this) {
                lastSeen = s;
              }
            });
    timer = vertx.setPeriodic(config.tlsReloadInterval().toMillis(), id -> check());
  }

  synchronized void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private Future<String> stamp() {
    Future<FileProps> cert = vertx.fileSystem().props(config.tlsCertFile().toString());
    Future<FileProps> key = vertx.fileSystem().props(config.tlsPrivateKeyFile().toString());
    return Future.all(cert, key)
        .map(
            all ->
                cert.result().lastModifiedTime()
                    + "/"
                    + cert.result().size()
                    + "/"
                    + key.result().lastModifiedTime()
                    + "/"
                    + key.result().size());
  }

  private void check() {
    stamp()
        .onSuccess(
            s -> {
              synchronized (this) {
                if (s.equals(lastSeen)) {
                  return;
                }
                lastSeen = s;
              }
              reload();
            })
        .onFailure(e -> LOG.warn("cannot stat the TLS files: {}", e.getMessage()));
  }

  private void reload() {
    Future<Buffer> cert = vertx.fileSystem().readFile(config.tlsCertFile().toString());
    Future<Buffer> key = vertx.fileSystem().readFile(config.tlsPrivateKeyFile().toString());
    Future.all(cert, key)
        .compose(
            all ->
                vertx.executeBlocking(
                    () -> {
                      ServerTls.checkPair(vertx, cert.result(), key.result());
                      return ServerTls.options(cert.result(), key.result(), issuers);
                    },
                    false))
        .compose(
            options -> {
              List<Future<Boolean>> updates =
                  servers.stream().map(s -> s.updateSSLOptions(options)).toList();
              return Future.all(updates);
            })
        .onSuccess(v -> LOG.info("reloaded the serving certificate {}", config.tlsCertFile()))
        .onFailure(
            e -> {
              refused.incrementAndGet();
              LOG.warn(
                  "kept the previous serving certificate, the new pair does not load: {}",
                  e.getMessage());
            });
  }

  /** How many changed pairs were refused and the previous one kept (for tests). */
  int refused() {
    return refused.get();
  }
}
