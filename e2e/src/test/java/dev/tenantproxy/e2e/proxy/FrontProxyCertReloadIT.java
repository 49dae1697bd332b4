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
import dev.tenantproxy.testsupport.PrometheusText;
import dev.tenantproxy.testsupport.SecretDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * on every request, so a renewed pair is put in service only after the API server has taken a probe
 * user asserted on a connection made with it: a pair of the request-header CA whose CN the API
 * server does not allow (401 to the probe), and a valid, matching pair of another CA (403: the API
 * server takes it as system:anonymous), are refused and callers' requests keep passing with the
 * certificate in service, as {@code /metrics} shows; the next renewal with an allowed certificate
 * of the right CA is put in service and its expiry shown. Pairs that do not load or do not belong
 * together are refused by the proxy and change nothing.
 */
@ExtendWith(ControlPlaneExtension.class)
class FrontProxyCertReloadIT {
  private static final Duration BOUND = Duration.ofMinutes(2);
  private static final Duration RELOAD_INTERVAL = Duration.ofMillis(200);
  private static final String CERTIFICATE = "certificate=\"front-proxy-client\"";
  // HTTP/1.1: no h2c upgrade on the plain ops port
  private static final HttpClient OPS =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void aRenewedFrontProxyCertificateIsPutInServiceOnlyOnceTheApiServerTakesIt(
      ControlPlane cp, @TempDir Path dir) throws Exception {
    // given: the allowed certificate in a Secret-like directory, and a proxy watching it
    Pki.KeyFiles first =
        cp.requestHeaderClient(ControlPlane.REQUEST_HEADER_ALLOWED_NAME, dir.resolve("first"));
    // expiring 35 days after the first: the expiry gauge must change
    Pki.KeyFiles second =
        cp.requestHeaderClient(
            ControlPlane.REQUEST_HEADER_ALLOWED_NAME, dir.resolve("second"), Duration.ofDays(400));
    Pki.KeyFiles refusedName =
        cp.requestHeaderClient("tenant-proxy-not-allowed", dir.resolve("refused"));
    Pki.KeyFiles otherCa =
        Pki.newCa("not-the-requestheader-ca")
            .client(ControlPlane.REQUEST_HEADER_ALLOWED_NAME, List.of())
            .writeTo(dir.resolve("other-ca"), "other");
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
      assertThat(metric(proxy, "tenant_proxy_certificate_expiration_timestamp_seconds", ""))
          .isEqualTo(expiry(first));

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

      // when: a certificate of the request-header CA with a CN the API server does not allow
      secret.write(read(refusedName.cert()), read(refusedName.key()));
      await().atMost(BOUND).until(() -> warnings(logs).size() == 3);

      // then: the API server refused the probe with it, and callers' requests keep passing
      assertThat(warnings(logs).get(2))
          .contains("kept the previous front-proxy client certificate")
          .contains("(401)");
      assertThat(userInfoName(review(client, caller, proxy))).isEqualTo(caller.name());

      // when: a valid, matching pair with the allowed CN, of a CA the API server does not trust
      secret.write(read(otherCa.cert()), read(otherCa.key()));
      await().atMost(BOUND).until(() -> warnings(logs).size() == 4);

      // then: refused too (kube-apiserver takes a certificate of a CA it does not know as
      // anonymous: a 403 that does not name the probe user), and pass-through keeps working
      assertThat(warnings(logs).get(3))
          .contains("kept the previous front-proxy client certificate")
          .contains("(403) without naming the asserted user")
          .contains("system:anonymous");
      assertThat(userInfoName(review(client, caller, proxy))).isEqualTo(caller.name());
      // and /metrics shows the four refusals and the expiry of the certificate in service
      assertThat(metric(proxy, "tenant_proxy_certificate_reloads_total", ",result=\"refused\""))
          .isEqualTo(4);
      assertThat(metric(proxy, "tenant_proxy_certificate_reloads_total", ",result=\"loaded\""))
          .isZero();
      assertThat(metric(proxy, "tenant_proxy_certificate_expiration_timestamp_seconds", ""))
          .isEqualTo(expiry(first));
      assertThat(infos(logs)).isEmpty();
      // the serving certificate's series: the expiry of the certificate a TLS client is shown
      assertThat(
              PrometheusText.sum(
                  scrape(proxy),
                  "tenant_proxy_certificate_expiration_timestamp_seconds",
                  "certificate=\"serving\""))
          .isEqualTo(servedCertificate(proxy).getNotAfter().toInstant().getEpochSecond());

      // when: another allowed certificate of the request-header CA (not "first") is written
      secret.write(read(second.cert()), read(second.key()));

      // then: it is put in service, callers' requests pass with it, and its expiry is shown
      await()
          .atMost(BOUND)
          .untilAsserted(
              () ->
                  assertThat(
                          metric(
                              proxy,
                              "tenant_proxy_certificate_reloads_total",
                              ",result=\"loaded\""))
                      .isEqualTo(1));
      assertThat(userInfoName(review(client, caller, proxy))).isEqualTo(caller.name());
      assertThat(metric(proxy, "tenant_proxy_certificate_expiration_timestamp_seconds", ""))
          .isEqualTo(expiry(second))
          .isNotEqualTo(expiry(first));
      X509Certificate renewed = certificate(second.cert());
      assertThat(infos(logs))
          .singleElement()
          .asString()
          .contains("CN=" + ControlPlane.REQUEST_HEADER_ALLOWED_NAME)
          .contains("serial " + renewed.getSerialNumber().toString(16))
          .contains("valid until " + renewed.getNotAfter().toInstant());
      assertThat(warnings(logs)).hasSize(4);
    } finally {
      log.detachAppender(logs);
      log.setLevel(level);
    }
  }

  /** One front-proxy certificate sample of the proxy's {@code /metrics}. */
  private static double metric(ProxyInFront proxy, String name, String labels) throws Exception {
    return PrometheusText.sum(scrape(proxy), name, CERTIFICATE + labels);
  }

  private static String scrape(ProxyInFront proxy) throws Exception {
    return OPS.send(
            HttpRequest.newBuilder(URI.create(proxy.opsUrl() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** The certificate the proxy presents to a TLS client on its serving port. */
  private static X509Certificate servedCertificate(ProxyInFront proxy) throws Exception {
    URI url = URI.create(proxy.url());
    javax.net.ssl.SSLSocketFactory factory =
        dev.tenantproxy.e2e.controlplane.JdkTls.trusting(proxy.caPem()).getSocketFactory();
    try (javax.net.ssl.SSLSocket socket =
        (javax.net.ssl.SSLSocket) factory.createSocket(url.getHost(), url.getPort())) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  private static double expiry(Pki.KeyFiles files) throws Exception {
    return certificate(files.cert()).getNotAfter().toInstant().getEpochSecond();
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
