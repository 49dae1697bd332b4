package dev.tenantproxy.e2e.sandbox;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Pki;
import dev.tenantproxy.proxy.cli.RunningProxy;
import dev.tenantproxy.proxy.config.ProxyConfig;
import dev.tenantproxy.proxy.ops.ProxyMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code tenant-proxy serve} in this JVM in front of a {@link ControlPlane}, wired exactly as the
 * command wires it ({@link RunningProxy}): its own PKI (serving certificate for
 * localhost/127.0.0.1, a front-proxy CA with allowed name {@value #FRONT_PROXY}), user client
 * certificates verified against the control plane's CA, TokenReview/SAR and pass-through with the
 * control plane's admin credentials ({@link Upstream#IMPERSONATION}) or, for requests in a caller's
 * name, a request-header client certificate of the control plane ({@link Upstream#REQUEST_HEADER}).
 */
public final class ProxyInFront implements AutoCloseable {
  /** The CN allowed to send identity headers. */
  public static final String FRONT_PROXY = "front-proxy";

  /** How the proxy authenticates the requests it makes in a caller's name. */
  public enum Upstream {
    /** Its kubeconfig's credentials and {@code Impersonate-*} headers for the caller (default). */
    IMPERSONATION("impersonation"),
    /**
     * A client certificate of the API server's request-header CA, CN {@value
     * ControlPlane#REQUEST_HEADER_ALLOWED_NAME}, and {@code X-Remote-*} headers for the caller
     * ({@code --proxy-client-cert-file}, {@code --proxy-client-key-file}).
     */
    REQUEST_HEADER("request-header");

    private final String label;

    Upstream(String label) {
      this.label = label;
    }

    /** {@code impersonation} or {@code request-header}, as {@code -Dbench.proxy.upstream}. */
    public String label() {
      return label;
    }

    /** The mode labelled {@code label} ({@link #label()}). */
    public static Upstream labelled(String label) {
      for (Upstream u : values()) {
        if (u.label.equals(label)) {
          return u;
        }
      }
      throw new IllegalArgumentException(
          "the upstream mode is impersonation or request-header, not " + label);
    }

    /**
     * The {@code tenant-proxy serve} flags of this mode: none, or the two files of a request-header
     * client certificate with the allowed CN, written into {@code pkiDir}.
     */
    public List<String> serveFlags(ControlPlane cp, Path pkiDir) {
      if (this == IMPERSONATION) {
        return List.of();
      }
      Pki.KeyFiles client =
          cp.requestHeaderClient(ControlPlane.REQUEST_HEADER_ALLOWED_NAME, pkiDir);
      return List.of(
          "--proxy-client-cert-file=" + client.cert(), "--proxy-client-key-file=" + client.key());
    }

    private ProxyConfig configure(ProxyConfig config, ControlPlane cp, Path pkiDir) {
      if (this == IMPERSONATION) {
        return config;
      }
      Pki.KeyFiles client =
          cp.requestHeaderClient(ControlPlane.REQUEST_HEADER_ALLOWED_NAME, pkiDir);
      return config.withProxyClient(client.cert(), client.key());
    }
  }

  private final ControlPlane cp;
  private final Path dir;
  private final Pki pki;
  private final Path caFile;
  private final RunningProxy proxy;
  // set by startInTempDir: the directory is this proxy's own
  private volatile boolean deleteDirOnClose;

  private ProxyInFront(ControlPlane cp, Path dir, Pki pki, Path caFile, RunningProxy proxy) {
    this.cp = cp;
    this.dir = dir;
    this.pki = pki;
    this.caFile = caFile;
    this.proxy = proxy;
  }

  /**
   * Starts the proxy on a free loopback port; {@code dir} receives its PKI.
   *
   * @param serveNamespaces whether namespace serving (the tenancy index) is wired in
   */
  public static ProxyInFront start(ControlPlane cp, Path dir, boolean serveNamespaces) {
    return start(cp, dir, serveNamespaces, UnaryOperator.identity());
  }

  /**
   * A proxy serving namespaces that one test class shares across its tests and that lives until the
   * test JVM exits (stopped by a shutdown hook, after the class's tests), its PKI in a new
   * temporary directory named after {@code name}.
   */
  public static ProxyInFront startUntilExit(ControlPlane cp, String name) {
    ProxyInFront proxy = startInTempDir(cp, name, true);
    Runtime.getRuntime().addShutdownHook(new Thread(proxy::close, name + "-proxy-stop"));
    return proxy;
  }

  /**
   * As {@link #start(ControlPlane, Path, boolean)}, its PKI (keys included) in a new temporary
   * directory named after {@code name}, which {@link #close()} deletes.
   */
  public static ProxyInFront startInTempDir(ControlPlane cp, String name, boolean serveNamespaces) {
    Path dir;
    try {
      dir = Files.createTempDirectory("tenant-proxy-" + name + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      ProxyInFront proxy = start(cp, dir, serveNamespaces);
      proxy.deleteDirOnClose = true;
      return proxy;
    } catch (RuntimeException e) {
      ControlPlane.deleteRecursively(dir);
      throw e;
    }
  }

  /**
   * Like {@link #start(ControlPlane, Path, boolean)}, with the configuration changed by {@code
   * customize} (e.g. a cache lifetime a test relies on).
   */
  public static ProxyInFront start(
      ControlPlane cp, Path dir, boolean serveNamespaces, UnaryOperator<ProxyConfig> customize) {
    return start(cp, dir, serveNamespaces, Upstream.IMPERSONATION, customize);
  }

  /**
   * Like {@link #start(ControlPlane, Path, boolean, UnaryOperator)}, making the requests in a
   * caller's name as {@code upstream} says ({@code customize} applies after it).
   */
  public static ProxyInFront start(
      ControlPlane cp,
      Path dir,
      boolean serveNamespaces,
      Upstream upstream,
      UnaryOperator<ProxyConfig> customize) {
    Path pkiDir = dir.resolve("pki");
    Pki pki = Pki.newCa("tenant-proxy-ca");
    Path caFile = pki.writeCa(pkiDir);
    Path servingCert = pkiDir.resolve("serving.crt");
    Path servingKey = pkiDir.resolve("serving.key");
    pki.serving("tenant-proxy", List.of("localhost"), List.of("127.0.0.1"))
        .write(servingCert, servingKey);
    ProxyConfig config =
        ProxyConfig.defaults(servingCert, servingKey)
            .withBindAddress("127.0.0.1")
            .withPort(0)
            .withOpsPort(0)
            .withEventLoops(2)
            .withClientCaFile(cp.caFile())
            .withRequestHeader(
                new ProxyConfig.RequestHeaderConfig(
                    caFile,
                    List.of(FRONT_PROXY),
                    List.of("X-Remote-User"),
                    List.of("X-Remote-Group"),
                    List.of("X-Remote-Extra-")))
            .withKubeconfig(cp.adminKubeconfig())
            .withShutdownGracePeriod(Duration.ofSeconds(5));
    config = upstream.configure(config, cp, pkiDir);
    return new ProxyInFront(
        cp, dir, pki, caFile, RunningProxy.start(customize.apply(config), serveNamespaces));
  }

  /** {@code https://127.0.0.1:<port>}. */
  public String url() {
    return "https://127.0.0.1:" + proxy.port();
  }

  public int port() {
    return proxy.port();
  }

  /**
   * {@code http://127.0.0.1:<ops port>}: the proxy's own {@code /healthz}, {@code /livez}, {@code
   * /readyz}, {@code /metrics} (on {@link #url()} those paths reach the API server).
   */
  public String opsUrl() {
    return "http://127.0.0.1:" + proxy.opsPort();
  }

  /** The status of the proxy's {@code /readyz} now (200 ready, 503 not yet). */
  public int readyzStatus() throws IOException, InterruptedException {
    return java.net.http.HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(opsUrl() + "/readyz"))
                .timeout(Duration.ofSeconds(5))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /** The CA (PEM) that signs the proxy's serving certificate. */
  public String caPem() {
    return pki.caPem();
  }

  public Path caFile() {
    return caFile;
  }

  public ProxyMetrics metrics() {
    return proxy.metrics();
  }

  /** Writes {@code <dir>/<file>} with {@code user}'s credentials pointed at the proxy. */
  public Path kubeconfig(KubeUser user, Path file) {
    return write(file, user.kubeconfigFor(url(), caPem()));
  }

  /** Writes a kubeconfig through the proxy for {@code user} into the proxy's directory. */
  public Path kubeconfig(KubeUser user) {
    return kubeconfig(
        user,
        dir.resolve("users")
            .resolve(user.name().replaceAll("[^A-Za-z0-9._-]", "-") + ".kubeconfig"));
  }

  /** A client certificate (PEM cert, PEM key) signed by the request-header CA. */
  public String[] frontProxyCertificate(String cn) {
    Pki.Issued issued = pki.client(cn, List.of());
    return new String[] {issued.certPem(), issued.keyPem()};
  }

  public ControlPlane controlPlane() {
    return cp;
  }

  static Path write(Path file, String yaml) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, yaml);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not POSIX
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    proxy.close();
    if (deleteDirOnClose) {
      ControlPlane.deleteRecursively(dir);
    }
  }
}
