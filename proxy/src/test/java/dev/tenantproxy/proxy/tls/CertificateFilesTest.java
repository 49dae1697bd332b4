package dev.tenantproxy.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tenantproxy.proxy.testing.TestPki;
import dev.tenantproxy.testsupport.SecretDir;
import dev.tenantproxy.testsupport.TestVertx;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The one watcher of certificate files: what it puts in service, what it refuses (and keeps the
 * previous pair for), what it logs. Files change as a mounted Secret changes ({@link SecretDir}).
 */
class CertificateFilesTest {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final Duration INTERVAL = Duration.ofMillis(50);

  @TempDir Path dir;
  private Vertx vertx;
  private TestPki.Issued ca;
  private TestPki.Issued first;
  private SecretDir secret;
  private final List<PemPair> used = new CopyOnWriteArrayList<>();
  private final AtomicBoolean useFails = new AtomicBoolean();

  /** When set, {@code use} fails with it (and counts the pair in {@link #offered}). */
  private final AtomicReference<CertificateFiles.Refused> refusal = new AtomicReference<>();

  private final AtomicInteger offered = new AtomicInteger();
  private PairWatcher watcher;
  private ListAppender<ILoggingEvent> logs;
  private Logger logger;

  @BeforeEach
  void start() throws Exception {
    vertx = TestVertx.create();
    ca = TestPki.ca(dir, "ca");
    first = issue("first");
    secret = new SecretDir(dir.resolve("secret")).write(first.certFile(), first.keyFile());
    logger = (Logger) LoggerFactory.getLogger(CertificateFiles.class);
    logs = new ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    watcher =
        (PairWatcher)
            CertificateFiles.watch(
                vertx,
                "test certificate",
                secret.certFile(),
                secret.keyFile(),
                INTERVAL,
                pair -> {
                  offered.incrementAndGet();
                  if (refusal.get() != null) {
                    return Future.failedFuture(refusal.get());
                  }
                  if (useFails.get()) {
                    return Future.failedFuture("the user refuses it");
                  }
                  used.add(pair);
                  return Future.succeededFuture();
                });
  }

  @AfterEach
  void stop() throws Exception {
    watcher.stop();
    logger.detachAppender(logs);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private TestPki.Issued issue(String name) {
    return TestPki.client(dir.resolve(name), name, ca, name, List.of());
  }

  private void startWith(TestPki.Issued inService) throws Exception {
    watcher.start(
        Buffer.buffer(Files.readAllBytes(inService.certFile())),
        Buffer.buffer(Files.readAllBytes(inService.keyFile())));
  }

  /**
   * Starts with "first", then has {@code use} refuse with {@code refusal} and writes a renewed pair
   * (returned).
   */
  private TestPki.Issued renewedWhileRefusing(CertificateFiles.Refused refusal) throws Exception {
    startWith(first);
    awaitTwoLooks();
    this.refusal.set(refusal);
    TestPki.Issued renewed = issue("renewed");
    secret.write(renewed.certFile(), renewed.keyFile());
    return renewed;
  }

  /** Waits until the watcher has looked at the files at least twice since now. */
  private void awaitTwoLooks() {
    int before = watcher.looked();
    await().atMost(BOUND).until(() -> watcher.looked() >= before + 2);
  }

  private List<BigInteger> usedSerials() {
    return used.stream().map(p -> p.certificate().getSerialNumber()).toList();
  }

  private List<String> messages(Level level) {
    synchronized (logs) { // AppenderBase.doAppend holds the appender's monitor
      return logs.list.stream()
          .filter(e -> e.getLevel() == level)
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
  }

  @Test
  void aRenewedPairIsPutInServiceOnceAndLoggedWithItsExpiry() throws Exception {
    startWith(first);
    awaitTwoLooks();
    TestPki.Issued renewed = issue("renewed");

    secret.write(renewed.certFile(), renewed.keyFile());

    await().atMost(BOUND).until(() -> watcher.reloaded() == 1);
    awaitTwoLooks();
    assertThat(usedSerials()).containsExactly(renewed.cert().getSerialNumber());
    assertThat(used.get(0).keyPem().getBytes()).isEqualTo(Files.readAllBytes(renewed.keyFile()));
    assertThat(watcher.refused()).isZero();
    assertThat(messages(Level.INFO))
        .singleElement()
        .asString()
        .contains(secret.certFile().toString())
        .contains("CN=renewed")
        .contains(renewed.cert().getNotAfter().toInstant().toString());
  }

  @Test
  void filesRewrittenWithTheContentInServiceChangeNothing() throws Exception {
    startWith(first);
    awaitTwoLooks();

    secret.write(first.certFile(), first.keyFile());
    awaitTwoLooks();

    assertThat(used).isEmpty();
    assertThat(watcher.reloaded()).isZero();
    assertThat(watcher.refused()).isZero();
  }

  @Test
  void aRenewalWrittenBeforeTheWatchStartedIsFoundByTheFirstLook() throws Exception {
    // the owner read "first"; the files were renewed before start() and are not written again
    TestPki.Issued renewed = issue("renewed");
    secret.write(renewed.certFile(), renewed.keyFile());

    startWith(first);

    await().atMost(BOUND).until(() -> watcher.reloaded() == 1);
    assertThat(usedSerials()).containsExactly(renewed.cert().getSerialNumber());
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsRefusedUntilTheFilesChangeAgain() throws Exception {
    startWith(first);
    awaitTwoLooks();
    TestPki.Issued renewed = issue("renewed");

    // a renewal that wrote the new key, not yet its certificate
    secret.write(first.certFile(), renewed.keyFile());

    await().atMost(BOUND).until(() -> watcher.refused() == 1);
    awaitTwoLooks();
    assertThat(used).isEmpty();
    assertThat(watcher.refused()).as("refused once, not on every look").isEqualTo(1);
    assertThat(messages(Level.WARN))
        .singleElement()
        .asString()
        .contains("kept the previous test certificate")
        .contains(secret.certFile().toString())
        .contains(secret.keyFile().toString())
        .contains("does not match the certificate CN=first");

    // the certificate follows
    secret.write(renewed.certFile(), renewed.keyFile());

    await().atMost(BOUND).until(() -> watcher.reloaded() == 1);
    assertThat(usedSerials()).containsExactly(renewed.cert().getSerialNumber());
  }

  @Test
  void filesThatAreNotPemAreRefused() throws Exception {
    startWith(first);
    awaitTwoLooks();

    secret.write(
        "not a certificate".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(first.keyFile()));

    await().atMost(BOUND).until(() -> watcher.refused() == 1);
    assertThat(used).isEmpty();
    assertThat(messages(Level.WARN)).singleElement().asString().contains("does not load");
  }

  @Test
  void anExpiredCertificateIsRefused() throws Exception {
    startWith(first);
    awaitTwoLooks();
    Instant now = Instant.now();
    TestPki.Issued expired =
        TestPki.client(
            dir.resolve("expired"),
            "expired",
            ca,
            "expired",
            List.of(),
            now.minus(2, ChronoUnit.DAYS),
            now.minus(1, ChronoUnit.DAYS));

    secret.write(expired.certFile(), expired.keyFile());

    await().atMost(BOUND).until(() -> watcher.refused() == 1);
    awaitTwoLooks();
    assertThat(used).isEmpty();
    assertThat(watcher.refused()).isEqualTo(1);
    assertThat(messages(Level.WARN))
        .singleElement()
        .asString()
        .contains("the certificate CN=expired expired at");
  }

  @Test
  void aCertificateNotValidYetIsPutInServiceOnceValidWithoutTheFilesChanging() throws Exception {
    startWith(first);
    awaitTwoLooks();
    Instant now = Instant.now();
    TestPki.Issued early =
        TestPki.client(
            dir.resolve("early"),
            "early",
            ca,
            "early",
            List.of(),
            now.plusSeconds(3),
            now.plus(1, ChronoUnit.DAYS));

    secret.write(early.certFile(), early.keyFile());

    await().atMost(BOUND).until(() -> watcher.refused() == 1);
    assertThat(messages(Level.WARN)).singleElement().asString().contains("is not valid before");
    await().atMost(BOUND).until(() -> watcher.reloaded() == 1);
    assertThat(usedSerials()).containsExactly(early.cert().getSerialNumber());
    assertThat(watcher.refused()).as("the wait logged once").isEqualTo(1);
  }

  @Test
  void aPairItsUserFailsOnIsRefusedAndTheNextOneTaken() throws Exception {
    startWith(first);
    awaitTwoLooks();
    useFails.set(true);

    TestPki.Issued second = issue("second");
    secret.write(second.certFile(), second.keyFile());
    await().atMost(BOUND).until(() -> watcher.refused() == 1);
    useFails.set(false);
    TestPki.Issued third = issue("third");
    secret.write(third.certFile(), third.keyFile());

    await().atMost(BOUND).until(() -> watcher.reloaded() == 1);
    assertThat(usedSerials()).containsExactly(third.cert().getSerialNumber());
    assertThat(messages(Level.WARN)).singleElement().asString().contains("the user refuses it");
  }

  @Test
  void aPairItsUserRefusesForNowIsOfferedAgainAtTheNextIntervalWithoutTheFilesChanging()
      throws Exception {
    TestPki.Issued renewed =
        renewedWhileRefusing(new CertificateFiles.Refused("the API server did not answer", true));
    await().atMost(BOUND).until(() -> offered.get() >= 3);
    refusal.set(null);

    await().atMost(BOUND).until(() -> watcher.reloaded() == 1);
    assertThat(usedSerials()).containsExactly(renewed.cert().getSerialNumber());
    assertThat(watcher.refused()).as("refused once while the reason stayed").isEqualTo(1);
    assertThat(messages(Level.WARN))
        .singleElement()
        .asString()
        .contains("is refused: the API server did not answer (checked again every");
  }

  @Test
  void aPairItsUserRefusesForGoodIsOfferedAgainWhenTheFilesChange() throws Exception {
    TestPki.Issued renewed =
        renewedWhileRefusing(
            new CertificateFiles.Refused("the API server refuses it (401)", false));
    await().atMost(BOUND).until(() -> watcher.refused() == 1);
    awaitTwoLooks();
    awaitTwoLooks();
    assertThat(offered).hasValue(1);
    assertThat(messages(Level.WARN))
        .singleElement()
        .asString()
        .contains("is refused: the API server refuses it (401)")
        .doesNotContain("checked again");

    // the same content written again (the operator fixed the API server's trust and touched it)
    refusal.set(null);
    secret.write(renewed.certFile(), renewed.keyFile());

    await().atMost(BOUND).until(() -> watcher.reloaded() == 1);
    assertThat(offered).hasValue(2);
    assertThat(usedSerials()).containsExactly(renewed.cert().getSerialNumber());
  }

  @Test
  void aPairItsUserRefusesForGoodIsOfferedAgainEveryThirtyIntervalsAndTakenOnceAccepted()
      throws Exception {
    // the API server's trust changes without the files: a certificate of a rotated CA written
    // before the API server trusts that CA
    TestPki.Issued renewed =
        renewedWhileRefusing(
            new CertificateFiles.Refused("the API server refuses it (401)", false));
    await().atMost(BOUND).until(() -> watcher.refused() == 1);
    int refusedAt = watcher.looked();

    await().atMost(BOUND).until(() -> offered.get() == 2);
    assertThat(watcher.looked() - refusedAt)
        .as("looks before the same files were offered again")
        .isGreaterThanOrEqualTo(PairWatcher.REFUSED_RETRY_TICKS - 1);
    awaitTwoLooks();
    assertThat(watcher.refused()).as("the same refusal counted once").isEqualTo(1);
    assertThat(messages(Level.WARN)).as("and logged once").hasSize(1);
    assertThat(used).isEmpty();

    refusal.set(null); // the API server trusts the new CA now

    await().atMost(BOUND).until(() -> watcher.reloaded() == 1);
    assertThat(offered).hasValue(3);
    assertThat(usedSerials()).containsExactly(renewed.cert().getSerialNumber());
    assertThat(watcher.notAfter()).isEqualTo(renewed.cert().getNotAfter().toInstant());
  }

  @Test
  void theExpiryInServiceIsTheStartedCertificatesUntilARenewedOneIsPutInService() throws Exception {
    assertThat(watcher.notAfter()).isNull();
    startWith(first);
    assertThat(watcher.notAfter()).isEqualTo(first.cert().getNotAfter().toInstant());
    Instant now = Instant.now();

    // a pair refused changes nothing
    useFails.set(true);
    TestPki.Issued refused = issueValidFor("refused", 2);
    secret.write(refused.certFile(), refused.keyFile());
    await().atMost(BOUND).until(() -> watcher.refused() == 1);
    assertThat(watcher.notAfter()).isEqualTo(first.cert().getNotAfter().toInstant());

    // a pair put in service shows its expiry
    useFails.set(false);
    TestPki.Issued renewed = issueValidFor("renewed", 3);
    secret.write(renewed.certFile(), renewed.keyFile());
    await().atMost(BOUND).until(() -> watcher.reloaded() == 1);
    assertThat(watcher.notAfter())
        .isEqualTo(renewed.cert().getNotAfter().toInstant())
        .isAfter(now.plus(2, ChronoUnit.DAYS));
  }

  private TestPki.Issued issueValidFor(String name, int days) {
    return TestPki.clientValidFor(dir, ca, name, days);
  }

  @Test
  void noLogLineCarriesKeyMaterial() throws Exception {
    startWith(first);
    awaitTwoLooks();
    TestPki.Issued renewed = issue("renewed");
    String key = Files.readString(renewed.keyFile());
    // the key's base64 lines, and a key file cut in the middle
    List<String> keyLines =
        key.lines().filter(l -> !l.startsWith("-----") && l.length() > 16).toList();
    byte[] truncated = key.substring(0, key.length() / 2).getBytes(StandardCharsets.UTF_8);

    secret.write(Files.readAllBytes(renewed.certFile()), truncated);
    await().atMost(BOUND).until(() -> watcher.refused() == 1);
    secret.write(Files.readAllBytes(first.certFile()), Files.readAllBytes(renewed.keyFile()));
    await().atMost(BOUND).until(() -> watcher.refused() == 2);
    secret.write(renewed.certFile(), renewed.keyFile());
    await().atMost(BOUND).until(() -> watcher.reloaded() == 1);

    List<String> lines;
    synchronized (logs) {
      lines = logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
    assertThat(lines).hasSizeGreaterThanOrEqualTo(3);
    for (String line : lines) {
      for (String l : keyLines) {
        assertThat(line).doesNotContain(l);
      }
    }
  }

  @Test
  void stoppedItLooksNoMore() throws Exception {
    startWith(first);
    awaitTwoLooks();

    watcher.stop();
    int looked = watcher.looked();
    TestPki.Issued late = issue("late");
    secret.write(late.certFile(), late.keyFile());
    Thread.sleep(INTERVAL.toMillis() * 5);

    assertThat(watcher.looked()).isLessThanOrEqualTo(looked + 1);
    assertThat(used).isEmpty();
  }
}
