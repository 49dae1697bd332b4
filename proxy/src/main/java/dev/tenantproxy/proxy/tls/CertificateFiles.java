package dev.tenantproxy.proxy.tls;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * A certificate file and its key file, watched for renewal. Every {@code interval} a Vert.x timer
 * looks at both files' modification times and sizes (asynchronous file system calls); when they
 * changed, both are read, checked off the event loop (the key must belong to the certificate) and
 * handed to {@code use}, which puts the pair in service. A pair that does not load, does not belong
 * together (a renewal that wrote the key before the certificate) or that {@code use} fails on is
 * refused with a warning naming the files, and the previous pair stays in service.
 */
public interface CertificateFiles {

  /**
   * Watches {@code certFile} and {@code keyFile} once {@link #start()}ed.
   *
   * @param what what the pair is, for the logs (e.g. {@code "serving certificate"})
   * @param use puts a checked pair in service, on a Vert.x event loop (it must not block); a failed
   *     future refuses the pair
   */
  static CertificateFiles watch(
      Vertx vertx,
      String what,
      Path certFile,
      Path keyFile,
      Duration interval,
      Function<PemPair, Future<?>> use) {
    return new PairWatcher(vertx, what, certFile, keyFile, interval, use);
  }

  /** Starts watching (again a no-op when started). */
  void start();

  /** Stops watching. */
  void stop();

  /** How many changed pairs were refused and the previous one kept. */
  int refused();
}
