package dev.tenantproxy.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeHttp;
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.e2e.load.ProxyProcess;
import dev.tenantproxy.e2e.sandbox.ProxyInFront.Upstream;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code tenant-proxy serve --proxy-client-cert-file F --proxy-client-key-file K} as users run it,
 * a separate JVM ({@link ProxyProcess}): with both flags the callers reach the API server as
 * themselves, never impersonated; with only one of them the proxy does not start and says which
 * flag lacks its companion.
 */
@ExtendWith(ControlPlaneExtension.class)
class ProxyClientCertFlagsIT {
  private static final Duration BOUND = Duration.ofSeconds(60);

  @Test
  void serveWithBothFlagsSendsTheCallerAsItselfNotImpersonated(ControlPlane cp, @TempDir Path dir)
      throws Exception {
    // given
    OwnedTenant t = OwnedTenant.create(cp, "rh-flags");
    try (ProxyProcess proxy =
        ProxyProcess.start(cp, dir, Pki.newCa("rh-flags-ca"), Upstream.REQUEST_HEADER)) {
      proxy.awaitReady(Duration.ofMinutes(2));

      // when
      JsonObject user =
          KubeHttp.userInfo(
              KubeHttp.selfSubjectReview(
                  KubeHttp.client(t.owner(), proxy.pki().caPem()),
                  t.owner(),
                  proxy.url(),
                  List.of()));

      // then
      assertThat(user.getString("username")).isEqualTo(t.owner().name());
      String owner = t.owner().name();
      await()
          .atMost(BOUND)
          .until(
              () ->
                  cp.auditEvents().stream()
                      .anyMatch(e -> owner.equals(e.getJsonObject("user").getString("username"))));
      assertThat(cp.auditEvents())
          .noneSatisfy(
              e ->
                  assertThat(
                          e.getJsonObject("impersonatedUser", new JsonObject())
                              .getString("username"))
                      .isEqualTo(owner));
    }
  }

  @ParameterizedTest(name = "only {0}")
  @ValueSource(strings = {"--proxy-client-cert-file", "--proxy-client-key-file"})
  void serveRefusesToStartWithOnlyOneOfTheTwoFlags(String given, ControlPlane cp, @TempDir Path dir)
      throws Exception {
    // given
    Pki.KeyFiles client =
        cp.requestHeaderClient(ControlPlane.REQUEST_HEADER_ALLOWED_NAME, dir.resolve("client"));
    Path file = given.endsWith("cert-file") ? client.cert() : client.key();
    String missing =
        given.endsWith("cert-file") ? "--proxy-client-key-file" : "--proxy-client-cert-file";

    // when (no AppCDS archive recorded at the exit of a start that fails)
    try (ProxyProcess proxy =
        ProxyProcess.start(cp, dir, Pki.newCa("rh-flags-ca"), false, List.of(given + "=" + file))) {
      int exit = proxy.awaitExit(BOUND);

      // then
      String output = Files.readString(proxy.log());
      assertThat(exit).as(output).isNotZero();
      assertThat(output).contains(given).contains(missing);
    }
  }
}
