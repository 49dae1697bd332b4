package dev.tenantproxy.e2e.controlplane;

import ch.qos.logback.classic.Level;
import dev.tenantproxy.e2e.process.BackgroundJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code e2e/bin/control-plane up|user|down DIR}: a control plane for people and scripts.
 *
 * <ul>
 *   <li>{@code up DIR}: starts it in the background (a detached JVM, output in {@code DIR/logs}),
 *       returns once {@code DIR/ready} exists; {@code DIR/admin.kubeconfig} is a cluster admin.
 *   <li>{@code user DIR NAME [GROUP...]}: writes {@code DIR/users/NAME.kubeconfig}, a client
 *       certificate (CN = NAME, O = GROUPs) straight to the API server.
 *   <li>{@code down DIR}: stops every process recorded in {@code DIR/pids}.
 * </ul>
 */
@Command(
    name = "control-plane",
    mixinStandardHelpOptions = true,
    description =
        "A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager).",
    subcommands = {
      ControlPlaneCommand.Up.class,
      ControlPlaneCommand.Serve.class,
      ControlPlaneCommand.User.class,
      ControlPlaneCommand.Down.class
    })
public final class ControlPlaneCommand {

  private static final String READY = "ready";
  private static final String PIDS = "pids";

  public static void main(String[] args) {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(Level.INFO);
    System.exit(new CommandLine(new ControlPlaneCommand()).execute(args));
  }

  @Command(name = "up", description = "Start in the background; returns when DIR/ready exists.")
  static final class Up implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR")
    Path dir;

    @Option(names = "--timeout", defaultValue = "PT5M", description = "Start-up bound (ISO-8601).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
      dir = dir.toAbsolutePath();
      Optional<ProcessHandle> running = recorded(dir, "control-plane");
      if (running.isPresent()) {
        System.err.println(
            "a control plane is already running from "
                + dir
                + " (pid "
                + running.get().pid()
                + ")");
        return 1;
      }
      Path bin = Binaries.locate(); // in the foreground, so a cold build's progress is visible
      Files.createDirectories(dir.resolve("logs"));
      Files.deleteIfExists(dir.resolve(READY));
      Path log = dir.resolve("logs").resolve("control-plane.log");
      Process process =
          BackgroundJvm.start(
              ControlPlaneCommand.class,
              List.of("serve", "--binaries=" + bin, dir.toString()),
              log);
      switch (BackgroundJvm.awaitReady(process, dir.resolve(READY), timeout)) {
        case EXITED -> {
          System.err.println(
              "the control plane failed to start; " + log + ":\n" + BackgroundJvm.tail(log, 40));
          return 1;
        }
        case TIMED_OUT -> {
          System.err.println(
              "the control plane is not ready after "
                  + timeout
                  + "; "
                  + log
                  + ":\n"
                  + BackgroundJvm.tail(log, 40));
          return 1;
        }
        case READY -> {}
      }
      String url = Files.readString(dir.resolve(READY)).strip();
      System.out.println("control plane serving at " + url);
      System.out.println("  export KUBECONFIG=" + dir.resolve("admin.kubeconfig"));
      System.out.println(
          "  e2e/bin/control-plane user " + dir + " alice " + Capsule.CAPSULE_USERS_GROUP);
      System.out.println("  e2e/bin/control-plane down " + dir);
      return 0;
    }
  }

  @Command(name = "serve", hidden = true, description = "Run in the foreground until SIGTERM.")
  static final class Serve implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR")
    Path dir;

    @Option(names = "--binaries")
    Path binaries;

    @Override
    public Integer call() throws Exception {
      ControlPlane cp =
          ControlPlane.builder().directory(dir.toAbsolutePath()).binaries(binaries).start();
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    cp.close();
                    stopped.countDown();
                  },
                  "control-plane-serve-shutdown"));
      System.out.println(
          "control plane serving at " + cp.apiServerUrl() + " from " + cp.directory());
      stopped.await();
      return 0;
    }
  }

  @Command(
      name = "user",
      description = "Write DIR/users/NAME.kubeconfig (client cert, O = groups).")
  static final class User implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR")
    Path dir;

    @Parameters(index = "1", paramLabel = "NAME")
    String name;

    @Parameters(index = "2..*", paramLabel = "GROUP")
    List<String> groups = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      dir = dir.toAbsolutePath();
      if (!Files.exists(dir.resolve(READY))) {
        System.err.println("no control plane is up in " + dir + " (no " + READY + " file)");
        return 1;
      }
      String url = Files.readString(dir.resolve(READY)).strip();
      KubeUser user = Users.certificate(dir, url, Pki.load(dir.resolve("pki")), name, groups);
      System.out.println(user.kubeconfig());
      return 0;
    }
  }

  @Command(name = "down", description = "Stop the control plane started with up DIR.")
  static final class Down implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR")
    Path dir;

    @Override
    public Integer call() throws Exception {
      dir = dir.toAbsolutePath();
      Optional<ProcessHandle> jvm = recorded(dir, "control-plane");
      List<ProcessHandle> children = new ArrayList<>();
      for (String name : Binaries.NAMES) {
        recorded(dir, name).ifPresent(children::add);
      }
      if (jvm.isEmpty() && children.isEmpty()) {
        Files.deleteIfExists(dir.resolve(READY));
        Files.deleteIfExists(dir.resolve(PIDS));
        System.out.println("no control plane running from " + dir);
        return 0;
      }
      // the JVM first: it stops its children itself; then whatever it left behind
      jvm.ifPresent(p -> BackgroundJvm.stop(p, Duration.ofSeconds(40)));
      children.stream()
          .filter(ProcessHandle::isAlive)
          .forEach(p -> BackgroundJvm.stop(p, Duration.ofSeconds(15)));
      Files.deleteIfExists(dir.resolve(READY));
      Files.deleteIfExists(dir.resolve(PIDS));
      System.out.println("control plane in " + dir + " stopped");
      return 0;
    }
  }

  /** A live process recorded in DIR/pids under {@code name}, whose command still matches. */
  static Optional<ProcessHandle> recorded(Path dir, String name) {
    Path pids = dir.resolve(PIDS);
    if (!Files.exists(pids)) {
      return Optional.empty();
    }
    try {
      for (String line : Files.readAllLines(pids)) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length == 2 && parts[0].equals(name)) {
          String expected = name.equals("control-plane") ? "java" : name;
          return BackgroundJvm.alive(Long.parseLong(parts[1]), expected);
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
