package dev.tenantproxy.proxy.tls;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileProps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link CertificateFiles} on a periodic Vert.x timer. */
final class PairWatcher implements CertificateFiles {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateFiles.class);

  private final Vertx vertx;
  private final String what;
  private final Path certFile;
  private final Path keyFile;
  private final long intervalMs;
  private final Function<PemPair, Future<?>> use;
  private long timer = -1;
  private String lastSeen;
  private final AtomicInteger refused = new AtomicInteger();

  PairWatcher(
      Vertx vertx,
      String what,
      Path certFile,
      Path keyFile,
      Duration interval,
      Function<PemPair, Future<?>> use) {
    this.vertx = vertx;
    this.what = what;
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.intervalMs = interval.toMillis();
    this.use = use;
  }

  @Override
  public synchronized void start() {
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
    timer = vertx.setPeriodic(intervalMs, id -> check());
  }

  @Override
  public synchronized void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  @Override
  public int refused() {
    return refused.get();
  }

  private Future<String> stamp() {
    Future<FileProps> cert = vertx.fileSystem().props(certFile.toString());
    Future<FileProps> key = vertx.fileSystem().props(keyFile.toString());
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
        .onFailure(e -> LOG.warn("cannot stat the {} files: {}", what, e.getMessage()));
  }

  private void reload() {
    Future<Buffer> cert = vertx.fileSystem().readFile(certFile.toString());
    Future<Buffer> key = vertx.fileSystem().readFile(keyFile.toString());
    Future.all(cert, key)
        .compose(
            all ->
                vertx.executeBlocking(
                    () -> KeyPairCheck.check(vertx, cert.result(), key.result()), false))
        .compose(pair -> use.apply(pair).<Void>mapEmpty())
        .onSuccess(v -> LOG.info("reloaded the {} {}", what, certFile))
        .onFailure(
            e -> {
              refused.incrementAndGet();
              LOG.warn(
                  "kept the previous {}, the new pair does not load: {}", what, e.getMessage());
            });
  }
}
