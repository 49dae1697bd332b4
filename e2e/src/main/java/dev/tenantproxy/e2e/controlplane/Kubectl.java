package dev.tenantproxy.e2e.controlplane;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real kubectl binary with a kubeconfig, a fresh HOME and {@code --cache-dir} per call (so
 * discovery caches never leak between calls), a bounded timeout, and output captured to files (no
 * pipe deadlocks).
 */
public final class Kubectl {

  /**
   * The kubectl binaries preinstalled on the machine: {@code kubectl.1.27} ... {@code
   * kubectl.1.33}.
   */
  public static final Path SDK_BIN = Path.of("/usr/lib/google-cloud-sdk/bin");

  private final Path binary;
  private final Path kubeconfig;

  private Kubectl(Path binary, Path kubeconfig) {
    this.binary = binary;
    this.kubeconfig = kubeconfig;
  }

  /** {@code version} like {@code "1.33"}: {@code /usr/lib/google-cloud-sdk/bin/kubectl.1.33}. */
  public static Kubectl version(String version, Path kubeconfig) {
    return new Kubectl(SDK_BIN.resolve("kubectl." + version), kubeconfig);
  }

  public static Kubectl binary(Path binary, Path kubeconfig) {
    return new Kubectl(binary, kubeconfig);
  }

  public Path binaryPath() {
    return binary;
  }

  /** What one kubectl run did. */
  public record Result(
      List<String> command,
      int exitCode,
      String stdout,
      String stderr,
      Duration elapsed,
      boolean timedOut) {
    @Override
    public String toString() {
      return String.join(" ", command)
          + "\n  exit "
          + (timedOut ? "(killed after timeout)" : exitCode)
          + " after "
          + elapsed.toMillis()
          + " ms\n  stdout: "
          + stdout.strip()
          + "\n  stderr: "
          + stderr.strip();
    }
  }

  /** Runs {@code kubectl <args>}; kills it (and reports {@code timedOut}) after {@code timeout}. */
  public Result run(Duration timeout, String... args) {
    Path home = null;
    try {
      home = Files.createTempDirectory("kubectl-home-");
      List<String> command = new ArrayList<>();
      command.add(binary.toString());
      command.add("--kubeconfig=" + kubeconfig);
      command.add("--cache-dir=" + home.resolve("cache"));
      command.addAll(List.of(args));
      Path out = home.resolve("stdout");
      Path err = home.resolve("stderr");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      Map<String, String> env = builder.environment();
      env.keySet().removeIf(k -> k.startsWith("KUBE"));
      env.put("HOME", home.toString());
      long start = System.nanoTime();
      Process process = builder.start();
      boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      return new Result(
          command,
          finished ? process.exitValue() : -1,
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8),
          elapsed,
          !finished);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + binary, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + binary, e);
    } finally {
      if (home != null) {
        ControlPlane.deleteRecursively(home);
      }
    }
  }
}
