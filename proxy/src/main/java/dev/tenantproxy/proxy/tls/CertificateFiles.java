package dev.tenantproxy.proxy.tls;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * A certificate file and its key file, watched for renewal. Every {@code interval} a Vert.x timer
 * looks at both files' modification times and sizes (asynchronous file system calls); when they
 * changed, both are read and, when their content differs from the pair in service, checked off the
 * event loop (the key must belong to the certificate; every certificate of the chain must be valid
 * now) and handed to {@code use}, which puts the pair in service; an INFO line names the new
 * certificate and its expiry. A pair that does not load, does not belong together (a renewal that
 * wrote the key before the certificate), has expired, or that {@code use} fails on is refused with
 * a WARN line naming the files (never key material), and the previous pair stays in service until
 * the files change again; a certificate not valid yet, or a pair {@code use} refuses {@linkplain
 * Refused#again() for now}, is checked again every {@code interval}, and a pair {@code use} refuses
 * for good every 30 intervals (its reason lies outside the files: the API server's trust).
 *
 * <p>Used for the serving certificate ({@code server.TlsReloader}) and the front-proxy client
 * certificate ({@code upstream.VertxUpstream}), both every {@code --tls-reload-interval}.
 */
public interface CertificateFiles {

  /**
   * Watches {@code certFile} and {@code keyFile} once {@link #start()}ed.
   *
   * @param what what the pair is, for the logs (e.g. {@code "serving certificate"})
   * @param use puts a checked pair in service, on a Vert.x event loop (it must not block); a failed
   *     future refuses the pair (with a {@link Refused}, for the reason it gives)
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

  /**
   * Starts watching (a no-op when started).
   *
   * @param certPem the certificate in service now, as its owner read it from the file
   * @param keyPem its key: the first look compares the files with this pair, so that a renewal
   *     between the owner's read and this call is not missed
   */
  void start(Buffer certPem, Buffer keyPem);

  /** Stops watching. */
  void stop();

  /** How many changed pairs were refused and the previous one kept. */
  int refused();

  /** How many changed pairs were put in service. */
  int reloaded();

  /**
   * The expiry (notAfter) of the leaf certificate in service: the one given to {@link #start}, then
   * each pair put in service; null before the start.
   */
  Instant notAfter();

  /**
   * Why {@code use} refuses a pair; its message is logged as the reason, so it must not carry key
   * material.
   */
  final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean again;

    /**
     * @param reason what is wrong, for the WARN line
     * @param again whether the same files are offered again at the next interval, because the
     *     reason may pass by itself soon (the API server did not answer), rather than once they
     *     change or after 30 intervals (the API server answered that it does not trust them)
     */
    public Refused(String reason, boolean again) {
      super(reason, null, false, false);
      this.again = again;
    }

    /** Whether the same files are offered again at the next interval. */
    public boolean again() {
      return again;
    }
  }
}
