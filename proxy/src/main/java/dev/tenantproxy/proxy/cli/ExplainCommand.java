package dev.tenantproxy.proxy.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.ConsoleAppender;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.visibility.ClusterKind;
import dev.tenantproxy.filters.visibility.ClusterVisibility;
import dev.tenantproxy.proxy.explain.ExplainJson;
import dev.tenantproxy.proxy.explain.ExplainKind;
import dev.tenantproxy.proxy.explain.ExplainText;
import dev.tenantproxy.proxy.explain.Explainer;
import dev.tenantproxy.proxy.explain.Explanation;
import dev.tenantproxy.proxy.explain.LiveCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tenant-proxy explain}: what a user sees of each cluster-scoped kind through the proxy and
 * why, or why one named object is or is not visible. Reads the cluster with the given kubeconfig
 * (an admin's: it lists every object of the kinds and the Capsule objects).
 */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    description = {
      "Explain what a user sees of each cluster-scoped kind through tenant-proxy, and why"
          + " (tenant, nodeSelector, allowed classes, grants, ProxySetting and GlobalProxySettings"
          + " rules); or, given KIND/NAME, why that object is or is not visible.",
      "Examples:",
      "  tenant-proxy explain --kubeconfig admin.kubeconfig --user alice --group projectcapsule.dev",
      "  tenant-proxy explain --kubeconfig admin.kubeconfig --user alice --group projectcapsule.dev"
          + " nodes/node-3",
      "  tenant-proxy explain ... --user alice storageclasses -o json"
    })
public final class ExplainCommand implements Callable<Integer> {

  enum Output {
    text,
    json
  }

  @Option(
      names = "--kubeconfig",
      defaultValue = "${env:TENANT_PROXY_KUBECONFIG}",
      description =
          "Credentials that may list the kinds and the Capsule objects; unset = in-cluster.")
  Path kubeconfig;

  @Option(
      names = "--context",
      defaultValue = "${env:TENANT_PROXY_CONTEXT}",
      description = "kubeconfig context (default: the current context).")
  String context;

  @Option(names = "--user", required = true, description = "The user name, as the proxy sees it.")
  String user;

  @Option(
      names = "--group",
      description = "A group of the user (repeat for several); exactly these groups are used.")
  List<String> groups = new ArrayList<>();

  @Option(
      names = {"-o", "--output"},
      defaultValue = "text",
      description = "text (default) or json.")
  Output output;

  @Option(
      names = "--timeout",
      converter = DurationConverter.class,
      defaultValue = "30s",
      description = "How long to wait for the tenancy index to sync (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Parameters(
      arity = "0..1",
      paramLabel = "KIND[/NAME]",
      description =
          "Only this kind (nodes, storageclasses/sc, ingressclasses, priorityclasses/pc,"
              + " runtimeclasses, persistentvolumes/pv, tenants), or why KIND/NAME is (not)"
              + " visible. Default: every kind.")
  String target;

  @Override
  public Integer call() throws Exception {
    logToStderr();
    String typedKind = null;
    String name = null;
    if (target != null) {
      String[] parts = target.split("/", 2);
      typedKind = parts[0];
      name = parts.length > 1 && !parts[1].isEmpty() ? parts[1] : null;
    }
    Caller caller = new Caller(user, "", groups, Map.of());
    Explanation explanation;
    LiveCluster connected;
    try {
      connected = LiveCluster.connect(kubeconfig, context, timeout);
    } catch (Exception e) {
      System.err.println(
          "cannot read the cluster"
              + (kubeconfig == null ? " (in-cluster)" : " with --kubeconfig " + kubeconfig)
              + ": "
              + e
              + "\ncheck --kubeconfig / --context, and that these credentials may list the Capsule"
              + " objects (tenants, namespaces, capsuleconfigurations) within --timeout "
              + timeout.toMillis()
              + "ms");
      return 1;
    }
    try (LiveCluster cluster = connected) {
      ExplainKind only = null;
      if (typedKind != null) {
        only = kindNamed(cluster, typedKind);
        if (only == null) {
          System.err.println(
              "unknown kind "
                  + typedKind
                  + ": give one of nodes, storageclasses, ingressclasses, priorityclasses,"
                  + " runtimeclasses, persistentvolumes, tenants, or RESOURCE.GROUP of a"
                  + " cluster-scoped kind the API server serves (e.g. widgets.example.com)");
          return 2;
        }
      }
      if (name != null) {
        explanation =
            Explainer.explainObject(
                cluster.snapshot(), caller, only, name, cluster.get(only, name));
      } else {
        List<Explainer.KindObjects> kinds = new ArrayList<>();
        List<ExplainKind> listed = new ArrayList<>();
        if (only != null) {
          listed.add(only);
        } else {
          listed.addAll(ExplainKind.BUILT_IN);
          // and the kinds the caller's ProxySetting / GlobalProxySettings rules name
          for (ClusterKind k : ClusterVisibility.kindsNamedByRules(cluster.snapshot(), caller)) {
            ExplainKind found = cluster.discover(k);
            listed.add(found != null ? found : new ExplainKind(k, "?", "?", List.of()));
          }
        }
        for (ExplainKind k : listed) {
          kinds.add(
              k.version().equals("?")
                  ? new Explainer.KindObjects(
                      k, List.of(), "the API server does not serve " + k.displayName())
                  : cluster.list(k));
        }
        explanation = Explainer.explain(cluster.snapshot(), caller, kinds);
      }
    }
    System.out.print(
        output == Output.json ? ExplainJson.render(explanation) : ExplainText.render(explanation));
    System.out.flush();
    return 0;
  }

  /**
   * A built-in kind by any of its names, else a cluster-scoped {@code resource.group} found by
   * discovery; {@code null} when neither.
   */
  private static ExplainKind kindNamed(LiveCluster cluster, String typed) {
    Optional<ExplainKind> builtIn = ExplainKind.byName(typed);
    if (builtIn.isPresent()) {
      return builtIn.get();
    }
    int dot = typed.indexOf('.');
    ClusterKind kind =
        dot < 0
            ? ClusterKind.of("", typed)
            : ClusterKind.of(typed.substring(dot + 1), typed.substring(0, dot));
    return cluster.discover(kind);
  }

  /** Logs go to stderr (warnings only), so stdout is exactly the explanation (-o json). */
  private static void logToStderr() {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return;
    }
    ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(ctx);
    encoder.setPattern("%level %logger{30} - %msg%n");
    encoder.start();
    ConsoleAppender<ch.qos.logback.classic.spi.ILoggingEvent> err = new ConsoleAppender<>();
    err.setContext(ctx);
    err.setTarget("System.err");
    err.setEncoder(encoder);
    err.start();
    root.addAppender(err);
    root.setLevel(Level.WARN);
  }
}
