package dev.tenantproxy.e2e.chart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.Helm;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.proxy.cli.ServeCommand;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * charts/tenant-proxy with the pinned helm ({@code e2e/bin/build-helm}): lint, template with the
 * default values and with each optional feature on, every rendered object accepted by the real API
 * server ({@code kubectl apply --dry-run=server}), the values schema refusing typos, and every
 * {@code serve} flag reachable from values.
 */
@ExtendWith(ControlPlaneExtension.class)
class HelmChartIT {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final String EXISTING = "--set=tls.existingSecret=proxy-tls";

  @TempDir static Path dir;
  static ControlPlane cp;
  static Helm helm;
  static Kubectl admin;
  static String namespace;

  @BeforeAll
  static void start(ControlPlane controlPlane) throws IOException {
    cp = controlPlane;
    helm = Helm.get();
    admin = Kubectl.version("1.33", cp.adminKubeconfig());
    namespace = "chart-" + UUID.randomUUID().toString().substring(0, 6);
    ok(admin.run(BOUND, "create", "namespace", namespace));
    Path crds = dir.resolve("optional-crds.yaml");
    try (InputStream in = HelmChartIT.class.getResourceAsStream("/chart/optional-crds.yaml")) {
      Files.copy(in, crds);
    }
    ok(admin.run(BOUND, "apply", "-f", crds.toString()));
    ok(
        admin.run(
            BOUND,
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "crd/certificates.cert-manager.io",
            "crd/servicemonitors.monitoring.coreos.com"));
  }

  private static void ok(Kubectl.Result r) {
    assertThat(r.exitCode()).as("%s", r).isZero();
  }

  static Stream<Arguments> features() {
    return Stream.of(
        Arguments.of("default values (existing TLS Secret)", List.of(EXISTING), List.of()),
        Arguments.of(
            "TLS generated at install", List.of("--set=tls.mode=generate"), List.of("Secret")),
        Arguments.of(
            "TLS from cert-manager",
            List.of("--set=tls.mode=certManager", "--set=tls.certManager.issuerRef.name=ca"),
            List.of("Certificate")),
        Arguments.of(
            "ServiceMonitor",
            List.of(EXISTING, "--set=metrics.serviceMonitor.enabled=true"),
            List.of("ServiceMonitor")),
        Arguments.of(
            "Grafana dashboard",
            List.of(EXISTING, "--set=metrics.dashboard.enabled=true"),
            List.of("ConfigMap")),
        Arguments.of(
            "API Priority and Fairness",
            List.of(EXISTING, "--set=flowControl.enabled=true"),
            List.of("FlowSchema", "PriorityLevelConfiguration")),
        Arguments.of(
            "NetworkPolicy",
            List.of(
                EXISTING,
                "--set=networkPolicy.enabled=true",
                "--set-string=networkPolicy.opsFrom[0].namespaceSelector.matchLabels.monitoring=true"),
            List.of("NetworkPolicy")),
        Arguments.of(
            "HorizontalPodAutoscaler",
            List.of(EXISTING, "--set=autoscaling.enabled=true"),
            List.of("HorizontalPodAutoscaler", "PodDisruptionBudget")),
        Arguments.of(
            "rbac-sync",
            List.of(EXISTING, "--set=rbacSync.enabled=true", "--set=rbacSync.tenantObjects=true"),
            List.of("Role", "RoleBinding")),
        Arguments.of(
            "NodePort Service",
            List.of(EXISTING, "--set=service.type=NodePort", "--set=service.nodePort=30443"),
            List.of()),
        Arguments.of(
            "LoadBalancer Service, JVM options, one replica",
            List.of(
                EXISTING,
                "--set=service.type=LoadBalancer",
                "--set=service.loadBalancerSourceRanges[0]=10.0.0.0/8",
                "--set=jvmOptions=-XX:MaxRAMPercentage=75",
                "--set=replicaCount=1"),
            List.of()));
  }

  @Test
  void helmLintPassesForEveryTlsMode() {
    for (List<String> values :
        List.of(
            List.of(EXISTING),
            List.of("--set=tls.mode=generate"),
            List.of("--set=tls.mode=certManager", "--set=tls.certManager.issuerRef.name=ca"))) {
      String[] args =
          Stream.concat(Stream.of("lint", helm.chart().toString()), values.stream())
              .toArray(String[]::new);
      Helm.Result r = helm.run(BOUND, args);

      assertThat(r.exitCode()).as("%s\n%s", r, r.stdout()).isZero();
      assertThat(r.stdout()).contains("1 chart(s) linted, 0 chart(s) failed");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("features")
  void everyRenderedObjectIsAcceptedByTheRealApiServer(
      String feature, List<String> values, List<String> expectedKinds) throws IOException {
    // given
    Helm.Result rendered =
        helm.template("t" + Math.abs(feature.hashCode()), namespace, values.toArray(String[]::new));
    assertThat(rendered.exitCode()).as("%s", rendered).isZero();
    Set<String> kinds = kinds(rendered.stdout());
    assertThat(kinds)
        .contains("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment", "Service")
        .containsAll(expectedKinds);
    Path manifest =
        Files.writeString(dir.resolve(feature.replaceAll("\\W", "_") + ".yaml"), rendered.stdout());

    // when
    Kubectl.Result applied =
        admin.run(BOUND, "apply", "--dry-run=server", "-n", namespace, "-f", manifest.toString());

    // then: one "(server dry run)" line per rendered object, no error
    assertThat(applied.exitCode()).as("%s", applied).isZero();
    assertThat(applied.stdout().lines().filter(l -> l.endsWith("(server dry run)")).count())
        .as("%s", applied)
        .isEqualTo(rendered.stdout().lines().filter(l -> l.startsWith("kind: ")).count());
  }

  @Test
  void theDeploymentProbesTheOpsPortAndPassesEveryFlagFromValues() {
    Helm.Result r = helm.template("t", namespace, EXISTING, "--set=opsPort=9091");

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout())
        .contains("- --ops-port=9091", "containerPort: 9091", "path: /readyz", "path: /livez")
        .doesNotContain("scheme: HTTPS");
  }

  @Test
  void theValuesSchemaRejectsAMisspelledKey() {
    Helm.Result top = helm.template("t", namespace, EXISTING, "--set=replicaCont=3");
    Helm.Result nested = helm.template("t", namespace, EXISTING, "--set=config.tokenCacheTTL=1m");

    assertThat(top.exitCode()).isNotZero();
    assertThat(top.stderr()).contains("additional properties 'replicaCont' not allowed");
    assertThat(nested.exitCode()).isNotZero();
    assertThat(nested.stderr()).contains("additional properties 'tokenCacheTTL' not allowed");
  }

  @Test
  void theValuesSchemaRejectsAWrongType() {
    Helm.Result string = helm.template("t", namespace, EXISTING, "--set-string=replicaCount=three");
    Helm.Result duration =
        helm.template("t", namespace, EXISTING, "--set-string=config.watchBookmarkInterval=30");
    Helm.Result mode = helm.template("t", namespace, "--set=tls.mode=selfSigned");

    assertThat(string.exitCode()).isNotZero();
    assertThat(string.stderr()).contains("/replicaCount").contains("want integer");
    assertThat(duration.exitCode()).isNotZero();
    assertThat(duration.stderr()).contains("/config/watchBookmarkInterval");
    assertThat(mode.exitCode()).isNotZero();
    assertThat(mode.stderr()).contains("/tls/mode");
  }

  @Test
  void withoutATlsSourceTheInstallFailsNamingTheValue() {
    Helm.Result r = helm.template("t", namespace);

    assertThat(r.exitCode()).isNotZero();
    assertThat(r.stderr()).contains("tls.existingSecret is required with tls.mode=existingSecret");
  }

  @Test
  void everyServeFlagIsReachableFromValuesOneToOne() {
    // given: every option of `tenant-proxy serve` (its picocli model)
    Set<String> flags = new TreeSet<>();
    new CommandLine(new ServeCommand())
        .getCommandSpec()
        .options()
        .forEach(o -> flags.add(o.longestName()));
    // not for a pod: in-cluster credentials instead of a kubeconfig; picocli's own; the Lease
    // holder
    // identity defaults to the pod's host name
    flags.removeAll(
        Set.of("--kubeconfig", "--context", "--help", "--version", "--leader-election-identity"));

    // when: rendered with rbac-sync on and every list value non-empty
    Helm.Result r =
        helm.template(
            "t",
            namespace,
            EXISTING,
            "--set=rbacSync.enabled=true",
            "--set=rbacSync.tenantObjects=true",
            "--set=config.clientCaFile=/etc/ca/ca.crt",
            "--set=config.requestheaderClientCaFile=/etc/front/ca.crt",
            "--set=config.requestheaderAllowedNames[0]=front-proxy",
            "--set=config.proxyClientCertFile=/etc/proxy-client/tls.crt",
            "--set=config.proxyClientKeyFile=/etc/proxy-client/tls.key");
    assertThat(r.exitCode()).as("%s", r).isZero();
    Set<String> rendered = new TreeSet<>();
    Matcher m = Pattern.compile("- \"?(--[a-z0-9-]+)").matcher(r.stdout());
    while (m.find()) {
      rendered.add(m.group(1));
    }

    // then
    assertThat(rendered).containsAll(flags);
    assertThat(flags).containsAll(rendered);
  }

  static Set<String> kinds(String yaml) {
    Set<String> kinds = new TreeSet<>();
    Arrays.stream(yaml.split("\n"))
        .filter(l -> l.startsWith("kind: "))
        .forEach(l -> kinds.add(l.substring("kind: ".length()).trim()));
    return kinds;
  }
}
