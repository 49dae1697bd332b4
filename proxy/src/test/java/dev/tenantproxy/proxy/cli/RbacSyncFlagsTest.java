package dev.tenantproxy.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenantproxy.proxy.rbacsync.RbacSyncOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RbacSyncFlagsTest {

  private static RbacSyncCommand parse(String... args) {
    RbacSyncCommand command = new RbacSyncCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }

  @Test
  void defaultsGiveAFifteenSecondLeaseInTheTenantProxyNamespace() {
    RbacSyncOptions options = parse().flags.toOptions();

    assertThat(options.leaseNamespace()).isEqualTo("tenant-proxy");
    assertThat(options.leaseName()).isEqualTo("tenant-proxy-rbac-sync");
    assertThat(options.leaseDuration()).isEqualTo(Duration.ofSeconds(15));
    assertThat(options.renewDeadline()).isEqualTo(Duration.ofSeconds(10));
    assertThat(options.retryPeriod()).isEqualTo(Duration.ofSeconds(2));
    assertThat(options.tenantObjects()).isFalse();
    assertThat(options.identity()).isNotBlank();
  }

  @Test
  void flagsAreReadIncludingGoStyleDurations() {
    RbacSyncOptions options =
        parse(
                "--rbac-sync-tenant-objects",
                "--leader-election-namespace=ops",
                "--leader-election-identity=replica-a",
                "--leader-election-lease-duration=4s",
                "--leader-election-renew-deadline=3s",
                "--leader-election-retry-period=500ms")
            .flags
            .toOptions();

    assertThat(options.tenantObjects()).isTrue();
    assertThat(options.leaseNamespace()).isEqualTo("ops");
    assertThat(options.identity()).isEqualTo("replica-a");
    assertThat(options.retryPeriod()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void aRenewDeadlineNotShorterThanTheLeaseIsRefusedNamingTheFlags() {
    RbacSyncFlags flags =
        parse("--leader-election-lease-duration=5s", "--leader-election-renew-deadline=5s").flags;

    assertThatThrownBy(flags::toOptions)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--leader-election-lease-duration")
        .hasMessageContaining("--leader-election-renew-deadline");
  }

  @Test
  void serveAcceptsTheSameFlagsBehindRbacSync() {
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve).parseArgs("--rbac-sync", "--leader-election-namespace=ops");

    assertThat(serve.rbacSync).isTrue();
    assertThat(serve.rbacSyncFlags.toOptions().leaseNamespace()).isEqualTo("ops");
  }
}
