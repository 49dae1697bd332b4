package dev.tenantproxy.e2e.controlplane;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC, client certificates with
 * CN = user and O = groups, ServiceAccount tokens) and kube-controller-manager (so deleted
 * namespaces finish deleting), with the Capsule CRDs and ClusterRoles installed.
 *
 * <pre>{@code
 * try (ControlPlane cp = ControlPlane.start()) {
 *   KubeUser alice = cp.users().certificate("alice", Capsule.CAPSULE_USERS_GROUP);
 *   cp.capsule().createTenant("solar", Owner.user("alice"));
 *   cp.capsule().createNamespace("solar", "solar-dev");
 * }
 * }</pre>
 *
 * <p>kube-apiserver also trusts identity headers ({@code X-Remote-User}, {@code X-Remote-Group},
 * {@code X-Remote-Uid}, {@code X-Remote-Extra-*}) from a client certificate of its own front-proxy
 * CA with CN {@value #REQUEST_HEADER_ALLOWED_NAME} ({@link #requestHeaderClient}), and audits the
 * self reviews callers make ({@link #auditEvents()}).
 *
 * <p>Everything lives in {@link #directory()}: {@code pki/}, {@code logs/} (one file per process),
 * {@code admin.kubeconfig}, {@code users/}, {@code pids} (so {@code e2e/bin/control-plane down} can
 * kill them from another process) and {@code ready} while serving. A JVM shutdown hook stops the
 * processes if {@link #close()} is never called.
 */
public final class ControlPlane implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

  /** The ServiceAccount token issuer and audience. */
  public static final String SERVICE_ACCOUNT_ISSUER =
      "https://kubernetes.default.svc.cluster.local";

  static final String ADMIN_USER = "tenant-proxy-admin";

  /**
   * The one CN in kube-apiserver's {@code --requestheader-allowed-names}: a client certificate of
   * {@link #requestHeaderClient} with this CN may assert a user in {@code X-Remote-*} headers.
   */
  public static final String REQUEST_HEADER_ALLOWED_NAME = "tenant-proxy-upstream";

  /** Where the request-header CA lives under {@code pki/}: its own CA, not the client CA. */
  private static final String FRONT_PROXY_PKI = "front-proxy";

  /**
   * What the API server audits (to {@code logs/audit.log}): only the reviews a caller makes about
   * itself, which are few, so that tests can see who the API server authenticated (and whether it
   * impersonated someone) without auditing the rest of the traffic.
   */
  private static final String AUDIT_POLICY =
      """
      apiVersion: audit.k8s.io/v1
      kind: Policy
      omitStages: ["RequestReceived"]
      rules:
      - level: Metadata
        resources:
        - group: authentication.k8s.io
          resources: ["selfsubjectreviews"]
        - group: authorization.k8s.io
          resources: ["selfsubjectaccessreviews"]
      - level: None
      """;

  private static final List<String> CONTROLLERS =
      List.of(
          "namespace-controller",
          "garbage-collector-controller",
          "serviceaccount-controller",
          "serviceaccount-token-controller",
          "clusterrole-aggregation-controller",
          "root-ca-certificate-publisher-controller",
          "resourcequota-controller");

  private final Path directory;
  private final String apiServerUrl;
  private final String caPem;
  private final Pki frontProxyPki;
  private final Path adminKubeconfig;
  private final KubeUser admin;
  private final List<ManagedProcess> processes;
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final KubernetesClient adminClient;
  private final Users users;
  private final Capsule capsule;
  private final Thread shutdownHook;
  private final List<String> apiServerCommand;
  private final String etcdUrl;
  private final Path logs;
  private boolean closed;

  private ControlPlane(Builder b, Starter s) {
    this.directory = s.dir;
    this.apiServerUrl = s.apiServerUrl;
    this.caPem = s.pki.caPem();
    this.frontProxyPki = s.frontProxyPki;
    this.adminKubeconfig = s.adminKubeconfig;
    this.admin =
        KubeUser.certificate(
            ADMIN_USER,
            List.of("system:masters"),
            s.adminKubeconfig,
            s.admin.certPem(),
            s.admin.keyPem());
    this.processes = s.processes;
    this.vertx = s.vertx;
    this.ownsVertx = b.vertx == null;
    this.adminClient = s.adminClient;
    this.shutdownHook = s.shutdownHook;
    this.apiServerCommand = s.apiServerCommand;
    this.etcdUrl = s.etcdUrl;
    this.logs = s.dir.resolve("logs");
    this.users = new Users(directory, apiServerUrl, s.pki, this::newClient, adminClient);
    this.capsule = new Capsule(adminClient);
  }

  /** Starts a control plane in a new temporary directory. */
  public static ControlPlane start() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code https://127.0.0.1:<port>}. */
  public String apiServerUrl() {
    return apiServerUrl;
  }

  /** etcd's client URL ({@code http://127.0.0.1:<port>}; its v3 JSON gateway answers there). */
  public String etcdUrl() {
    return etcdUrl;
  }

  /** The CA that signed the API server's serving certificate and every client certificate. */
  public String caPem() {
    return caPem;
  }

  public Path caFile() {
    return directory.resolve("pki").resolve(Pki.CA_CERT);
  }

  /**
   * A client certificate and key, written as {@code dir/<commonName>.crt} and {@code .key}, signed
   * by the API server's request-header CA ({@code --requestheader-client-ca-file}, a CA of its own,
   * not the client CA). With CN {@value #REQUEST_HEADER_ALLOWED_NAME} the API server takes the user
   * from {@code X-Remote-User}, {@code X-Remote-Group}, {@code X-Remote-Uid} and {@code
   * X-Remote-Extra-*}; with any other CN it refuses the request (401).
   */
  public Pki.KeyFiles requestHeaderClient(String commonName, Path dir) {
    return requestHeaderClient(commonName, dir, Duration.ofDays(365));
  }

  /** {@link #requestHeaderClient(String, Path)}, valid for {@code validity}. */
  public Pki.KeyFiles requestHeaderClient(String commonName, Path dir, Duration validity) {
    return frontProxyPki
        .client(commonName, List.of(), validity)
        .writeTo(dir, commonName.replaceAll("[^A-Za-z0-9._-]", "-"));
  }

  public Path directory() {
    return directory;
  }

  /** A kubeconfig for a {@code system:masters} user. */
  public Path adminKubeconfig() {
    return adminKubeconfig;
  }

  /** The admin identity ({@code system:masters}) with its client certificate and key PEM. */
  public KubeUser admin() {
    return admin;
  }

  /** Client as {@code system:masters}; owned by the control plane, do not close it. */
  public KubernetesClient adminClient() {
    return adminClient;
  }

  /**
   * The API server's audit events so far, oldest first ({@code logs/audit.log}, JSON lines, stage
   * {@code ResponseComplete}): SelfSubjectReviews and SelfSubjectAccessReviews only, at level
   * Metadata ({@code user} is who the API server authenticated, {@code impersonatedUser} whom it
   * impersonated, if anyone).
   */
  public List<JsonObject> auditEvents() {
    Path file = logs.resolve("audit.log");
    if (!Files.exists(file)) {
      return List.of();
    }
    List<JsonObject> events = new java.util.ArrayList<>();
    try (Stream<String> lines = Files.lines(file)) {
      lines.forEach(
          line -> {
            try {
              events.add(new JsonObject(line));
            } catch (io.vertx.core.json.DecodeException partial) {
              // the last line while the API server writes it: it shows on the next read
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return events;
  }

  /** The one Vertx every client of this control plane runs on. */
  public Vertx vertx() {
    return vertx;
  }

  public Users users() {
    return users;
  }

  /** Does what the Capsule controller would do: tenants, their namespaces, RBAC and status. */
  public Capsule capsule() {
    return capsule;
  }

  /** A new fabric8 client (on {@link #vertx()}) from a kubeconfig; the caller closes it. */
  public KubernetesClient newClient(Path kubeconfig) {
    try {
      return newClient(Files.readString(kubeconfig), vertx);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static KubernetesClient newClient(String kubeconfig, Vertx vertx) {
    return new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(kubeconfig))
        .withHttpClientFactory(new Vertx5HttpClientFactory(vertx))
        .build();
  }

  /**
   * Stops kube-apiserver (SIGTERM, then SIGKILL after 15 s) and waits until it has exited; etcd and
   * the controller-manager keep running. Every client of this control plane sees the outage: use it
   * on a test's own control plane ({@link #start()}), never on the shared one.
   */
  public synchronized void stopApiServer() {
    ManagedProcess apiserver = apiServer();
    if (apiserver != null) {
      apiserver.stop(Duration.ofSeconds(15));
      processes.remove(apiserver);
    }
  }

  /**
   * Starts kube-apiserver again with the same flags (same etcd, certificates and port) and waits
   * until its {@code /readyz} answers 200.
   */
  public synchronized void startApiServer(Duration timeout) {
    if (apiServer() != null) {
      throw new IllegalStateException("kube-apiserver is running");
    }
    ManagedProcess apiserver =
        ManagedProcess.start(
            "kube-apiserver", apiServerCommand, logs.resolve("kube-apiserver.log"));
    processes.add(apiserver);
    awaitReady(apiserver, apiServerUrl, timeout, "after restart");
  }

  /**
   * Starts a second kube-apiserver on this control plane's etcd and certificates, as a replica of
   * an HA control plane, on a port of its own and with {@code extraFlags} added to the first one's
   * (a later flag wins), and waits until its {@code /readyz} answers 200. It logs to {@code
   * logs/<name>.log} and audits to {@code logs/<name>-audit.log}; the control plane stops it when
   * it closes, if the test has not.
   */
  public synchronized ApiServerReplica startReplica(
      String name, List<String> extraFlags, Duration timeout) {
    String url = "https://127.0.0.1:" + freePorts(1)[0];
    List<String> command = new java.util.ArrayList<>();
    for (String flag : apiServerCommand) {
      if (flag.startsWith("--secure-port=")) {
        command.add("--secure-port=" + URI.create(url).getPort());
      } else if (flag.startsWith("--audit-log-path=")) {
        command.add("--audit-log-path=" + logs.resolve(name + "-audit.log"));
      } else {
        command.add(flag);
      }
    }
    command.addAll(extraFlags);
    ManagedProcess replica = ManagedProcess.start(name, command, logs.resolve(name + ".log"));
    processes.add(replica);
    try {
      awaitReady(replica, url, timeout, "at start");
    } catch (RuntimeException e) {
      replica.stop(Duration.ofSeconds(15));
      processes.remove(replica);
      throw e;
    }
    Path kubeconfig =
        Kubeconfigs.write(
            directory.resolve(name + "-admin.kubeconfig"), admin.kubeconfigFor(url, caPem));
    return new ApiServerReplica(url, kubeconfig, () -> stopReplica(replica));
  }

  private synchronized void stopReplica(ManagedProcess replica) {
    replica.stop(Duration.ofSeconds(15));
    processes.remove(replica);
  }

  /** A second kube-apiserver of this control plane ({@link #startReplica}). */
  public static final class ApiServerReplica implements AutoCloseable {
    private final String url;
    private final Path adminKubeconfig;
    private final Runnable stop;

    private ApiServerReplica(String url, Path adminKubeconfig, Runnable stop) {
      this.url = url;
      this.adminKubeconfig = adminKubeconfig;
      this.stop = stop;
    }

    /** {@code https://127.0.0.1:<port>}. */
    public String url() {
      return url;
    }

    /** A kubeconfig of the control plane's admin user pointing at this replica. */
    public Path adminKubeconfig() {
      return adminKubeconfig;
    }

    /** Stops the replica (SIGTERM, then SIGKILL after 15 s). */
    @Override
    public void close() {
      stop.run();
    }
  }

  private void awaitReady(ManagedProcess apiserver, String url, Duration timeout, String when) {
    HttpClient http = trusting(caPem);
    URI readyz = URI.create(url + "/readyz");
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer yet";
    while (System.nanoTime() < deadline) {
      if (!apiserver.isAlive()) {
        throw new IllegalStateException(
            apiserver.name() + " exited " + when + "\n" + apiserver.describe());
      }
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(readyz).timeout(Duration.ofSeconds(2)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = response.statusCode() + " " + response.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting " + apiserver.name(), e);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting " + apiserver.name(), e);
      }
    }
    throw new IllegalStateException(
        apiserver.name()
            + " not ready within "
            + timeout
            + " "
            + when
            + " (last: "
            + last
            + ")\n"
            + apiserver.describe());
  }

  private ManagedProcess apiServer() {
    return processes.stream()
        .filter(p -> p.name().equals("kube-apiserver") && p.isAlive())
        .findFirst()
        .orElse(null);
  }

  /** Stops the processes (SIGTERM, then SIGKILL), keeps the logs, removes the etcd data. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or will run; stopping twice is harmless
    }
    capsule.close();
    adminClient.close();
    stopProcesses(processes);
    if (ownsVertx) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("closing Vertx failed", e);
      }
    }
    deleteQuietly(directory.resolve("ready"));
    deleteQuietly(directory.resolve("pids"));
    deleteRecursively(directory.resolve("etcd-data"));
    LOG.info("control plane in {} stopped", directory);
  }

  private static void stopProcesses(List<ManagedProcess> processes) {
    // reverse start order: controller-manager, apiserver, etcd
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).stop(Duration.ofSeconds(15));
    }
  }

  /** Options for {@link #start()}. */
  public static final class Builder {
    private Path directory;
    private Path binaries;
    private Vertx vertx;
    private Duration startTimeout = Duration.ofMinutes(3);

    private Builder() {}

    /** Where PKI, logs, kubeconfigs and etcd data go; default: a new temporary directory. */
    public Builder directory(Path directory) {
      this.directory = directory;
      return this;
    }

    /** Directory with etcd, kube-apiserver, kube-controller-manager; default: built/cached. */
    public Builder binaries(Path binaries) {
      this.binaries = binaries;
      return this;
    }

    /** Run clients on this Vertx (not closed by the control plane); default: a new one. */
    public Builder vertx(Vertx vertx) {
      this.vertx = vertx;
      return this;
    }

    /** Bound on the whole start-up (each wait fails with the process logs when exceeded). */
    public Builder startTimeout(Duration startTimeout) {
      this.startTimeout = startTimeout;
      return this;
    }

    public ControlPlane start() {
      Starter starter = new Starter(this);
      try {
        starter.run();
      } catch (RuntimeException e) {
        starter.abort();
        throw e;
      }
      return new ControlPlane(this, starter);
    }
  }

  /** The start-up sequence; on failure {@link #abort()} stops what was started. */
  private static final class Starter {
    private static final int PORT_ATTEMPTS = 5;
    private final Builder options;
    private final long deadline;
    private final List<ManagedProcess> processes = new CopyOnWriteArrayList<>();
    private Path dir;
    private Pki pki;
    private Pki frontProxyPki;
    private String apiServerUrl;
    private Path adminKubeconfig;
    private Pki.Issued admin;
    private Vertx vertx;
    private KubernetesClient adminClient;
    private Thread shutdownHook;
    private List<String> apiServerCommand;
    private String etcdUrl;

    Starter(Builder options) {
      this.options = options;
      this.deadline = System.nanoTime() + options.startTimeout.toNanos();
    }

    void run() {
      long started = System.nanoTime();
      Path bin = options.binaries != null ? options.binaries : Binaries.locate();
      try {
        dir =
            options.directory != null
                ? Files.createDirectories(options.directory).toAbsolutePath()
                : Files.createTempDirectory("tenant-proxy-control-plane-");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the control-plane directory", e);
      }
      deleteQuietly(dir.resolve("ready"));
      shutdownHook =
          new Thread(() -> stopProcesses(processes), "control-plane-shutdown-" + dir.getFileName());
      Runtime.getRuntime().addShutdownHook(shutdownHook);

      Path pkiDir = dir.resolve("pki");
      pki = Pki.newCa("tenant-proxy-control-plane-ca");
      pki.writeCa(pkiDir);
      pki.serving(
              "kube-apiserver",
              List.of("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"),
              List.of("127.0.0.1", "10.0.0.1"))
          .write(pkiDir.resolve("apiserver.crt"), pkiDir.resolve("apiserver.key"));
      Pki.Issued sa = Pki.serviceAccountKeys();
      Pki.writePem(pkiDir.resolve("sa.pub"), sa.certPem());
      Pki.writePem(pkiDir.resolve("sa.key"), sa.keyPem());
      admin = pki.client(ADMIN_USER, List.of("system:masters"));
      frontProxyPki = Pki.newCa("tenant-proxy-front-proxy-ca");
      Path frontProxyCa = frontProxyPki.writeCa(pkiDir.resolve(FRONT_PROXY_PKI));

      Path logs = dir.resolve("logs");
      Path auditPolicy = dir.resolve("audit-policy.yaml");
      try {
        Files.writeString(auditPolicy, AUDIT_POLICY);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      HttpClient plain =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(2))
              .build();
      for (int attempt = 1; etcdUrl == null; attempt++) {
        int[] ports = freePorts(2);
        String clientUrl = "http://127.0.0.1:" + ports[0];
        String peerUrl = "http://127.0.0.1:" + ports[1];
        ManagedProcess etcd =
            launch(
                "etcd",
                List.of(
                    bin.resolve("etcd").toString(),
                    "--name=tenant-proxy",
                    "--data-dir=" + dir.resolve("etcd-data"),
                    "--listen-client-urls=" + clientUrl,
                    "--advertise-client-urls=" + clientUrl,
                    "--listen-peer-urls=" + peerUrl,
                    "--initial-advertise-peer-urls=" + peerUrl,
                    "--initial-cluster=tenant-proxy=" + peerUrl,
                    "--initial-cluster-state=new",
                    "--unsafe-no-fsync=true",
                    "--log-level=warn"),
                logs);
        if (awaitHttp200(etcd, plain, URI.create(clientUrl + "/health"), attempt)) {
          etcdUrl = clientUrl;
        } else {
          deleteRecursively(dir.resolve("etcd-data"));
        }
      }

      for (int attempt = 1; apiServerUrl == null; attempt++) {
        String url = "https://127.0.0.1:" + freePorts(1)[0];
        apiServerCommand =
            List.of(
                bin.resolve("kube-apiserver").toString(),
                "--etcd-servers=" + etcdUrl,
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                // the Endpoints of service "kubernetes" may not hold a loopback address
                "--endpoint-reconciler-type=none",
                "--secure-port=" + URI.create(url).getPort(),
                "--cert-dir=" + pkiDir,
                "--tls-cert-file=" + pkiDir.resolve("apiserver.crt"),
                "--tls-private-key-file=" + pkiDir.resolve("apiserver.key"),
                "--client-ca-file=" + pkiDir.resolve(Pki.CA_CERT),
                // identity headers from a client certificate of the front-proxy CA with an allowed
                // CN (the uid header: RemoteRequestHeaderUID, beta and on by default in 1.35)
                "--requestheader-client-ca-file=" + frontProxyCa,
                "--requestheader-allowed-names=" + REQUEST_HEADER_ALLOWED_NAME,
                "--requestheader-username-headers=X-Remote-User",
                "--requestheader-group-headers=X-Remote-Group",
                "--requestheader-uid-headers=X-Remote-Uid",
                "--requestheader-extra-headers-prefix=X-Remote-Extra-",
                "--audit-policy-file=" + auditPolicy,
                "--audit-log-path=" + logs.resolve("audit.log"),
                "--authorization-mode=RBAC",
                "--service-account-issuer=" + SERVICE_ACCOUNT_ISSUER,
                "--service-account-key-file=" + pkiDir.resolve("sa.pub"),
                "--service-account-signing-key-file=" + pkiDir.resolve("sa.key"),
                "--service-cluster-ip-range=10.0.0.0/24",
                "--allow-privileged=true",
                "--profiling=false",
                "--v=1");
        ManagedProcess apiserver = launch("kube-apiserver", apiServerCommand, logs);
        if (awaitHttp200(apiserver, trusting(pki.caPem()), URI.create(url + "/readyz"), attempt)) {
          apiServerUrl = url;
        }
      }

      adminKubeconfig =
          Kubeconfigs.write(
              dir.resolve("admin.kubeconfig"),
              Kubeconfigs.clientCertificate(
                  apiServerUrl, pki.caPem(), ADMIN_USER, admin.certPem(), admin.keyPem()));
      vertx = options.vertx != null ? options.vertx : Vertx.vertx();
      adminClient = newClient(read(adminKubeconfig), vertx);
      // CRDs before the controller-manager: its garbage collector maps only the kinds it discovers
      // at
      // start (then every 30 s), and Tenant is the owner of every tenant namespace
      Capsule.install(adminClient, remaining());

      Path kcmKubeconfig =
          Kubeconfigs.write(
              dir.resolve("controller-manager.kubeconfig"),
              Kubeconfigs.clientCertificate(
                  apiServerUrl, pki.caPem(), ADMIN_USER, admin.certPem(), admin.keyPem()));

      ManagedProcess kcm =
          launch(
              "kube-controller-manager",
              List.of(
                  bin.resolve("kube-controller-manager").toString(),
                  "--kubeconfig=" + kcmKubeconfig,
                  "--authentication-kubeconfig=" + kcmKubeconfig,
                  "--authorization-kubeconfig=" + kcmKubeconfig,
                  "--bind-address=127.0.0.1",
                  "--secure-port=0",
                  "--leader-elect=false",
                  "--controllers=" + String.join(",", CONTROLLERS),
                  "--service-account-private-key-file=" + pkiDir.resolve("sa.key"),
                  "--root-ca-file=" + pkiDir.resolve(Pki.CA_CERT),
                  "--use-service-account-credentials=false",
                  "--v=1"),
              logs);

      awaitControllerManager(kcm);
      writePids();
      try {
        Files.writeString(dir.resolve("ready"), apiServerUrl + "\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      LOG.info(
          "control plane serving at {} (dir {}) after {} ms",
          apiServerUrl,
          dir,
          Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    private ManagedProcess launch(String name, List<String> command, Path logs) {
      ManagedProcess process = ManagedProcess.start(name, command, logs.resolve(name + ".log"));
      processes.add(process);
      writePids();
      return process;
    }

    /**
     * The controller-manager works once it has created the default ServiceAccount and aggregated
     * admin.
     */
    private void awaitControllerManager(ManagedProcess kcm) {
      try {
        adminClient
            .serviceAccounts()
            .inNamespace("default")
            .withName("default")
            .waitUntilCondition(sa -> sa != null, remaining().toMillis(), TimeUnit.MILLISECONDS);
        adminClient
            .rbac()
            .clusterRoles()
            .withName("admin")
            .waitUntilCondition(
                (ClusterRole role) ->
                    role != null && role.getRules() != null && !role.getRules().isEmpty(),
                remaining().toMillis(),
                TimeUnit.MILLISECONDS);
      } catch (KubernetesClientException | IllegalArgumentException e) {
        throw new IllegalStateException(
            "kube-controller-manager did not create ServiceAccount default/default and aggregate"
                + " ClusterRole admin within "
                + options.startTimeout
                + ": "
                + e.getMessage()
                + "\n"
                + kcm.describe(),
            e);
      }
    }

    /**
     * Waits until {@code uri} answers 200 (true). False when the process exited because its port
     * was taken meanwhile (it is forgotten; the caller retries on other ports, at most {@value
     * #PORT_ATTEMPTS} times); any other exit or the deadline fails.
     */
    private boolean awaitHttp200(ManagedProcess process, HttpClient http, URI uri, int attempt) {
      String last = "no answer yet";
      while (true) {
        if (!process.isAlive()) {
          if (attempt < PORT_ATTEMPTS && process.exitedOnPortInUse()) {
            LOG.warn(
                "{} lost its port to another process, retrying on another one", process.name());
            processes.remove(process);
            writePids();
            return false;
          }
          throw new IllegalStateException(
              process.name() + " exited before " + uri + " answered 200\n" + process.describe());
        }
        try {
          HttpResponse<String> response =
              http.send(
                  HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
                  HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() == 200) {
            return true;
          }
          last = response.statusCode() + " " + response.body();
        } catch (IOException e) {
          last = e.toString();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for " + uri, e);
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              process.name()
                  + " not ready: "
                  + uri
                  + " did not answer 200 within "
                  + options.startTimeout
                  + " (last: "
                  + last
                  + ")\n"
                  + process.describe());
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for " + uri, e);
        }
      }
    }

    private Duration remaining() {
      return Duration.ofNanos(Math.max(1_000_000_000L, deadline - System.nanoTime()));
    }

    private void writePids() {
      StringBuilder pids =
          new StringBuilder("control-plane ").append(ProcessHandle.current().pid()).append('\n');
      processes.forEach(p -> pids.append(p.name()).append(' ').append(p.pid()).append('\n'));
      try {
        Files.writeString(dir.resolve("pids"), pids.toString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void abort() {
      if (adminClient != null) {
        adminClient.close();
      }
      stopProcesses(processes);
      if (vertx != null && options.vertx == null) {
        vertx.close();
      }
      if (shutdownHook != null) {
        try {
          Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
          // already running
        }
      }
      if (dir != null) {
        deleteQuietly(dir.resolve("pids"));
      }
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code n} distinct loopback ports that are free now (all held open together while picked). The
   * binary binds them later, so it may still lose one: see {@link
   * ManagedProcess#exitedOnPortInUse()}.
   */
  static int[] freePorts(int n) {
    List<ServerSocket> sockets = new java.util.ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket socket = new ServerSocket();
        sockets.add(socket);
        socket.setReuseAddress(false);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException e) {
          LOG.debug("cannot close {}", socket, e);
        }
      }
    }
  }

  private static HttpClient trusting(String caPem) {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry(
          "ca",
          CertificateFactory.getInstance("X.509")
              .generateCertificate(
                  new ByteArrayInputStream(caPem.getBytes(StandardCharsets.UTF_8))));
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      return HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .sslContext(ssl)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot trust the control-plane CA", e);
    }
  }

  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.debug("cannot delete {}", file, e);
    }
  }

  public static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(ControlPlane::deleteQuietly);
    } catch (IOException e) {
      LOG.debug("cannot delete {}", root, e);
    }
  }
}
