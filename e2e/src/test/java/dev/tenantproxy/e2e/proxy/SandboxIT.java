package dev.tenantproxy.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tenantproxy.e2e.controlplane.Kubectl;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox as a newcomer runs it: {@code bin/tenant-proxy sandbox --dir DIR --detach}, the
 * sample tenants through the proxy with real kubectl, {@code sandbox user}, {@code sandbox down}.
 */
class SandboxIT {
  private static final Path LAUNCHER =
      Path.of("..", "bin", "tenant-proxy").toAbsolutePath().normalize();
  private static final Duration BOUND = Duration.ofSeconds(60);

  @TempDir Path dir;

  private record Run(int exitCode, String output) {}

  private static Run launcher(Duration timeout, String... args) {
    List<String> command = new ArrayList<>();
    command.add(LAUNCHER.toString());
    command.addAll(List.of(args));
    Path out = null;
    try {
      out = Files.createTempFile("sandbox-", ".out");
      Process p =
          new ProcessBuilder(command)
              .directory(LAUNCHER.getParent().getParent().toFile())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return new Run(-1, Files.readString(out, StandardCharsets.UTF_8));
      }
      return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      if (out != null) {
        try {
          Files.deleteIfExists(out);
        } catch (IOException e) {
          // a file left in the temporary directory
        }
      }
    }
  }

  @Test
  void sandboxServesTheSampleTenantsThroughTheProxyAndStopsCleanly() {
    assumeTrue(
        Files.isExecutable(LAUNCHER),
        "bin/tenant-proxy not found from " + Path.of("").toAbsolutePath());
    Path users = dir.resolve("users");
    try {
      // when
      Run up = launcher(Duration.ofMinutes(10), "sandbox", "--dir", dir.toString(), "--detach");

      // then
      assertThat(up.exitCode()).as(up.output()).isZero();
      assertThat(up.output()).contains("kubectl --kubeconfig " + users.resolve("alice.kubeconfig"));
      for (String f :
          List.of(
              "admin.kubeconfig",
              "ready",
              "users/alice.kubeconfig",
              "users/alice.direct.kubeconfig",
              "users/bob.kubeconfig",
              "users/bob.direct.kubeconfig")) {
        assertThat(dir.resolve(f)).exists();
      }
      Kubectl.Result alice =
          Kubectl.version("1.33", users.resolve("alice.kubeconfig"))
              .run(BOUND, "get", "namespaces", "-o", "name");
      assertThat(alice.stdout().lines())
          .as("%s", alice)
          .containsExactly("namespace/solar-dev", "namespace/solar-prod");
      Kubectl.Result bob =
          Kubectl.version("1.27", users.resolve("bob.kubeconfig"))
              .run(BOUND, "get", "namespaces", "-o", "name");
      assertThat(bob.stdout().lines()).as("%s", bob).containsExactly("namespace/wind-dev");
      Kubectl.Result direct =
          Kubectl.version("1.33", users.resolve("alice.direct.kubeconfig"))
              .run(BOUND, "get", "namespaces");
      assertThat(direct.exitCode()).as("%s", direct).isEqualTo(1);
      assertThat(direct.stderr()).contains("Forbidden");
      Kubectl.Result admin =
          Kubectl.version("1.33", dir.resolve("admin.kubeconfig"))
              .run(BOUND, "get", "tenants", "-o", "name");
      assertThat(admin.stdout()).as("%s", admin).contains("solar", "wind");

      // when: one more user
      Run carol =
          launcher(
              BOUND,
              "sandbox",
              "user",
              "--dir",
              dir.toString(),
              "--name",
              "carol",
              "--group",
              "wind-devs");

      // then
      assertThat(carol.exitCode()).as(carol.output()).isZero();
      Kubectl.Result carolNs =
          Kubectl.version("1.33", users.resolve("carol.kubeconfig"))
              .run(BOUND, "get", "namespaces", "-o", "name");
      assertThat(carolNs.stdout().lines()).as("%s", carolNs).containsExactly("namespace/wind-dev");
      assertThat(users.resolve("carol.direct.kubeconfig")).exists();
    } finally {
      Run down = launcher(Duration.ofMinutes(2), "sandbox", "down", "--dir", dir.toString());
      assertThat(down.exitCode()).as(down.output()).isZero();
      assertThat(dir.resolve("ready")).doesNotExist();
    }
  }
}
