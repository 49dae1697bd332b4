package dev.tenantproxy.proxy.server;

import static dev.tenantproxy.proxy.testing.ProxyHarness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.TestPki;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsReloadTest {
  @TempDir Path dir;

  @Test
  void newConnectionsGetTheServingCertificateWrittenWhileRunning() throws Exception {
    try (ProxyHarness h =
        ProxyHarness.start(
            dir, c -> c.withTlsReloadInterval(Duration.ofMillis(100)), () -> true, List.of())) {
      BigInteger before = servedSerial(h);
      assertThat(before).isEqualTo(h.proxyServing.cert().getSerialNumber());

      TestPki.Issued renewed = TestPki.server(dir.resolve("renewed"), "proxy", h.servingCa);
      Files.copy(renewed.keyFile(), h.proxyServing.keyFile(), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(
          renewed.certFile(), h.proxyServing.certFile(), StandardCopyOption.REPLACE_EXISTING);

      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> assertThat(servedSerial(h)).isEqualTo(renewed.cert().getSerialNumber()));
    }
  }

  @Test
  void aKeyWrittenBeforeItsCertificateIsNotServedAndHandshakesKeepSucceedingMeanwhile()
      throws Exception {
    try (ProxyHarness h =
        ProxyHarness.start(
            dir, c -> c.withTlsReloadInterval(Duration.ofMillis(100)), () -> true, List.of())) {
      BigInteger before = servedSerial(h);
      TlsReloader reloader = h.proxy.tlsReloader();
      int refused = reloader.refused();
      TestPki.Issued renewed = TestPki.server(dir.resolve("renewed"), "proxy", h.servingCa);

      // when: a renewal writes the new key (in one step), its certificate not yet
      replace(renewed.keyFile(), h.proxyServing.keyFile());

      // then: the reloader refuses the pair that does not belong together, and every handshake
      // meanwhile still gets the previous certificate (a failed handshake fails the test at once)
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                assertThat(servedSerial(h)).isEqualTo(before);
                assertThat(reloader.refused()).isGreaterThan(refused);
              });
      assertThat(servedSerial(h)).isEqualTo(before);

      // when: the certificate follows
      replace(renewed.certFile(), h.proxyServing.certFile());

      // then: the new pair is served
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> assertThat(servedSerial(h)).isEqualTo(renewed.cert().getSerialNumber()));
    }
  }

  /** Replaces {@code target} with a copy of {@code source} in one step (a rename). */
  private static void replace(Path source, Path target) throws Exception {
    Path next = target.resolveSibling(target.getFileName() + ".next");
    Files.copy(source, next, StandardCopyOption.REPLACE_EXISTING);
    Files.move(next, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static BigInteger servedSerial(ProxyHarness h) {
    var client =
        h.vertx.createNetClient(
            new NetClientOptions()
                .setSsl(true)
                .setHostnameVerificationAlgorithm("HTTPS")
                .setTrustOptions(
                    new PemTrustOptions().addCertPath(h.servingCa.certFile().toString())));
    try {
      var socket = await(client.connect(h.proxy.port(), "localhost"));
      X509Certificate served = (X509Certificate) socket.sslSession().getPeerCertificates()[0];
      socket.close();
      return served.getSerialNumber();
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      throw new IllegalStateException(e);
    } finally {
      client.close();
    }
  }
}
