package dev.tenantproxy.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyConfigTest {
  @TempDir Path dir;

  @Test
  void validationNamesEveryBadFlagAndTheFix() {
    ProxyConfig bad =
        ProxyConfig.defaults(dir.resolve("missing.crt"), null)
            .withPort(70000)
            .withKubeconfig(dir.resolve("nope"))
            .withTokenCache(
                new ProxyConfig.TokenCacheConfig(Duration.ZERO, Duration.ofSeconds(5), 0));

    assertThatThrownBy(bad::validate)
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e ->
                assertThat(((ConfigException) e).problems())
                    .anyMatch(p -> p.startsWith("--secure-port 70000 is out of range"))
                    .anyMatch(
                        p -> p.startsWith("--tls-cert-file") && p.contains("not a readable file"))
                    .anyMatch(p -> p.startsWith("--tls-private-key-file is required"))
                    .anyMatch(p -> p.startsWith("--kubeconfig"))
                    .anyMatch(p -> p.startsWith("--token-cache-ttl must be a positive duration"))
                    .anyMatch(p -> p.startsWith("--token-cache-size must be at least 1")));
  }

  @Test
  void aCompleteConfigurationValidates() throws Exception {
    Path cert = Files.writeString(dir.resolve("tls.crt"), "x");
    Path key = Files.writeString(dir.resolve("tls.key"), "x");
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "x");

    ProxyConfig ok = ProxyConfig.defaults(cert, key).withKubeconfig(kubeconfig).validate();

    assertThat(ok.port()).isEqualTo(8443);
  }

  @Test
  void durationsUseGoSyntax() {
    assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThatThrownBy(() -> Durations.parse("30")).hasMessageContaining("not a duration");
  }

  @Test
  void everyTunableIsValidatedWithItsFlagAndAnExample() throws Exception {
    Path cert = Files.writeString(dir.resolve("tls.crt"), "x");
    Path key = Files.writeString(dir.resolve("tls.key"), "x");
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "x");
    ProxyConfig bad =
        ProxyConfig.defaults(cert, key)
            .withKubeconfig(kubeconfig)
            .withOpsPort(8443)
            .withTuning(
                new ProxyConfig.Tuning(
                    Duration.ZERO,
                    0,
                    -1,
                    Duration.ZERO,
                    0,
                    Duration.ZERO,
                    0,
                    1024,
                    Duration.ZERO,
                    Duration.ofSeconds(-1)));

    assertThatThrownBy(bad::validate)
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e ->
                assertThat(((ConfigException) e).problems())
                    .anyMatch(p -> p.startsWith("--ops-port 8443 is the same as --secure-port"))
                    .anyMatch(p -> p.startsWith("--first-request-timeout must be a positive"))
                    .anyMatch(
                        p -> p.equals("--token-review-max-in-flight 0 must be at least 1, e.g. 64"))
                    .anyMatch(p -> p.startsWith("--token-review-max-queued -1 must be at least 0"))
                    .anyMatch(p -> p.startsWith("--index-sync-timeout must be a positive"))
                    .anyMatch(p -> p.startsWith("--watch-cache-size 0 must be at least 1"))
                    .anyMatch(p -> p.startsWith("--watch-bookmark-interval must be a positive"))
                    .anyMatch(p -> p.startsWith("--watch-buffer-events 0 must be at least 1"))
                    .anyMatch(p -> p.startsWith("--watch-buffer-bytes 1024 must be 0"))
                    .anyMatch(p -> p.startsWith("--resource-version-wait must be a positive"))
                    .anyMatch(p -> p.startsWith("--min-watch-timeout must be a positive")));
    assertThatThrownBy(
            () ->
                ProxyConfig.defaults(cert, key)
                    .withKubeconfig(kubeconfig)
                    .withOpsPort(-2)
                    .validate())
        .hasMessageContaining("--ops-port -2 is out of range");
  }
}
