package dev.tenantproxy.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenantproxy.proxy.config.ProxyConfig.AllNamespacesConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AllNamespacesConfigTest {
  @TempDir Path dir;
  private ProxyConfig base;

  @BeforeEach
  void files() throws Exception {
    Path cert = Files.writeString(dir.resolve("c.pem"), "x");
    Path key = Files.writeString(dir.resolve("k.pem"), "x");
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "x");
    base = ProxyConfig.defaults(cert, key).withKubeconfig(kubeconfig);
  }

  private static AllNamespacesConfig config(
      int concurrency, long held, Duration ttl, Duration miss, Duration slow, int eventBytes) {
    return new AllNamespacesConfig(concurrency, held, ttl, miss, slow, eventBytes);
  }

  @Test
  void theDefaultsAreTheDocumentedOnesAndValidate() {
    assertThat(base.validate().allNamespaces())
        .isEqualTo(
            config(
                8,
                8_388_608,
                Duration.ofMinutes(5),
                Duration.ofSeconds(10),
                Duration.ofSeconds(30),
                16_777_216));
  }

  @Test
  void everyBadValueIsRefusedNamingItsFlagAndAnExample() {
    assertThatThrownBy(
            () ->
                base.withAllNamespaces(
                        config(0, -1, Duration.ZERO, Duration.ofMillis(-1), null, 4096))
                    .validate())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--all-namespaces-concurrency 0 must be at least 1, e.g. 8")
        .hasMessageContaining(
            "--all-namespaces-max-held-bytes -1 must be zero or positive, e.g. 8388608")
        .hasMessageContaining(
            "--all-namespaces-discovery-ttl must be a positive duration such as 30s")
        .hasMessageContaining(
            "--all-namespaces-discovery-miss-refresh must be a positive duration such as 30s")
        .hasMessageContaining(
            "--all-namespaces-slow-consumer-timeout must be a positive duration such as 30s")
        .hasMessageContaining("--all-namespaces-max-event-bytes 4096 must be at least 1048576")
        .hasMessageContaining("e.g. 16777216");
  }

  @Test
  void aMissRefreshLongerThanTheDiscoveryTtlIsRefusedWithBothValues() {
    assertThatThrownBy(
            () ->
                base.withAllNamespaces(
                        config(
                            8,
                            0,
                            Duration.ofMinutes(1),
                            Duration.ofMinutes(10),
                            Duration.ofSeconds(30),
                            1 << 20))
                    .validate())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "--all-namespaces-discovery-miss-refresh 10m is longer than"
                + " --all-namespaces-discovery-ttl 1m")
        .hasMessageContaining("make it shorter, e.g. 10s");
  }

  @Test
  void theSmallestAcceptedValuesValidate() {
    AllNamespacesConfig smallest =
        config(1, 0, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofMillis(1), 1 << 20);
    assertThat(base.withAllNamespaces(smallest).validate().allNamespaces()).isEqualTo(smallest);
  }
}
