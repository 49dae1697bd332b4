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
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One control-plane binary running as a child process, its output going to a log file. */
final class ManagedProcess {

  private static final Logger LOG = LoggerFactory.getLogger(ManagedProcess.class);

  private final String name;
  private final Process process;
  private final Path log;
  private final long logOffset;

  private ManagedProcess(String name, Process process, Path log, long logOffset) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.logOffset = logOffset;
  }

  /**
   * Runs the binary under a tiny {@code sh} watchdog: it forwards SIGTERM to the binary and, should
   * this JVM die without running its shutdown hooks (SIGKILL, crash), stops the binary itself, so
   * no etcd or kube-apiserver outlives its owner.
   */
  private static final String WATCHDOG =
      String.join(
          "\n",
          "owner=$1; shift",
          "\"$@\" &",
          "child=$!",
          "trap 'kill -TERM $child 2>/dev/null' TERM INT",
          "while kill -0 $child 2>/dev/null; do",
          "  if ! kill -0 $owner 2>/dev/null; then",
          "    kill -TERM $child 2>/dev/null",
          "    for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 $child 2>/dev/null || break; sleep 1; done",
          "    kill -KILL $child 2>/dev/null",
          "    break",
          "  fi",
          "  sleep 1 & wait $!",
          "done",
          "wait $child");

  static ManagedProcess start(String name, List<String> command, Path log) {
    try {
      Files.createDirectories(log.getParent());
      List<String> watched = new ArrayList<>();
      watched.addAll(
          List.of(
              "/bin/sh", "-c", WATCHDOG, "watchdog", Long.toString(ProcessHandle.current().pid())));
      watched.addAll(command);
      ProcessBuilder builder =
          new ProcessBuilder(watched)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      long offset = Files.exists(log) ? Files.size(log) : 0;
      LOG.debug("starting {}: {}", name, command);
      return new ManagedProcess(name, builder.start(), log, offset);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + " (" + command.get(0) + ")", e);
    }
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  /** SIGTERM, then SIGKILL (with any children) when it has not exited within {@code grace}. */
  void stop(Duration grace) {
    List<ProcessHandle> descendants = new ArrayList<>(process.descendants().toList());
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("{} did not stop within {}, killing it", name, grace);
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    descendants.forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * Whether this process exited because one of its ports was taken: the ports are picked free but
   * only bound by the binary later, and on a busy machine another process (or an outgoing
   * connection's ephemeral port) may take one in between. Only this run's part of the log counts.
   */
  boolean exitedOnPortInUse() {
    if (process.isAlive()) {
      return false;
    }
    try {
      if (!Files.exists(log)) {
        return false;
      }
      byte[] all = Files.readAllBytes(log);
      int from = (int) Math.min(logOffset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8)
          .contains("address already in use");
    } catch (IOException e) {
      return false;
    }
  }

  /** The last {@code lines} lines of the log, for error messages. */
  String tail(int lines) {
    try {
      if (!Files.exists(log)) {
        return "(no log at " + log + ")";
      }
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  String describe() {
    return name
        + " (pid "
        + pid()
        + (isAlive() ? ", running" : ", exited with " + process.exitValue())
        + "), last lines of "
        + log
        + ":\n"
        + tail(30);
  }
}
