package dev.tenantproxy.e2e.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A command that detaches itself: a second JVM on this JVM's class path runs in the background (its
 * own session, output in a log), the caller returns once it wrote a ready file; pid checks and
 * stopping for the matching {@code down}. Used by {@code e2e/bin/control-plane up} and {@code
 * bin/tenant-proxy sandbox --detach}.
 */
public final class BackgroundJvm {

  /** How {@link #awaitReady} ended. */
  public enum Outcome {
    /** The ready file exists. */
    READY,
    /** The JVM exited first. */
    EXITED,
    /** The timeout passed first; the JVM was sent SIGTERM. */
    TIMED_OUT
  }

  private static final Duration POLL = Duration.ofMillis(200);

  private BackgroundJvm() {}

  /**
   * Starts {@code mainClass} with {@code args} in a new JVM (same java binary and class path),
   * stdout and stderr to {@code log}, stdin from /dev/null, in its own session ({@code setsid},
   * when the machine has it) so a Ctrl-C in the caller's terminal does not reach it.
   */
  public static Process start(Class<?> mainClass, List<String> args, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      command.add("/usr/bin/setsid");
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(args);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
  }

  /**
   * Waits until {@code ready} exists, {@code process} exits or {@code timeout} passes (then sends
   * it SIGTERM).
   */
  public static Outcome awaitReady(Process process, Path ready, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Files.exists(ready)) {
      if (!process.isAlive()) {
        return Outcome.EXITED;
      }
      if (System.nanoTime() > deadline) {
        process.destroy();
        return Outcome.TIMED_OUT;
      }
      process.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS);
    }
    return Outcome.READY;
  }

  /**
   * Process {@code pid} if it is alive and its command (when known) is still {@code .../program}: a
   * recorded pid may have been reused by something else.
   */
  public static Optional<ProcessHandle> alive(long pid, String program) {
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().command().map(c -> c.endsWith("/" + program)).orElse(true));
  }

  /** SIGTERM, up to {@code grace} for it to exit, then SIGKILL if it is still alive. */
  public static void stop(ProcessHandle process, Duration grace) {
    process.destroy();
    process.onExit().completeOnTimeout(process, grace.toMillis(), TimeUnit.MILLISECONDS).join();
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  /** The last {@code lines} lines of {@code log}, for an error message. */
  public static String tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ")";
    }
  }
}
