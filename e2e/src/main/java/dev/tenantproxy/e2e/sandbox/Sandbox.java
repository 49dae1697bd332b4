package dev.tenantproxy.e2e.sandbox;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneCommand;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.process.BackgroundJvm;
import dev.tenantproxy.proxy.upstream.UpstreamCredentials;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/tenant-proxy sandbox}: a real control plane, tenant-proxy in front of it and sample
 * tenants, for newcomers and scripts. Contract (stable):
 *
 * <ul>
 *   <li>{@code sandbox --dir DIR} runs in the foreground until Ctrl-C; {@code --detach} returns
 *       once ready (the sandbox keeps running in the background, log in {@code DIR/sandbox.log});
 *   <li>writes {@code DIR/admin.kubeconfig} (cluster-admin, straight to the API server), {@code
 *       DIR/users/<name>.kubeconfig} (through the proxy), {@code
 *       DIR/users/<name>.direct.kubeconfig} (same credentials, straight to the API server), and
 *       {@code DIR/ready} (the proxy URL) when everything serves;
 *   <li>{@code sandbox user --dir DIR --name NAME [--group G]...} mints one more client-certificate
 *       user (both kubeconfigs);
 *   <li>{@code sandbox down --dir DIR} stops everything.
 * </ul>
 *
 * Sample tenants: {@code solar} (owner User {@code alice}; namespaces {@code solar-dev}, {@code
 * solar-prod}) and {@code wind} (owner Group {@code wind-devs}, member {@code bob}; namespace
 * {@code wind-dev}); alice and bob are Capsule users through CapsuleConfiguration {@code default}.
 */
@Command(
    name = "sandbox",
    mixinStandardHelpOptions = true,
    description =
        "A local control plane with tenant-proxy in front and sample tenants (solar: alice; wind:"
            + " group wind-devs with bob).",
    subcommands = {Sandbox.User.class, Sandbox.Down.class})
public final class Sandbox implements Callable<Integer> {
  static final String READY = "ready";
  static final String PID = "sandbox.pid";
  static final String LOG = "sandbox.log";
  private static final Duration SERVED_BOUND = Duration.ofMinutes(5);

  @Option(names = "--dir", description = "Where everything lives (required).")
  Path dir;

  @Option(names = "--detach", description = "Return once ready; the sandbox keeps running.")
  boolean detach;

  @Option(
      names = "--timeout",
      defaultValue = "30m",
      description = "Start-up bound with --detach (a first run builds the control plane).")
  String timeout;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Sandbox()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (dir == null) {
      System.err.println(
          "--dir is required: give the directory for the sandbox, e.g. --dir /tmp/sandbox");
      return 2;
    }
    dir = dir.toAbsolutePath();
    Optional<ProcessHandle> running = running(dir);
    if (running.isPresent()) {
      System.err.println(
          "a sandbox already runs from " + dir + " (pid " + running.get().pid() + ")");
      return 1;
    }
    Files.createDirectories(dir);
    Files.deleteIfExists(dir.resolve(READY));
    return detach ? detach() : runForeground();
  }

  private int detach() throws IOException, InterruptedException {
    Path log = dir.resolve(LOG);
    Process process = BackgroundJvm.start(Sandbox.class, List.of("--dir", dir.toString()), log);
    System.err.println("starting the sandbox in the background (log: " + log + ") ...");
    switch (BackgroundJvm.awaitReady(
        process, dir.resolve(READY), dev.tenantproxy.proxy.config.Durations.parse(timeout))) {
      case EXITED -> {
        System.err.println("the sandbox failed to start; see " + log);
        return 1;
      }
      case TIMED_OUT -> {
        System.err.println("the sandbox is not ready after " + timeout + "; see " + log);
        return 1;
      }
      case READY -> {}
    }
    printNextSteps(System.out, dir, Files.readString(dir.resolve(READY)).strip());
    return 0;
  }

  private int runForeground() throws Exception {
    Files.writeString(dir.resolve(PID), ProcessHandle.current().pid() + "\n");
    ControlPlane cp = ControlPlane.builder().directory(dir.resolve("control-plane")).start();
    ProxyInFront proxy;
    try {
      proxy = ProxyInFront.start(cp, dir.resolve("proxy"), true);
    } catch (RuntimeException e) {
      cp.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  deleteQuietly(dir.resolve(READY));
                  proxy.close();
                  cp.close();
                  deleteQuietly(dir.resolve(PID));
                  stopped.countDown();
                },
                "sandbox-shutdown"));
    Files.copy(
        cp.adminKubeconfig(), dir.resolve("admin.kubeconfig"), StandardCopyOption.REPLACE_EXISTING);
    Capsule capsule = cp.capsule();
    capsule.addCapsuleUsers(Owner.user("alice"), Owner.user("bob"), Owner.group("wind-devs"));
    capsule.createTenant("solar", Owner.user("alice"));
    capsule.createNamespace("solar", "solar-dev");
    capsule.createNamespace("solar", "solar-prod");
    capsule.createTenant("wind", Owner.group("wind-devs"));
    capsule.createNamespace("wind", "wind-dev");
    KubeUser alice = cp.users().certificate("alice");
    KubeUser bob = cp.users().certificate("bob", "wind-devs");
    for (KubeUser u : List.of(alice, bob)) {
      writeUser(dir, u.name(), u.kubeconfig(), proxy.url(), proxy.caPem());
    }
    // the proxy serves namespaces from its index, which follows the API server a moment later
    // (longer on a busy machine): "ready" only once it shows the sample tenants
    awaitServed(proxy, alice, List.of("solar-dev", "solar-prod"));
    awaitServed(proxy, bob, List.of("wind-dev"));
    Files.writeString(dir.resolve(READY), proxy.url() + "\n");
    printNextSteps(System.out, dir, proxy.url());
    System.out.flush();
    stopped.await();
    return 0;
  }

  /** Waits until {@code user}'s namespace list through the proxy holds {@code namespaces}. */
  static void awaitServed(ProxyInFront proxy, KubeUser user, List<String> namespaces)
      throws InterruptedException {
    HttpClient client =
        HttpClient.newBuilder()
            .sslContext(JdkTls.forUser(user, proxy.caPem()))
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    HttpRequest list =
        HttpRequest.newBuilder(URI.create(proxy.url() + "/api/v1/namespaces"))
            .timeout(Duration.ofSeconds(30))
            .build();
    long deadline = System.nanoTime() + SERVED_BOUND.toNanos();
    String last = "no answer yet";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = client.send(list, HttpResponse.BodyHandlers.ofString());
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == 200) {
          List<String> names = new ArrayList<>();
          JsonArray items = new JsonObject(r.body()).getJsonArray("items");
          for (int i = 0; i < items.size(); i++) {
            names.add(items.getJsonObject(i).getJsonObject("metadata").getString("name"));
          }
          if (names.containsAll(namespaces)) {
            return;
          }
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(100); // polling the proxy; there is no event to wait on from here
    }
    throw new IllegalStateException(
        "the proxy does not show "
            + user.name()
            + " "
            + namespaces
            + " within "
            + SERVED_BOUND
            + " (last answer: "
            + last
            + ")");
  }

  /** Writes DIR/users/NAME.kubeconfig (through the proxy) and NAME.direct.kubeconfig. */
  static void writeUser(Path dir, String name, Path direct, String proxyUrl, String proxyCaPem)
      throws IOException {
    Path users = Files.createDirectories(dir.resolve("users"));
    Files.copy(
        direct, users.resolve(name + ".direct.kubeconfig"), StandardCopyOption.REPLACE_EXISTING);
    UpstreamCredentials creds = UpstreamCredentials.fromKubeconfig(direct, null);
    Base64.Encoder b64 = Base64.getEncoder();
    String yaml =
        "apiVersion: v1\nkind: Config\nclusters:\n- name: tenant-proxy\n  cluster:\n    server: "
            + proxyUrl
            + "\n    certificate-authority-data: "
            + b64.encodeToString(proxyCaPem.getBytes(StandardCharsets.US_ASCII))
            + "\nusers:\n- name: "
            + name
            + "\n  user:\n"
            + (creds.clientCertPem() != null
                ? "    client-certificate-data: "
                    + b64.encodeToString(creds.clientCertPem().getBytes())
                    + "\n    client-key-data: "
                    + b64.encodeToString(creds.clientKeyPem().getBytes())
                    + "\n"
                : "    token: " + creds.token() + "\n")
            + "contexts:\n- name: tenant-proxy\n  context:\n    cluster: tenant-proxy\n    user: "
            + name
            + "\ncurrent-context: tenant-proxy\n";
    ProxyInFront.write(users.resolve(name + ".kubeconfig"), yaml);
  }

  static void printNextSteps(PrintStream out, Path dir, String proxyUrl) {
    Path users = dir.resolve("users");
    out.println("tenant-proxy sandbox is ready: proxy at " + proxyUrl);
    out.println(
        "  tenants: solar (owner alice: solar-dev, solar-prod), wind (group wind-devs, bob: wind-dev)");
    out.println("try:");
    out.println("  kubectl --kubeconfig " + users.resolve("alice.kubeconfig") + " get namespaces");
    out.println(
        "  kubectl --kubeconfig "
            + users.resolve("alice.direct.kubeconfig")
            + " get namespaces   # straight to the API server: Forbidden");
    out.println(
        "  kubectl --kubeconfig "
            + users.resolve("bob.kubeconfig")
            + " get configmaps -n wind-dev");
    out.println(
        "  kubectl --kubeconfig "
            + users.resolve("alice.kubeconfig")
            + " create configmap hello -n solar-dev --from-literal=a=b");
    out.println("  kubectl --kubeconfig " + dir.resolve("admin.kubeconfig") + " get tenants");
    out.println("  bin/tenant-proxy sandbox user --dir " + dir + " --name carol --group wind-devs");
    out.println("  bin/tenant-proxy sandbox down --dir " + dir);
  }

  static Optional<ProcessHandle> running(Path dir) {
    Path pid = dir.resolve(PID);
    if (!Files.exists(pid)) {
      return Optional.empty();
    }
    try {
      return BackgroundJvm.alive(Long.parseLong(Files.readString(pid).strip()), "java");
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // best effort at shutdown
    }
  }

  /** {@code sandbox user}: one more client-certificate user. */
  @Command(
      name = "user",
      mixinStandardHelpOptions = true,
      description = "Mint one more client-certificate user.")
  static final class User implements Callable<Integer> {
    @Option(names = "--dir", required = true)
    Path dir;

    @Option(names = "--name", required = true)
    String name;

    @Option(names = "--group", description = "Group (certificate O); repeatable.")
    List<String> groups = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      dir = dir.toAbsolutePath();
      if (!Files.exists(dir.resolve(READY))) {
        System.err.println("no sandbox is ready in " + dir + " (no " + READY + " file)");
        return 1;
      }
      List<String> args =
          new ArrayList<>(List.of("user", dir.resolve("control-plane").toString(), name));
      args.addAll(groups);
      int code = new CommandLine(new ControlPlaneCommand()).execute(args.toArray(new String[0]));
      if (code != 0) {
        return code;
      }
      Path direct = dir.resolve("control-plane").resolve("users").resolve(name + ".kubeconfig");
      String proxyCa = Files.readString(dir.resolve("proxy").resolve("pki").resolve("ca.crt"));
      writeUser(dir, name, direct, Files.readString(dir.resolve(READY)).strip(), proxyCa);
      System.out.println(dir.resolve("users").resolve(name + ".kubeconfig"));
      System.out.println(dir.resolve("users").resolve(name + ".direct.kubeconfig"));
      return 0;
    }
  }

  /** {@code sandbox down}: stops the sandbox started from DIR. */
  @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop the sandbox.")
  static final class Down implements Callable<Integer> {
    @Option(names = "--dir", required = true)
    Path dir;

    @Override
    public Integer call() throws Exception {
      dir = dir.toAbsolutePath();
      Optional<ProcessHandle> sandbox = running(dir);
      sandbox.ifPresent(p -> BackgroundJvm.stop(p, Duration.ofSeconds(60)));
      // leftovers (e.g. after a SIGKILL): the control plane's own recorded processes
      if (Files.isDirectory(dir.resolve("control-plane"))) {
        new CommandLine(new ControlPlaneCommand())
            .execute("down", dir.resolve("control-plane").toString());
      }
      Files.deleteIfExists(dir.resolve(READY));
      Files.deleteIfExists(dir.resolve(PID));
      System.out.println(
          sandbox.isPresent()
              ? "sandbox in " + dir + " stopped"
              : "no sandbox running from " + dir);
      return 0;
    }
  }
}
