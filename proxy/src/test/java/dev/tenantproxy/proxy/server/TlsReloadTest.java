package dev.tenantproxy.proxy.server;

import static dev.tenantproxy.proxy.testing.ProxyHarness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.TestPki;
import dev.tenantproxy.testsupport.PrometheusText;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
  void theServingCertificatesExpiryAndReloadsAreInTheMetrics() throws Exception {
    try (ProxyHarness h =
        ProxyHarness.start(
            dir, c -> c.withTlsReloadInterval(Duration.ofMillis(100)), () -> true, List.of())) {
      assertThat(servingMetric(h, "tenant_proxy_certificate_expiration_timestamp_seconds", ""))
          .isEqualTo(h.proxyServing.cert().getNotAfter().toInstant().getEpochSecond());
      assertThat(servingReloads(h, "loaded")).isZero();
      TlsReloader reloader = h.proxy.tlsReloader();

      // a key written before its certificate: refused
      TestPki.Issued renewed =
          TestPki.server(
              dir.resolve("renewed"), "proxy", h.servingCa, Instant.now().plus(3, ChronoUnit.DAYS));
      replace(renewed.keyFile(), h.proxyServing.keyFile());
      await().atMost(Duration.ofSeconds(60)).until(() -> reloader.refused() == 1);
      assertThat(servingReloads(h, "refused")).isEqualTo(1);

      // the certificate follows: loaded, and its expiry shown
      replace(renewed.certFile(), h.proxyServing.certFile());
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(servingReloads(h, "loaded")).isEqualTo(1));
      assertThat(servingMetric(h, "tenant_proxy_certificate_expiration_timestamp_seconds", ""))
          .isEqualTo(renewed.cert().getNotAfter().toInstant().getEpochSecond())
          .isNotEqualTo(h.proxyServing.cert().getNotAfter().toInstant().getEpochSecond());
      assertThat(h.proxy.metrics().scrape())
          .as("no front-proxy certificate is configured")
          .doesNotContain("front-proxy-client");
    }
  }

  private static double servingMetric(ProxyHarness h, String name, String labels) {
    return PrometheusText.sum(h.proxy.metrics().scrape(), name, "certificate=\"serving\"" + labels);
  }

  private static double servingReloads(ProxyHarness h, String result) {
    return servingMetric(h, "tenant_proxy_certificate_reloads_total", ",result=\"" + result + "\"");
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
