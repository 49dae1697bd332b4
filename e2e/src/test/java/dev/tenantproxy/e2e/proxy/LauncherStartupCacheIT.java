package dev.tenantproxy.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.e2e.load.ProxyProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/tenant-proxy serve}'s start-up cache, as a user's starts meet it: the first start
 * after a build records what it loaded when it exits, the next start maps it, and a cache recorded
 * by another build of the JDK ({@code <cache>.jdk} names the JDK that recorded it) or a rebuilt jar
 * makes the next start record it again. On JDK 17 the cache is AppCDS ({@code
 * proxy/target/tenant-proxy.jsa}); on JDK 25+ it is the AOT cache ({@code
 * proxy/target/tenant-proxy.aot}), chosen from {@code JAVA_HOME}. Each case runs the launcher of a
 * private copy of the work tree ({@code bin/} and the built {@code proxy/target}), so the archives
 * it writes touch no other test's.
 */
@ExtendWith(ControlPlaneExtension.class)
class LauncherStartupCacheIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Duration READY = Duration.ofMinutes(2);
  // recording runs at exit: an AppCDS dump, or the AOT cache assembled by a child JVM
  private static final Duration EXIT = Duration.ofMinutes(2);
  private static final String MAIN_LOADED = "dev.tenantproxy.proxy.cli.Main source: ";
  private static final String FROM_CACHE = "shared objects file";

  @TempDir Path dir;

  @Test
  void
      onJdk17TheFirstServeRecordsAnAppCdsArchiveTheNextMapsItAndAnotherJdkBuildOrARebuiltJarRecordsItAgain(
          ControlPlane cp) throws Exception {
    Path jdk = jdk(17, 24).orElse(null);
    assumeTrue(jdk != null, "no JDK 17-24 (this JVM or under /usr/lib/jvm)");
    recordsMapsAndRecordsAgain(cp, jdk, "tenant-proxy.jsa", "tenant-proxy.aot");
  }

  @Test
  void
      onJdk25TheFirstServeRecordsAnAotCacheTheNextMapsItAndAnotherJdkBuildOrARebuiltJarRecordsItAgain(
          ControlPlane cp) throws Exception {
    Path jdk = jdk(25, Integer.MAX_VALUE).orElse(null);
    assumeTrue(jdk != null, "no JDK 25+ (this JVM or under /usr/lib/jvm)");
    recordsMapsAndRecordsAgain(cp, jdk, "tenant-proxy.aot", "tenant-proxy.jsa");
  }

  private void recordsMapsAndRecordsAgain(ControlPlane cp, Path jdk, String cache, String other)
      throws Exception {
    // given: a work tree with a built proxy and no cache
    Path tree = workTree(dir.resolve("tree"));
    Path launcher = tree.resolve("bin").resolve("tenant-proxy");
    Path archive = tree.resolve("proxy").resolve("target").resolve(cache);
    Pki pki = Pki.newCa("launcher-cache-ca");
    Map<String, String> env =
        Map.of("JAVA_HOME", jdk.toString(), "TENANT_PROXY_JAVA_OPTS", "-Xlog:class+load=info");

    // when: the first start runs and stops
    String first = serveAndStop(cp, pki, launcher, env, "first");

    // then: it loaded from the jars and recorded the cache of its JDK, not the other one
    assertThat(mainSource(first)).startsWith("file:").doesNotContain(FROM_CACHE);
    assertThat(archive).exists();
    assertThat(archive.resolveSibling(other)).doesNotExist();
    FileTime recorded = Files.getLastModifiedTime(archive);

    // when: the next start
    String second = serveAndStop(cp, pki, launcher, env, "second");

    // then: it mapped the cache and left it as it was
    assertThat(mainSource(second)).startsWith(FROM_CACHE);
    assertThat(Files.getLastModifiedTime(archive)).isEqualTo(recorded);

    // when: the cache is marked as recorded by another build of the JDK, and the proxy started
    // again
    Path jdkStamp = archive.resolveSibling(cache + ".jdk");
    assertThat(Files.readString(jdkStamp)).contains(jdk.toRealPath().toString());
    Files.writeString(jdkStamp, jdk + " 0.0.1+1-another-build\n");
    String afterJdk = serveAndStop(cp, pki, launcher, env, "after-jdk");

    // then: it did not map that cache, and recorded it again for this JDK
    assertThat(mainSource(afterJdk)).startsWith("file:").doesNotContain(FROM_CACHE);
    assertThat(Files.getLastModifiedTime(archive)).isGreaterThan(recorded);
    assertThat(Files.readString(jdkStamp)).doesNotContain("another-build");
    recorded = Files.getLastModifiedTime(archive);

    // when: the proxy jar is rebuilt (newer than the cache), and the proxy started again
    Path jar = ProxyProcess.proxyJar(tree.resolve("proxy").resolve("target"));
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(5)));
    String afterJar = serveAndStop(cp, pki, launcher, env, "after-jar");

    // then: it did not map the stale cache, and recorded it again
    assertThat(mainSource(afterJar)).startsWith("file:").doesNotContain(FROM_CACHE);
    assertThat(Files.getLastModifiedTime(archive)).isGreaterThan(recorded);
  }

  /** One {@code serve} until {@code /readyz}, then SIGTERM; its log once it exited 0. */
  private String serveAndStop(
      ControlPlane cp, Pki pki, Path launcher, Map<String, String> env, String name)
      throws Exception {
    try (ProxyProcess proxy =
        ProxyProcess.startWithLauncher(cp, dir.resolve(name), pki, launcher, env)) {
      proxy.awaitReady(READY);
      int exit = proxy.terminate(EXIT);
      String log = Files.readString(proxy.log());
      assertThat(exit).as(name + " start's exit, log " + proxy.log()).isZero();
      return log;
    }
  }

  /**
   * Where the proxy's JVM loaded its main class from ({@code -Xlog:class+load}): the first such
   * line of the log (a JVM that assembles an AOT cache at exit logs its own loads after it).
   */
  private static String mainSource(String log) {
    return log.lines()
        .filter(l -> l.contains(MAIN_LOADED))
        .findFirst()
        .map(l -> l.substring(l.indexOf(MAIN_LOADED) + MAIN_LOADED.length()))
        .orElse("(not logged)");
  }

  /**
   * {@code bin/tenant-proxy}, {@code bin/jvm.options} and the built proxy copied under {@code to}.
   */
  private static Path workTree(Path to) throws IOException {
    Path target = ROOT.resolve("proxy").resolve("target");
    Path toTarget = Files.createDirectories(to.resolve("proxy").resolve("target").resolve("lib"));
    Files.createDirectories(to.resolve("bin"));
    for (String f : List.of("tenant-proxy", "jvm.options")) {
      Files.copy(
          ROOT.resolve("bin").resolve(f),
          to.resolve("bin").resolve(f),
          StandardCopyOption.COPY_ATTRIBUTES);
    }
    Path jar = ProxyProcess.proxyJar(target);
    Files.copy(jar, toTarget.resolveSibling(jar.getFileName().toString()));
    try (Stream<Path> libs = Files.list(target.resolve("lib"))) {
      libs.forEach(
          lib -> {
            try {
              Files.copy(lib, toTarget.resolve(lib.getFileName().toString()));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
    return to;
  }

  /**
   * A JDK whose feature release is in [{@code min}, {@code max}]: this JVM's, else one under {@code
   * /usr/lib/jvm}.
   */
  private static Optional<Path> jdk(int min, int max) throws IOException {
    Path self = Path.of(System.getProperty("java.home"));
    if (ProxyProcess.javaFeature(self) >= min && ProxyProcess.javaFeature(self) <= max) {
      return Optional.of(self);
    }
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return Optional.empty();
    }
    try (Stream<Path> homes = Files.list(jvms)) {
      return homes
          .filter(h -> Files.isExecutable(h.resolve("bin").resolve("java")))
          .filter(h -> ProxyProcess.javaFeature(h) >= min && ProxyProcess.javaFeature(h) <= max)
          .sorted()
          .findFirst();
    }
  }
}
