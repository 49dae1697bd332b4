package dev.tenantproxy.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeHttp;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.e2e.load.ProxyProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit line of the proxy as users run it (a separate JVM with the shipped logging set-up): a
 * value cannot forge fields of its own line. The user is a real client certificate whose CN, which
 * the API server takes as the user name, carries quotes.
 */
@ExtendWith(ControlPlaneExtension.class)
class AuditLineIT {
  private static final Duration BOUND = Duration.ofMinutes(2);

  @Test
  void aUserNameWithQuotesIsEscapedInItsAuditLineAndForgesNoDecision(
      ControlPlane cp, @TempDir Path dir) throws Exception {
    // given
    String name = "eve-" + Long.toHexString(System.nanoTime()) + "\" decision=\"allowed";
    KubeUser eve = cp.users().certificate(name);
    try (ProxyProcess proxy = ProxyProcess.start(cp, dir, Pki.newCa("audit-line-ca"), false)) {
      proxy.awaitReady(BOUND);

      // when: the API server answers who eve is, through the proxy
      KubeHttp.Answer review =
          KubeHttp.selfSubjectReview(
              KubeHttp.client(eve, proxy.pki().caPem()), eve, proxy.url(), List.of());

      // then
      assertThat(KubeHttp.userInfo(review).getString("username")).isEqualTo(name);
      String escaped = "user=\"" + name.replace("\"", "\\\"") + "\"";
      await()
          .atMost(BOUND)
          .until(() -> auditLines(proxy).stream().anyMatch(l -> l.contains(escaped)));
      assertThat(auditLines(proxy)).noneMatch(l -> l.contains("user=\"" + name + "\""));
    }
  }

  private static List<String> auditLines(ProxyProcess proxy) throws Exception {
    return Files.readAllLines(proxy.log()).stream()
        .filter(l -> l.contains("tenantproxy.audit"))
        .toList();
  }
}
