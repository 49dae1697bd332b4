package dev.tenantproxy.e2e.load;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.Pki;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The L2 benchmark's reference points ({@code -Dbench.l2.reference=go,netty}), each a process in
 * front of a {@link ControlPlane} that does what every TLS-terminating request-header proxy must
 * (the caller's client certificate verified, two TLS connections, two HTTP/2 codecs, identity
 * headers) and nothing more, so that its cost on the same machine in the same rounds is a floor for
 * its design. Neither is part of the product.
 *
 * <ul>
 *   <li>{@link #go}: {@code e2e/src/test/go/l2reference}, a reverse proxy of Go's standard library
 *       alone (the language and library of the Go proxies in this field), built here with the
 *       machine's {@code go}.
 *   <li>{@link #netty}: {@link NettyReferenceRelay}, an HTTP/2 frame relay on Netty alone, in a JVM
 *       with the proxy's default options ({@code bin/jvm.options}).
 * </ul>
 */
public final class ReferenceProxy implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Pki pki;
  private final String name;

  private ReferenceProxy(Process process, int port, Pki pki, String name) {
    this.process = process;
    this.port = port;
    this.pki = pki;
    this.name = name;
  }

  /** The Go reference, built when its binary is older than its source; waits until it listens. */
  public static ReferenceProxy go(ControlPlane cp, Path dir) throws Exception {
    Path binary = build();
    return start(
        cp,
        dir,
        "Go reference",
        f ->
            List.of(
                binary.toString(),
                "-listen=127.0.0.1:" + f.port(),
                "-tls-cert-file=" + f.cert(),
                "-tls-private-key-file=" + f.key(),
                "-client-ca-file=" + cp.caFile(),
                "-upstream=" + cp.apiServerUrl(),
                "-upstream-ca-file=" + cp.caFile(),
                "-proxy-client-cert-file=" + f.client().cert(),
                "-proxy-client-key-file=" + f.client().key()));
  }

  /** The Netty frame relay in a JVM of its own; waits until it listens. */
  public static ReferenceProxy netty(ControlPlane cp, Path dir) throws Exception {
    Path testClasses =
        Path.of(
            NettyReferenceRelay.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    return start(
        cp,
        dir,
        "Netty reference",
        f -> {
          List<String> command = new ArrayList<>();
          command.add(ProxyProcess.javaTool("java"));
          command.addAll(ProxyProcess.launcherOptions());
          command.add("-cp");
          command.add(testClasses + File.pathSeparator + ProxyProcess.classPath());
          command.add(NettyReferenceRelay.class.getName());
          command.addAll(
              List.of(
                  Integer.toString(f.port()),
                  f.cert().toString(),
                  f.key().toString(),
                  cp.caFile().toString(),
                  cp.apiServerUrl(),
                  cp.caFile().toString(),
                  f.client().cert().toString(),
                  f.client().key().toString()));
          return command;
        });
  }

  /** What a reference's command line is made of. */
  private record Launch(int port, Path cert, Path key, Pki.KeyFiles client) {}

  /** A command line from the launch's files. */
  private interface ThrowingFunction {
    List<String> apply(Launch launch) throws IOException;
  }

  private static ReferenceProxy start(
      ControlPlane cp, Path dir, String name, ThrowingFunction command) throws Exception {
    Path pkiDir = Files.createDirectories(dir.resolve("pki"));
    Pki pki = Pki.newCa("l2-reference-ca");
    Path cert = pkiDir.resolve("serving.crt");
    Path key = pkiDir.resolve("serving.key");
    pki.serving("l2-reference", List.of("localhost"), List.of("127.0.0.1")).write(cert, key);
    Pki.KeyFiles client = cp.requestHeaderClient(ControlPlane.REQUEST_HEADER_ALLOWED_NAME, pkiDir);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = dir.resolve("reference.log");
    Process p =
        new ProcessBuilder(command.apply(new Launch(port, cert, key, client)))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    ReferenceProxy proxy = new ReferenceProxy(p, port, pki, name);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return proxy;
      } catch (IOException e) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          proxy.close();
          throw new IllegalStateException(name + " did not listen: " + Files.readString(log), e);
        }
        Thread.sleep(50);
      }
    }
  }

  private static Path build() throws Exception {
    Path root = Path.of("").toAbsolutePath();
    Path e2e = Files.isDirectory(root.resolve("e2e")) ? root.resolve("e2e") : root;
    Path source = e2e.resolve("src/test/go/l2reference");
    Path binary = e2e.resolve("target/l2reference/l2reference");
    if (Files.exists(binary)
        && Files.getLastModifiedTime(binary)
                .compareTo(Files.getLastModifiedTime(source.resolve("main.go")))
            > 0) {
      return binary;
    }
    ProcessBuilder pb =
        new ProcessBuilder("go", "build", "-o", binary.toString(), ".")
            .directory(source.toFile())
            .redirectErrorStream(true);
    // the standard library only: nothing to download, and no other toolchain either
    pb.environment().put("GOTOOLCHAIN", "local");
    pb.environment().put("GOFLAGS", "-mod=mod");
    Process go = pb.start();
    String out = new String(go.getInputStream().readAllBytes());
    if (!go.waitFor(5, TimeUnit.MINUTES) || go.exitValue() != 0) {
      throw new IllegalStateException("go build of the L2 reference failed: " + out);
    }
    return binary;
  }

  /** "Go reference" or "Netty reference": its target's name in the report. */
  public String name() {
    return name;
  }

  public String url() {
    return "https://127.0.0.1:" + port;
  }

  /** The CA of its serving certificate. */
  public String caPem() {
    return pki.caPem();
  }

  public long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
