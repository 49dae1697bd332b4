package dev.tenantproxy.e2e.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubectl runner without a control plane: a script stands in for the binary. */
class KubectlTest {
  @TempDir Path dir;

  @Test
  void anInterruptedRunKillsKubectlBeforeItRemovesItsHome() throws Exception {
    // given: a "kubectl" that writes down its pid and HOME, then runs until it is killed
    Path pidFile = dir.resolve("pid");
    Path homeFile = dir.resolve("home");
    Path binary = dir.resolve("kubectl");
    Files.writeString(
        binary,
        "#!/bin/sh\n"
            + "echo \"$HOME\" > '"
            + homeFile
            + "'\n"
            + "echo $$ > '"
            + pidFile
            + ".tmp' && mv '"
            + pidFile
            + ".tmp' '"
            + pidFile
            + "'\n"
            + "exec sleep 60\n");
    assertThat(binary.toFile().setExecutable(true)).isTrue();
    Kubectl kubectl = Kubectl.binary(binary, dir.resolve("kubeconfig"));
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread caller =
        new Thread(
            () -> {
              try {
                kubectl.run(Duration.ofMinutes(1), "get", "pods");
              } catch (Throwable t) {
                thrown.set(t);
              }
            });
    caller.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(pidFile));
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    Path home = Path.of(Files.readString(homeFile).trim());
    try {
      // when: the caller is interrupted while kubectl runs
      caller.interrupt();
      caller.join(Duration.ofSeconds(20).toMillis());

      // then: kubectl is gone, and so is its HOME; the caller learns it was interrupted
      assertThat(caller.isAlive()).isFalse();
      assertThat(thrown.get())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("interrupted");
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .as("kubectl (pid %d) still running", pid)
          .isFalse();
      assertThat(home.getFileName().toString()).startsWith("kubectl-home-");
      assertThat(home).doesNotExist();
    } finally {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }
}
