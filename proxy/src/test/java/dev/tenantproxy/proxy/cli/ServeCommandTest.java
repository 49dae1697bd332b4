package dev.tenantproxy.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenantproxy.proxy.config.ConfigException;
import dev.tenantproxy.proxy.config.ProxyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCommandTest {
  @TempDir Path dir;

  private ProxyConfig parse(String... extra) throws Exception {
    Path cert = Files.writeString(dir.resolve("tls.crt"), "x");
    Path key = Files.writeString(dir.resolve("tls.key"), "x");
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "x");
    ServeCommand serve = new ServeCommand();
    String[] base = {
      "--tls-cert-file", cert.toString(),
      "--tls-private-key-file", key.toString(),
      "--kubeconfig", kubeconfig.toString()
    };
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    new CommandLine(serve).parseArgs(args);
    return serve.toConfig();
  }

  @Test
  void withoutFlagsTheOpsPortAndTunablesHaveTheirDocumentedDefaults() throws Exception {
    ProxyConfig config = parse();

    assertThat(config.opsPort()).isEqualTo(8081);
    assertThat(config.tuning()).isEqualTo(ProxyConfig.Tuning.defaults());
    assertThat(config.tuning().firstRequestTimeout()).isEqualTo(Duration.ofSeconds(32));
    assertThat(config.tuning().tokenReviewsInFlight()).isEqualTo(64);
    assertThat(config.tuning().tokenReviewsQueued()).isEqualTo(4096);
  }

  @Test
  void everyTunableFlagReachesTheConfiguration() throws Exception {
    ProxyConfig config =
        parse(
            "--ops-port=9090",
            "--first-request-timeout=5s",
            "--token-review-max-in-flight=8",
            "--token-review-max-queued=16",
            "--index-sync-timeout=1m",
            "--watch-cache-size=500",
            "--watch-bookmark-interval=10s",
            "--watch-buffer-events=50",
            "--watch-buffer-bytes=67108864",
            "--resource-version-wait=1500ms",
            "--min-watch-timeout=5m");

    assertThat(config.opsPort()).isEqualTo(9090);
    assertThat(config.tuning())
        .isEqualTo(
            new ProxyConfig.Tuning(
                Duration.ofSeconds(5),
                8,
                16,
                Duration.ofMinutes(1),
                500,
                Duration.ofSeconds(10),
                50,
                64L << 20,
                Duration.ofMillis(1500),
                Duration.ofMinutes(5)));
  }

  @Test
  void aProxyClientCertificateWithoutItsKeyIsRefusedAtStartNamingBothFlags() throws Exception {
    Path cert = Files.writeString(dir.resolve("front.crt"), "x");
    assertThatThrownBy(() -> parse("--proxy-client-cert-file", cert.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--proxy-client-cert-file is set without --proxy-client-key-file");
    assertThatThrownBy(() -> parse("--proxy-client-key-file", cert.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--proxy-client-key-file is set without --proxy-client-cert-file");
  }

  @Test
  void theProxyClientCertificateAndKeyReachTheConfigurationAndMustBeReadable() throws Exception {
    Path cert = Files.writeString(dir.resolve("front.crt"), "x");
    Path key = Files.writeString(dir.resolve("front.key"), "x");

    ProxyConfig config =
        parse(
            "--proxy-client-cert-file", cert.toString(), "--proxy-client-key-file", key.toString());

    assertThat(config.proxyClientCertFile()).isEqualTo(cert);
    assertThat(config.proxyClientKeyFile()).isEqualTo(key);
    assertThat(parse().proxyClientCertFile()).isNull();
    assertThatThrownBy(
            () ->
                parse(
                    "--proxy-client-cert-file",
                    dir.resolve("missing.crt").toString(),
                    "--proxy-client-key-file",
                    key.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--proxy-client-cert-file " + dir.resolve("missing.crt"));
  }

  @Test
  void anInvalidTunableIsRefusedAtStartNamingTheFlag() {
    assertThatThrownBy(() -> parse("--watch-buffer-events=0", "--ops-port=70000"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--watch-buffer-events 0 must be at least 1")
        .hasMessageContaining("--ops-port 70000 is out of range");
  }

  @Test
  void everyAllNamespacesFlagReachesTheConfiguration() throws Exception {
    ProxyConfig config =
        parse(
            "--all-namespaces-concurrency=3",
            "--all-namespaces-max-held-bytes=0",
            "--all-namespaces-discovery-ttl=1m",
            "--all-namespaces-discovery-miss-refresh=2s",
            "--all-namespaces-slow-consumer-timeout=5s",
            "--all-namespaces-max-event-bytes=2097152");

    assertThat(config.allNamespaces())
        .isEqualTo(
            new ProxyConfig.AllNamespacesConfig(
                3,
                0,
                Duration.ofMinutes(1),
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                2 << 20));
    assertThat(parse().allNamespaces()).isEqualTo(ProxyConfig.AllNamespacesConfig.DEFAULTS);
  }

  @Test
  void aBadAllNamespacesFlagIsRefusedAtStartNamingTheFlag() {
    assertThatThrownBy(
            () ->
                parse(
                    "--all-namespaces-concurrency=0",
                    "--all-namespaces-discovery-ttl=5s",
                    "--all-namespaces-discovery-miss-refresh=1m"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--all-namespaces-concurrency 0 must be at least 1")
        .hasMessageContaining(
            "--all-namespaces-discovery-miss-refresh 1m is longer than"
                + " --all-namespaces-discovery-ttl 5s");
  }

  @Test
  void everyServeFlagAlsoReadsItsTenantProxyEnvironmentVariable() {
    // the rule: --some-flag is also TENANT_PROXY_SOME_FLAG (picocli's ${env:...} default)
    var spec = new CommandLine(new ServeCommand()).setInterpolateVariables(false).getCommandSpec();
    var missing =
        spec.options().stream()
            .filter(o -> !o.usageHelp() && !o.versionHelp())
            .filter(
                o -> {
                  String env =
                      "TENANT_PROXY_"
                          + o.longestName().substring(2).replace('-', '_').toUpperCase();
                  String def = o.defaultValue();
                  return def == null
                      || !def.startsWith("${env:" + env + "}")
                          && !def.startsWith("${env:" + env + ":-");
                })
            .map(o -> o.longestName() + " (default " + o.defaultValue() + ")")
            .toList();
    assertThat(missing).isEmpty();
  }
}
