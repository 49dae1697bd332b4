package dev.tenantproxy.proxy.tls;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileProps;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CertificateFiles} on a periodic Vert.x timer. Every tick stats both files (asynchronous
 * file system calls); only when their modification times or sizes differ from the last ones handled
 * are they read, compared with the pair in service (a file touched or rewritten with the same
 * content changes nothing), checked on a worker thread ({@link KeyPairCheck}) and handed to {@code
 * use} on the timer's event loop. One check at a time: a tick that finds one still running is
 * skipped, so pairs are put in service in the order they were written.
 *
 * <p>The first tick after {@link #start} reads the files whatever their times: the pair in service
 * was read by the owner before the watch started, and a renewal in between must not be missed.
 *
 * <p>DESIGN (refused until the files change, or for now). A refused pair's stamp is remembered, so
 * the same files are not checked again on every tick: what the files hold decides a key that is not
 * the certificate's, an expired certificate, a PEM that does not load, and checking them again
 * would give the same answer. Two refusals depend on something else and do not remember the stamp,
 * so the same files are checked again at the next tick: a certificate not valid yet (the clock),
 * and a {@link CertificateFiles.Refused} whose {@code again()} is true ({@code use} could not
 * decide: the front-proxy certificate's probe got no answer from the API server). Either is logged
 * and counted once while the reason stays the same, not on every tick. A pair {@code use} refuses
 * for good (the API server answered that it does not trust the certificate) is offered again when
 * the files' times change, even to the same content (touching them retries it), and otherwise every
 * {@value #REFUSED_RETRY_TICKS} ticks (5 minutes at the default 10 s): that answer is the API
 * server's, not the files', and changes without them when its trust changes — a certificate of a
 * rotated CA written before the API server's {@code --requestheader-client-ca-file} names the new
 * CA is taken once it does, without a restart or a touch. A refusal repeated for the same reason is
 * neither logged nor counted again.
 *
 * <p>Log lines name the files and the certificate (subject, serial, validity), never key material:
 * a refusal's reason is this package's own message or the PEM parser's, which names a delimiter or
 * a character, not the content.
 */
final class PairWatcher implements CertificateFiles {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateFiles.class);

  private final Vertx vertx;
  private final String what;
  private final Path certFile;
  private final Path keyFile;
  private final long intervalMs;
  private final Function<PemPair, Future<?>> use;
  private final AtomicInteger refused = new AtomicInteger();
  private final AtomicInteger reloaded = new AtomicInteger();
  private final AtomicInteger looked = new AtomicInteger();

  /** Ticks after which a pair {@code use} refused for good is offered again (DESIGN note). */
  static final int REFUSED_RETRY_TICKS = 30;

  // guarded by this
  private long timer = -1;
  private boolean checking;

  /** The files' times and sizes last handled: put in service, unchanged, or refused for good. */
  private String lastSeen;

  /** Ticks until a pair {@code use} refused for good is offered again; 0 when there is none. */
  private int refusedRetryIn;

  private Buffer certInUse;
  private Buffer keyInUse;

  /** The expiry of the leaf certificate in service (read by scrapes on any thread). */
  private volatile Instant notAfter;

  /** The last problem logged (content and reason), so that a repeated one is logged once. */
  private String lastProblem;

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
    this.intervalMs = Math.max(1, interval.toMillis());
    this.use = use;
  }

  @Override
  public synchronized void start(Buffer certPem, Buffer keyPem) {
    if (timer >= 0) {
      return;
    }
    certInUse = certPem;
    keyInUse = keyPem;
    notAfter = leafNotAfter(certPem);
    lastSeen = null;
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

  @Override
  public int reloaded() {
    return reloaded.get();
  }

  @Override
  public Instant notAfter() {
    return notAfter;
  }

  /** The notAfter of the first certificate in {@code certPem}, or null when it does not parse. */
  private Instant leafNotAfter(Buffer certPem) {
    try {
      X509Certificate leaf =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(new ByteArrayInputStream(certPem.getBytes()));
      return leaf.getNotAfter().toInstant();
    } catch (Exception e) {
      LOG.warn("cannot read the expiry of the {} in service: {}", what, e.getMessage());
      return null;
    }
  }

  /** How many times the files were looked at (tests: a tick that started after a write ended). */
  int looked() {
    return looked.get();
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
    synchronized (this) {
      if (checking || timer < 0) {
        return;
      }
      checking = true;
    }
    stamp()
        .compose(
            stamp -> {
              synchronized (this) {
                if (stamp.equals(lastSeen) && (refusedRetryIn == 0 || --refusedRetryIn > 0)) {
                  return Future.succeededFuture();
                }
                refusedRetryIn = 0;
              }
              return reload(stamp);
            })
        .onFailure(
            e ->
                // a file missing or unreadable (e.g. in the middle of a replacement): not a pair to
                // refuse, the next tick looks again
                problem(
                    "",
                    "cannot read the "
                        + what
                        + " files "
                        + certFile
                        + " and "
                        + keyFile
                        + ": "
                        + e.getMessage()))
        .onComplete(
            ar -> {
              synchronized (this) {
                checking = false;
              }
              looked.incrementAndGet();
            });
  }

  private Future<Void> reload(String stamp) {
    Future<Buffer> certRead = vertx.fileSystem().readFile(certFile.toString());
    Future<Buffer> keyRead = vertx.fileSystem().readFile(keyFile.toString());
    return Future.all(certRead, keyRead)
        .compose(all -> stamp())
        .compose(
            after -> {
              if (!after.equals(stamp)) {
                // the files changed between their stamp and their content (the stamp's two looks
                // can straddle a Secret update's swap): decide on them at the next tick, under the
                // stamp they have then, or a pair refused for good would be offered twice
                return Future.succeededFuture();
              }
              Buffer cert = certRead.result();
              Buffer key = keyRead.result();
              synchronized (this) {
                if (cert.equals(certInUse) && key.equals(keyInUse)) {
                  lastSeen = stamp;
                  lastProblem = null;
                  return Future.succeededFuture();
                }
              }
              return vertx
                  .executeBlocking(() -> KeyPairCheck.check(vertx, cert, key, Instant.now()), false)
                  .compose(
                      pair -> {
                        synchronized (this) {
                          if (timer < 0) {
                            // stopped meanwhile (shutdown): nothing is put in service any more
                            return Future.failedFuture(new Stopped());
                          }
                        }
                        return use.apply(pair).map(pair);
                      })
                  .transform(
                      ar -> {
                        if (ar.succeeded()) {
                          inService(stamp, ar.result());
                        } else if (!(ar.cause() instanceof Stopped)) {
                          refuse(stamp, cert, key, ar.cause());
                        }
                        return Future.<Void>succeededFuture();
                      });
            });
  }

  private void inService(String stamp, PemPair pair) {
    synchronized (this) {
      lastSeen = stamp;
      certInUse = pair.certPem();
      keyInUse = pair.keyPem();
      lastProblem = null;
    }
    X509Certificate c = pair.certificate();
    notAfter = c.getNotAfter().toInstant();
    reloaded.incrementAndGet();
    LOG.info(
        "reloaded the {} from {} and {}: {}, serial {}, valid until {}",
        what,
        certFile,
        keyFile,
        c.getSubjectX500Principal().getName(),
        c.getSerialNumber().toString(16),
        c.getNotAfter().toInstant());
  }

  private void refuse(String stamp, Buffer cert, Buffer key, Throwable e) {
    // a certificate not valid yet will be, a pair refused for now may pass: the same files are
    // checked again every tick (and the refusal logged once); any other refusal stands until the
    // files change (see the DESIGN note above)
    boolean later =
        e instanceof CertificateNotYetValidException
            || (e instanceof CertificateFiles.Refused r && r.again());
    synchronized (this) {
      if (!later) {
        lastSeen = stamp;
        // the API server's answer may change without the files (its trusted CAs): ask it again
        refusedRetryIn = e instanceof CertificateFiles.Refused ? REFUSED_RETRY_TICKS : 0;
      }
    }
    String reason =
        e instanceof IllegalArgumentException
                || e instanceof CertificateExpiredException
                || e instanceof CertificateNotYetValidException
                || e instanceof CertificateFiles.Refused
            ? e.getMessage()
            : "it does not load (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
    // the same content refused for the same reason is logged and counted once, whatever the files'
    // times: a look that stats one file before a replacement and the other after it reads the new
    // content under a stamp that the next look no longer sees
    if (problem(
        cert.hashCode() + "/" + key.hashCode(),
        "kept the previous "
            + what
            + ", the new pair in "
            + certFile
            + " and "
            + keyFile
            + " is refused: "
            + reason
            + (later ? " (checked again every " + intervalMs + " ms)" : ""))) {
      refused.incrementAndGet();
    }
  }

  /** Logs {@code message} unless it was the last one for the same content; true when logged. */
  private boolean problem(String content, String message) {
    String key = content + "|" + message;
    synchronized (this) {
      if (Objects.equals(key, lastProblem)) {
        return false;
      }
      lastProblem = key;
    }
    LOG.warn(message);
    return true;
  }

  /** The watch was stopped while a pair was being checked. */
  private static final class Stopped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Stopped() {
      super("stopped", null, false, false);
    }
  }
}
