package dev.tenantproxy.e2e.controlplane;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds kube-apiserver, kube-controller-manager and etcd. Order: {@code
 * TENANT_PROXY_CONTROL_PLANE_BIN} (env or system property {@code tenantproxy.controlPlaneBin}),
 * then the build cache of {@code e2e/bin/build-control-plane}; when the binaries are missing, runs
 * that script (a cold build takes minutes; its progress goes to stderr).
 */
final class Binaries {

  /** Keep in sync with {@code e2e/bin/build-control-plane}. */
  static final String KUBE_VERSION = "v1.35.4";

  static final String ETCD_VERSION = "v3.6.5";

  static final List<String> NAMES = List.of("etcd", "kube-apiserver", "kube-controller-manager");

  private Binaries() {}

  static Path locate() {
    String explicit =
        Optional.ofNullable(System.getProperty("tenantproxy.controlPlaneBin"))
            .orElse(System.getenv("TENANT_PROXY_CONTROL_PLANE_BIN"));
    if (explicit != null && !explicit.isBlank()) {
      Path dir = Path.of(explicit);
      if (!complete(dir)) {
        throw new IllegalStateException(
            "TENANT_PROXY_CONTROL_PLANE_BIN=" + dir + " lacks one of " + NAMES);
      }
      return dir;
    }
    Path cached = cacheDir();
    if (complete(cached)) {
      return cached;
    }
    return build();
  }

  static Path cacheDir() {
    String cache = System.getenv("TENANT_PROXY_CACHE");
    Path root =
        cache != null && !cache.isBlank()
            ? Path.of(cache)
            : Path.of(System.getProperty("user.home"), ".cache", "tenant-proxy");
    return root.resolve("control-plane").resolve("kube-" + KUBE_VERSION + "-etcd-" + ETCD_VERSION);
  }

  static boolean complete(Path dir) {
    return NAMES.stream().allMatch(n -> Files.isExecutable(dir.resolve(n)));
  }

  private static Path build() {
    Path script =
        repositoryRoot()
            .map(root -> root.resolve("e2e/bin/build-control-plane"))
            .filter(Files::isExecutable)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "control-plane binaries missing in "
                            + cacheDir()
                            + " and e2e/bin/build-control-plane not found from "
                            + Path.of("").toAbsolutePath()
                            + "; run it from the tenant-proxy checkout or set"
                            + " TENANT_PROXY_CONTROL_PLANE_BIN"));
    System.err.println(
        "[control-plane] binaries missing, building them with "
            + script
            + " (a cold build takes several minutes)");
    try {
      Process process =
          new ProcessBuilder(script.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .redirectInput(ProcessBuilder.Redirect.INHERIT)
              .start();
      List<String> stdout = new ArrayList<>();
      try (BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          System.err.println("[build-control-plane] " + line);
          stdout.add(line);
        }
      }
      int exit = process.waitFor();
      if (exit != 0 || stdout.isEmpty()) {
        throw new IllegalStateException(script + " failed with exit code " + exit);
      }
      Path dir = Path.of(stdout.get(stdout.size() - 1).trim());
      if (!complete(dir)) {
        throw new IllegalStateException(script + " printed " + dir + " but it lacks " + NAMES);
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the control plane", e);
    }
  }

  /** The tenant-proxy checkout: maven.multiModuleProjectDirectory, else up from the working dir. */
  static Optional<Path> repositoryRoot() {
    List<Path> starts = new ArrayList<>();
    Optional.ofNullable(System.getProperty("maven.multiModuleProjectDirectory"))
        .map(Path::of)
        .ifPresent(starts::add);
    Optional.ofNullable(System.getenv("TENANT_PROXY_HOME")).map(Path::of).ifPresent(starts::add);
    starts.add(Path.of("").toAbsolutePath());
    for (Path start : starts) {
      for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
        if (Files.isRegularFile(p.resolve("e2e/bin/build-control-plane"))) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }
}
