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
