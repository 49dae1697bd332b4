package dev.tenantproxy.e2e.clients;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.GoTool;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The real k9s terminal UI ({@code e2e/bin/build-k9s}), run as a user runs it: in a pseudo-terminal
 * (util-linux {@code script}), with its own config/state directories, a kubeconfig and a start
 * command such as {@code ns}. What it draws is read back as text with the terminal escape sequences
 * removed; its debug log (every access check and failure) is kept beside it. Close it to stop it.
 */
public final class K9s implements AutoCloseable {
  private static final Pattern ESCAPES =
      Pattern.compile(
          "\u001B(\\[[0-9;?<=>]*[ -/]*[@-~]|\\][^\u0007\u001B]*(\u0007|\u001B\\\\)|[()][0-9A-Za-z]|[=>78DEHM])");

  private final Process process;
  private final Path home;
  private final Path screen;
  private final Path log;

  private K9s(Process process, Path home, Path screen, Path log) {
    this.process = process;
    this.home = home;
    this.screen = screen;
    this.log = log;
  }

  /** The k9s binary, built once from its Go module and cached. */
  public static Path binary() {
    return GoTool.locate("build-k9s");
  }

  /** Starts {@code k9s -c <command>} with {@code kubeconfig} in a 200×60 pseudo-terminal. */
  public static K9s start(Path kubeconfig, String command) {
    Path binary = binary();
    Path home = null;
    try {
      home = Files.createTempDirectory("k9s-home-");
      Path screen = home.resolve("screen");
      Path log = home.resolve("k9s.log");
      String inner =
          "stty cols 200 rows 60; exec "
              + quote(binary.toString())
              + " --kubeconfig "
              + quote(kubeconfig.toString())
              + " --command "
              + quote(command)
              + " --logLevel debug --logFile "
              + quote(log.toString());
      ProcessBuilder builder =
          new ProcessBuilder(
                  List.of("script", "--quiet", "--flush", "--command", inner, "/dev/null"))
              .redirectOutput(screen.toFile())
              .redirectErrorStream(true);
      Map<String, String> env = builder.environment();
      env.keySet().removeIf(k -> k.startsWith("KUBE") || k.startsWith("K9S"));
      env.put("HOME", home.toString());
      env.put("XDG_CONFIG_HOME", home.resolve("config").toString());
      env.put("XDG_STATE_HOME", home.resolve("state").toString());
      env.put("XDG_DATA_HOME", home.resolve("data").toString());
      env.put("XDG_CACHE_HOME", home.resolve("cache").toString());
      env.put("TERM", "xterm-256color");
      // stdin stays an open pipe: k9s reads keys from the terminal, and an EOF would end script
      return new K9s(builder.start(), home, screen, log);
    } catch (IOException e) {
      if (home != null) {
        ControlPlane.deleteRecursively(home);
      }
      throw new UncheckedIOException("cannot start k9s", e);
    }
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /** Everything drawn so far, escape sequences removed. */
  public String screen() {
    return ESCAPES.matcher(read(screen)).replaceAll(" ");
  }

  /** k9s's debug log so far. */
  public String log() {
    return ESCAPES.matcher(read(log)).replaceAll("");
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Types {@code keys} into the terminal. */
  public void type(String keys) {
    try {
      OutputStream in = process.getOutputStream();
      in.write(keys.getBytes(StandardCharsets.UTF_8));
      in.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Ends k9s and its terminal (SIGTERM to the tree, then SIGKILL); removes its directories. */
  @Override
  public void close() {
    try {
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    } finally {
      ControlPlane.deleteRecursively(home);
    }
  }
}
