package dev.tenantproxy.e2e.chart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.Helm;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The identity charts/tenant-proxy gives the proxy: its ServiceAccount, ClusterRole and
 * ClusterRoleBinding as the pinned helm renders them, applied to a control plane, and a token for
 * that ServiceAccount. {@link ChartRbacProofIT} proves the rules with it; {@code
 * PassThroughBenchIT} ({@code -Dbench.proxy.identity=chart}) runs the proxy as the chart deploys
 * it, checked by RBAC rather than by the {@code system:masters} short-cut of the admin kubeconfig.
 */
public final class ChartIdentity {
  private ChartIdentity() {}

  /**
   * The chart's identity objects for {@code release} in {@code namespace}, as helm renders them
   * ({@code values}: more helm flags, e.g. {@code --set=clusterWrites.enabled=false}).
   */
  public static List<HasMetadata> render(
      ControlPlane cp, String release, String namespace, String... values) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--set=tls.existingSecret=unused",
                "--show-only=templates/serviceaccount.yaml",
                "--show-only=templates/rbac.yaml"));
    args.addAll(List.of(values));
    Helm.Result r = Helm.get().template(release, namespace, args.toArray(String[]::new));
    assertThat(r.exitCode()).as("%s", r).isZero();
    return cp.adminClient()
        .load(new ByteArrayInputStream(r.stdout().getBytes(StandardCharsets.UTF_8)))
        .items();
  }

  /**
   * Creates the namespace {@code <release>-system}, applies the chart's identity in it (without the
   * ClusterRole rule at {@code dropRule}, when >= 0) and mints a token for its ServiceAccount
   * (TokenRequest).
   *
   * @return the ServiceAccount user; its kubeconfig holds only that token
   */
  public static KubeUser apply(ControlPlane cp, String release, int dropRule, String... values) {
    String ns = release + "-system";
    cp.adminClient()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    String serviceAccount = null;
    for (HasMetadata object : render(cp, release, ns, values)) {
      if (object instanceof ClusterRole role && dropRule >= 0) {
        List<PolicyRule> rules = new ArrayList<>(role.getRules());
        assertThat(dropRule).isLessThan(rules.size());
        rules.remove(dropRule);
        object = new ClusterRoleBuilder(role).withRules(rules).build();
      }
      if ("ServiceAccount".equals(object.getKind())) {
        serviceAccount = object.getMetadata().getName();
      }
      cp.adminClient().resource(object).create();
    }
    assertThat(serviceAccount).isEqualTo(release + "-tenant-proxy");
    return cp.users().serviceAccountToken(ns, serviceAccount);
  }
}
