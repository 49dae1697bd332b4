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

  /**
   * A kubectl started in the background (e.g. {@code get -w}); its output goes to files that can be
   * read while it runs. Close it to stop it.
   */
  public static final class Running implements AutoCloseable {
    private final Process process;
    private final Path home;
    private final Path out;
    private final Path err;

    private Running(Process process, Path home, Path out, Path err) {
      this.process = process;
      this.home = home;
      this.out = out;
      this.err = err;
    }

    /** What it printed on stdout so far. */
    public String stdout() {
      return read(out);
    }

    /** What it printed on stderr so far. */
    public String stderr() {
      return read(err);
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    /** The exit code once it has exited. */
    public int exitCode() {
      return process.exitValue();
    }

    private static String read(Path file) {
      try {
        return Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** SIGTERM, then SIGKILL after 5 s; removes its HOME once it has exited. */
    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        killAndRemove(process, home);
      }
    }
  }

  /**
   * Starts {@code kubectl <args>} in the background and returns at once; read its output with
   * {@link Running#stdout()} while it runs.
   */
  public Running start(String... args) {
    Path home = null;
    try {
      home = Files.createTempDirectory("kubectl-home-");
      Path out = home.resolve("stdout");
      Path err = home.resolve("stderr");
      Process process = builder(home, out, err, args).start();
      return new Running(process, home, out, err);
    } catch (IOException e) {
      if (home != null) {
        ControlPlane.deleteRecursively(home);
      }
      throw new UncheckedIOException("cannot run " + binary, e);
    }
  }

  private ProcessBuilder builder(Path home, Path out, Path err, String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.add("--cache-dir=" + home.resolve("cache"));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("KUBE"));
    env.put("HOME", home.toString());
    return builder;
  }

  /** Runs {@code kubectl <args>}; kills it (and reports {@code timedOut}) after {@code timeout}. */
  public Result run(Duration timeout, String... args) {
    Path home = null;
    Process process = null;
    try {
      home = Files.createTempDirectory("kubectl-home-");
      Path out = home.resolve("stdout");
      Path err = home.resolve("stderr");
      ProcessBuilder builder = builder(home, out, err, args);
      List<String> command = List.copyOf(builder.command());
      long start = System.nanoTime();
      process = builder.start();
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
      killAndRemove(process, home);
    }
  }

  /**
   * Kills {@code process} if it still runs, waits (up to 5 s, through interrupts) until it has
   * exited, then removes {@code home}.
   *
   * <p>DESIGN: a caller interrupted while kubectl runs (an Awaitility or JUnit timeout, an executor
   * shut down) used to remove the HOME at once and leave kubectl running: it went on writing its
   * discovery and HTTP caches into the removed directory, which it re-created, and lived until it
   * finished by itself. The HOME is removed only after the process is gone, and the interrupt is
   * kept for the caller.
   */
  private static void killAndRemove(Process process, Path home) {
    boolean interrupted = false;
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (process.isAlive() && System.nanoTime() < deadline) {
        try {
          process.waitFor(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (home != null) {
      ControlPlane.deleteRecursively(home);
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
