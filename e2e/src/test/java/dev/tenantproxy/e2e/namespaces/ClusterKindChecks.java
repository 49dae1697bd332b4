package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.BOUND;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import java.util.List;

/**
 * The checks every served cluster-scoped kind's end-to-end test makes the same way, with kubectl as
 * a user runs it: what the caller may not see is indistinguishable from what does not exist, a
 * caller its rules grant nothing gets the API server's own answer, and access reviews agree with
 * what is served.
 */
final class ClusterKindChecks {
  private ClusterKindChecks() {}

  /** A get of each hidden name fails exactly like a get of a name that does not exist. */
  static void hiddenLikeMissing(Kubectl kubectl, String resource, List<String> hidden) {
    String absent = "no-such-" + resource.replaceAll("[^a-z]", "");
    Kubectl.Result missing = kubectl.run(BOUND, "get", resource, absent);
    for (String name : hidden) {
      Kubectl.Result r = kubectl.run(BOUND, "get", resource, name);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.stderr().replace(name, "X"))
          .isEqualTo(missing.stderr().replace(absent, "X"))
          .contains("NotFound");
    }
  }

  /**
   * A list by a caller the rules grant nothing gets exactly the API server's answer (403) through
   * the proxy; returns that answer for further checks.
   */
  static Kubectl.Result ungrantedGetsTheApiServersAnswer(
      ProxyInFront proxy, KubeUser user, String version, String resource) {
    Kubectl.Result through =
        ServedNamespaces.kubectl(proxy, user, version).run(BOUND, "get", resource);
    Kubectl.Result direct = Kubectl.version(version, user.kubeconfig()).run(BOUND, "get", resource);
    assertThat(through.exitCode()).as(through.toString()).isEqualTo(1);
    assertThat(through.stderr()).contains("Forbidden").isEqualTo(direct.stderr());
    return through;
  }

  /** {@code kubectl auth can-i list}: yes for the granted caller, the API server's no otherwise. */
  static void accessReviewsAgree(
      Kubectl granted, ProxyInFront proxy, KubeUser ungranted, String version, String resource) {
    assertThat(granted.run(BOUND, "auth", "can-i", "list", resource).stdout().strip())
        .isEqualTo("yes");
    assertThat(
            ServedNamespaces.kubectl(proxy, ungranted, version)
                .run(BOUND, "auth", "can-i", "list", resource)
                .stdout()
                .strip())
        .isEqualTo("no");
  }
}
