package dev.tenantproxy.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CallerLimitsConfigTest {
  @TempDir Path dir;

  @Test
  void perCallerLimitsDefaultGenerouslyAndZeroIsRefusedNamingTheFlag() throws Exception {
    Path cert = Files.writeString(dir.resolve("c.pem"), "x");
    Path key = Files.writeString(dir.resolve("k.pem"), "x");
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "x");
    ProxyConfig base = ProxyConfig.defaults(cert, key).withKubeconfig(kubeconfig);
    assertThat(base.validate().callerLimits()).isEqualTo(new ProxyConfig.CallerLimits(1000, 400));

    assertThatThrownBy(() -> base.withCallerLimits(new ProxyConfig.CallerLimits(0, -1)).validate())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--max-watches-per-caller must be at least 1")
        .hasMessageContaining("--max-inflight-per-caller must be at least 1");
  }
}
