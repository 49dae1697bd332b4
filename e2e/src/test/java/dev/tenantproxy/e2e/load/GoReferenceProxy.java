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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The L2 benchmark's reference point ({@code -Dbench.l2.reference=go}): {@code
 * e2e/src/test/go/l2reference}, a request-header reverse proxy written with Go's standard library
 * only, built here with the machine's {@code go} and run in front of a {@link ControlPlane}. It
 * does what every TLS-terminating proxy must (two TLS connections, two HTTP/2 codecs, identity
 * headers) and nothing more, so its cost on the same machine in the same rounds is the floor any
 * proxy stands on. Not part of the product.
 */
public final class GoReferenceProxy implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Pki pki;

  private GoReferenceProxy(Process process, int port, Pki pki) {
    this.process = process;
    this.port = port;
    this.pki = pki;
  }

  /** Builds (when its binary is older than its source) and starts it; waits until it listens. */
  public static GoReferenceProxy start(ControlPlane cp, Path dir) throws Exception {
    Path binary = build();
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
    Path log = dir.resolve("l2reference.log");
    Process p =
        new ProcessBuilder(
                binary.toString(),
                "-listen=127.0.0.1:" + port,
                "-tls-cert-file=" + cert,
                "-tls-private-key-file=" + key,
                "-client-ca-file=" + cp.caFile(),
                "-upstream=" + cp.apiServerUrl(),
                "-upstream-ca-file=" + cp.caFile(),
                "-proxy-client-cert-file=" + client.cert(),
                "-proxy-client-key-file=" + client.key())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    GoReferenceProxy proxy = new GoReferenceProxy(p, port, pki);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return proxy;
      } catch (IOException e) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          proxy.close();
          throw new IllegalStateException(
              "the Go reference proxy did not listen: " + Files.readString(log), e);
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
