package dev.tenantproxy.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TlsEngineTest {

  private static Thread probeThread() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("tenant-proxy-tls-probe"))
        .findFirst()
        .orElse(null);
  }

  @Test
  void warmUpProbesOnItsOwnThreadOnceAndOptionsThenPicksTheEngineTheProbeFound() throws Exception {
    TlsEngine.warmUp();
    Thread probe = probeThread();
    if (probe != null) {
      assertThat(probe.isDaemon()).isTrue();
      probe.join(TimeUnit.SECONDS.toMillis(60));
      assertThat(probe.isAlive()).isFalse();
    }
    // a second warm-up starts nothing
    TlsEngine.warmUp();
    assertThat(probeThread()).isNull();

    boolean openssl = OpenSSLEngineOptions.isAvailable() && OpenSSLEngineOptions.isAlpnAvailable();
    assertThat(TlsEngine.options())
        .isInstanceOf(openssl ? OpenSSLEngineOptions.class : JdkSSLEngineOptions.class);
  }
}
