package dev.tenantproxy.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeHttp;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import dev.tenantproxy.e2e.sandbox.ProxyInFront.Upstream;
import dev.tenantproxy.testsupport.SecretDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The front-proxy client certificate ({@code --proxy-client-cert-file}, {@code
 * --proxy-client-key-file}) renewed while the proxy runs in front of the real control plane, its
 * files changing as the kubelet changes a mounted Secret. kube-apiserver verifies that certificate
 * on every request, so which certificate the proxy presents shows in every answer: after a renewal
 * with a certificate of the same CA whose CN the API server does not allow, callers' requests are
 * refused (401) although the proxy had a pooled connection made with the allowed one; after the
 * next renewal with another allowed certificate they pass again. Pairs that do not load or do not
 * belong together are refused by the proxy and change nothing.
 */
@ExtendWith(ControlPlaneExtension.class)
class FrontProxyCertReloadIT {
  private static final Duration BOUND = Duration.ofMinutes(2);
  private static final Duration RELOAD_INTERVAL = Duration.ofMillis(200);

  @Test
  void aRenewedFrontProxyCertificateIsUsedForTheNextRequestsWithoutARestart(
      ControlPlane cp, @TempDir Path dir) throws Exception {
    // given: the allowed certificate in a Secret-like directory, and a proxy watching it
    Pki.KeyFiles first =
        cp.requestHeaderClient(ControlPlane.REQUEST_HEADER_ALLOWED_NAME, dir.resolve("first"));
    Pki.KeyFiles second =
        cp.requestHeaderClient(ControlPlane.REQUEST_HEADER_ALLOWED_NAME, dir.resolve("second"));
    Pki.KeyFiles refusedName =
        cp.requestHeaderClient("tenant-proxy-not-allowed", dir.resolve("refused"));
    SecretDir secret = new SecretDir(dir.resolve("secret"));
    secret.write(read(first.cert()), read(first.key()));
    KubeUser caller =
        cp.users().certificate("reload-" + UUID.randomUUID().toString().substring(0, 8), "devs");
    Logger log = (Logger) LoggerFactory.getLogger("dev.tenantproxy.proxy.tls.CertificateFiles");
    Level level = log.getLevel();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    log.addAppender(logs);
    log.setLevel(Level.INFO);
    try (ProxyInFront proxy =
        ProxyInFront.start(
            cp,
            dir.resolve("proxy"),
            false,
            Upstream.REQUEST_HEADER,
            c ->
                c.withProxyClient(secret.certFile(), secret.keyFile())
                    .withTlsReloadInterval(RELOAD_INTERVAL))) {
      HttpClient client = KubeHttp.client(caller, proxy.caPem());
      await().atMost(BOUND).until(() -> proxy.readyzStatus() == 200);
      // a request in the caller's name: the proxy now has a pooled connection made with "first"
      assertThat(userInfoName(review(client, caller, proxy))).isEqualTo(caller.name());

      // when: a certificate that is not a certificate is written, then a key of another one
      secret.write("garbage".getBytes(StandardCharsets.UTF_8), read(first.key()));
      await().atMost(BOUND).until(() -> warnings(logs).size() == 1);
      secret.write(read(second.cert()), read(first.key()));
      await().atMost(BOUND).until(() -> warnings(logs).size() == 2);

      // then: both are refused, naming the files, and requests keep passing with "first"
      assertThat(warnings(logs))
          .allSatisfy(
              w ->
                  assertThat(w)
                      .contains("kept the previous front-proxy client certificate")
                      .contains(secret.certFile().toString()));
      assertThat(warnings(logs).get(1)).contains("does not match the certificate");
      assertThat(userInfoName(review(client, caller, proxy))).isEqualTo(caller.name());

      // when: a certificate of the same CA with a CN the API server does not allow is written
      secret.write(read(refusedName.cert()), read(refusedName.key()));

      // then: callers' requests present it, and the API server refuses them
      await()
          .atMost(BOUND)
          .untilAsserted(() -> assertThat(review(client, caller, proxy).status()).isEqualTo(401));

      // when: another allowed certificate (not "first") is written
      secret.write(read(second.cert()), read(second.key()));

      // then: callers' requests pass again, with it
      await()
          .atMost(BOUND)
          .untilAsserted(() -> assertThat(review(client, caller, proxy).status()).isEqualTo(201));
      assertThat(userInfoName(review(client, caller, proxy))).isEqualTo(caller.name());
      X509Certificate renewed = certificate(second.cert());
      assertThat(infos(logs))
          .last()
          .asString()
          .contains("CN=" + ControlPlane.REQUEST_HEADER_ALLOWED_NAME)
          .contains("serial " + renewed.getSerialNumber().toString(16))
          .contains("valid until " + renewed.getNotAfter().toInstant());
      assertThat(warnings(logs)).hasSize(2);
    } finally {
      log.detachAppender(logs);
      log.setLevel(level);
    }
  }

  private static KubeHttp.Answer review(HttpClient client, KubeUser caller, ProxyInFront proxy) {
    return KubeHttp.selfSubjectReview(client, caller, proxy.url(), List.of());
  }

  private static String userInfoName(KubeHttp.Answer review) {
    return KubeHttp.userInfo(review).getString("username");
  }

  private static List<String> warnings(ListAppender<ILoggingEvent> logs) {
    return messages(logs, Level.WARN);
  }

  private static List<String> infos(ListAppender<ILoggingEvent> logs) {
    return messages(logs, Level.INFO);
  }

  private static List<String> messages(ListAppender<ILoggingEvent> logs, Level level) {
    synchronized (logs) { // AppenderBase.doAppend holds the appender's monitor
      return logs.list.stream()
          .filter(e -> e.getLevel() == level)
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static X509Certificate certificate(Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }
}
