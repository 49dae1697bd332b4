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

/**
 * A command-line tool built from its Go module by one of the {@code e2e/bin/build-*} scripts (k9s,
 * helm): the script prints the cached binary's path on its last line, building it first when the
 * cache lacks it (minutes on 2 cores; progress on stderr).
 */
public final class GoTool {
  private GoTool() {}

  /** Runs {@code e2e/bin/<script>} from the checkout and returns the binary it prints. */
  public static synchronized Path locate(String script) {
    Path path =
        Binaries.repositoryRoot()
            .map(root -> root.resolve("e2e/bin").resolve(script))
            .filter(Files::isExecutable)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "e2e/bin/" + script + " not found from " + Path.of("").toAbsolutePath()));
    try {
      Process process =
          new ProcessBuilder(path.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      List<String> stdout = new ArrayList<>();
      try (BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          stdout.add(line);
        }
      }
      int exit = process.waitFor();
      if (exit != 0 || stdout.isEmpty()) {
        throw new IllegalStateException(path + " failed with exit code " + exit);
      }
      Path binary = Path.of(stdout.get(stdout.size() - 1).trim());
      if (!Files.isExecutable(binary)) {
        throw new IllegalStateException(path + " printed " + binary + ", not an executable");
      }
      return binary;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + path, e);
    }
  }
}
