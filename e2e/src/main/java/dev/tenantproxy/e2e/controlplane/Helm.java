package dev.tenantproxy.e2e.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * helm at the version pinned in {@code e2e/bin/build-helm}, built from its Go module once and
 * cached outside the work tree ({@code $TENANT_PROXY_CACHE/tools/helm-<version>/helm}); {@code
 * .ci/run} builds it before the tests, so here it is normally only looked up. Runs helm on the
 * repository's {@code charts/tenant-proxy}.
 */
public final class Helm {
  private static Path binary;

  private final Path helm;
  private final Path chart;

  private Helm(Path helm, Path chart) {
    this.helm = helm;
    this.chart = chart;
  }

  /** The helm of {@code e2e/bin/build-helm} (built on first use if missing) and the chart. */
  public static synchronized Helm get() {
    Path root =
        Binaries.repositoryRoot()
            .orElseThrow(() -> new IllegalStateException("tenant-proxy checkout not found"));
    if (binary == null) {
      binary = build(root.resolve("e2e/bin/build-helm"));
    }
    return new Helm(binary, root.resolve("charts/tenant-proxy"));
  }

  private static Path build(Path script) {
    try {
      Path out = Files.createTempFile("build-helm-", ".out");
      Process p =
          new ProcessBuilder(script.toString())
              .redirectOutput(out.toFile())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(script + " failed");
      }
      List<String> lines = Files.readAllLines(out);
      Files.deleteIfExists(out);
      Path helm = Path.of(lines.get(lines.size() - 1).trim());
      if (!Files.isExecutable(helm)) {
        throw new IllegalStateException(script + " printed " + helm + ", not an executable");
      }
      return helm;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** One helm run. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return String.join(" ", command) + "\n  exit " + exitCode + "\n  stderr: " + stderr;
    }
  }

  public Path chart() {
    return chart;
  }

  public Path binary() {
    return helm;
  }

  /** {@code helm template RELEASE CHART --namespace NS ARGS...}. */
  public Result template(String release, String namespace, String... args) {
    List<String> all = new ArrayList<>(List.of("template", release, chart.toString()));
    all.add("--namespace=" + namespace);
    all.addAll(List.of(args));
    return run(Duration.ofSeconds(60), all.toArray(String[]::new));
  }

  /** {@code helm ARGS...}. */
  public Result run(Duration timeout, String... args) {
    List<String> command = new ArrayList<>();
    command.add(helm.toString());
    command.addAll(List.of(args));
    try {
      Path home = Files.createTempDirectory("helm-home-");
      Path out = home.resolve("stdout");
      Path err = home.resolve("stderr");
      try {
        ProcessBuilder pb =
            new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        // no user configuration, repositories or caches of the machine
        pb.environment().put("HELM_CACHE_HOME", home.resolve("cache").toString());
        pb.environment().put("HELM_CONFIG_HOME", home.resolve("config").toString());
        pb.environment().put("HELM_DATA_HOME", home.resolve("data").toString());
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException("helm timed out: " + command);
        }
        return new Result(
            command,
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        ControlPlane.deleteRecursively(home);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
