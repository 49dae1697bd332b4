package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.awaitServed;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.capsuleUser;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.kubectl;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.tenant;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.unique;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.namespaces.ServedNamespaces.Answer;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Invariant 1 through the real proxy: nothing about another tenant's namespaces leaks. */
@ExtendWith(ControlPlaneExtension.class)
class NamespaceLeaksIT {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";

  static ControlPlane cp;
  static ProxyInFront proxy;
  static KubeUser alice;
  static String mine;
  static String other;

  @BeforeAll
  static void fleet(ControlPlane controlPlane) {
    cp = controlPlane;
    proxy = ServedNamespaces.proxy(cp);
    String user = unique("alice");
    alice = capsuleUser(cp, user);
    String solar = unique("solar");
    String wind = unique("wind");
    mine = solar + "-dev";
    other = wind + "-dev";
    // the other tenant first: once the proxy's index shows alice hers (created later, in the one
    // ordered stream of namespace events), it holds the other tenant's namespace too, so the
    // tests below check that it is hidden, not that it has not arrived yet
    tenant(cp, wind, Owner.user(unique("bob")), other);
    tenant(cp, solar, Owner.user(user), mine, solar + "-prod");
    awaitServed(proxy, alice, "", mine, solar + "-prod");
  }

  private static Answer get(String uri, String accept) {
    return ServedNamespaces.get(cp, proxy, alice, uri, accept);
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void writesToAnotherTenantsNamespaceAreAnsweredLikeAMissingOneAndNeverApplied(String version) {
    Kubectl kubectl = kubectl(proxy, alice, version);
    String label = "leak-" + version.replace(".", "-") + "=yes";

    Kubectl.Result foreign = kubectl.run(BOUND, "label", "namespace", other, label);
    Kubectl.Result missing = kubectl.run(BOUND, "label", "namespace", "no-such-ns-zz", label);
    Kubectl.Result dryRun =
        kubectl.run(BOUND, "label", "namespace", other, label, "--dry-run=server");
    Kubectl.Result delete = kubectl.run(BOUND, "delete", "namespace", other, "--wait=false");
    Kubectl.Result own = kubectl.run(BOUND, "label", "namespace", mine, label);

    for (Kubectl.Result r : List.of(foreign, dryRun, delete)) {
      assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
      assertThat(r.stderr())
          .as("%s", r)
          .contains("Error from server (NotFound): namespaces \"" + other + "\" not found");
    }
    assertThat(foreign.stderr().replace(other, "X"))
        .isEqualTo(missing.stderr().replace("no-such-ns-zz", "X"));
    assertThat(own.exitCode()).as("%s", own).isZero();
    var theirs = cp.adminClient().namespaces().withName(other).get();
    assertThat(theirs.getMetadata().getDeletionTimestamp()).isNull();
    assertThat(theirs.getMetadata().getLabels()).doesNotContainKey(label.split("=")[0]);
    assertThat(cp.adminClient().namespaces().withName(mine).get().getMetadata().getLabels())
        .containsEntry(label.split("=")[0], "yes");
  }

  @Test
  void selectorsNeverRevealAnotherTenantsNamespaces() {
    Kubectl kubectl = kubectl(proxy, alice, "1.33");
    for (String[] args :
        new String[][] {
          {"-l", "env!=nothing"},
          {"-l", "kubernetes.io/metadata.name notin (" + mine + ")"},
          {"-l", "kubernetes.io/metadata.name=" + other},
          {"--field-selector", "metadata.name!=" + mine},
          {"--field-selector", "metadata.name=" + other},
          {"--field-selector", "status.phase=Active"},
        }) {
      Kubectl.Result r = kubectl.run(BOUND, "get", "namespaces", args[0], args[1], "-o", "name");
      assertThat(r.exitCode()).as("%s", r).isZero();
      assertThat(r.stdout() + r.stderr())
          .as("%s", r)
          .doesNotContain(other)
          .doesNotContain("kube-system");
    }
  }

  @Test
  void getOfAnotherTenantsNamespaceIsIdenticalToAMissingOne() {
    Answer theirs = get("/api/v1/namespaces/" + other, null);
    Answer missing = get("/api/v1/namespaces/" + unique("missing"), null);
    assertThat(theirs.status()).isEqualTo(404).isEqualTo(missing.status());
    JsonObject a = new JsonObject(theirs.body());
    JsonObject b = new JsonObject(missing.body());
    assertThat(a.getString("message")).isEqualTo("namespaces \"" + other + "\" not found");
    a.remove("message");
    b.remove("message");
    a.getJsonObject("details").remove("name");
    b.getJsonObject("details").remove("name");
    assertThat(a).isEqualTo(b);
    Kubectl.Result r = kubectl(proxy, alice, "1.27").run(BOUND, "get", "namespace", other);
    assertThat(r.stderr().strip())
        .isEqualTo("Error from server (NotFound): namespaces \"" + other + "\" not found");
  }

  @Test
  void continueTokensAndListMetadataRevealNothingElse() {
    Answer page = get("/api/v1/namespaces?limit=1", null);
    assertThat(page.status()).isEqualTo(200);
    JsonObject list = new JsonObject(page.body());
    assertThat(list.getJsonObject("metadata").containsKey("remainingItemCount")).isFalse();
    String token = list.getJsonObject("metadata").getString("continue");
    assertThat(token).isNotNull();
    String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    assertThat(decoded).contains(mine).doesNotContain(other);
    Answer next = get("/api/v1/namespaces?limit=5&continue=" + token, null);
    assertThat(next.body()).doesNotContain(other).doesNotContain("kube-system");
    assertThat(new JsonObject(next.body()).getJsonObject("metadata").containsKey("continue"))
        .isFalse();
  }

  @Test
  void oldResourceVersionsGetExpiredNotHistory() {
    Answer watch = get("/api/v1/namespaces?watch=true&resourceVersion=1&timeoutSeconds=5", null);
    assertThat(watch.status()).isEqualTo(200);
    JsonObject event = new JsonObject(watch.body().lines().findFirst().orElseThrow());
    assertThat(event.getString("type")).isEqualTo("ERROR");
    assertThat(event.getJsonObject("object").getInteger("code")).isEqualTo(410);
    assertThat(watch.body()).doesNotContain(other);
  }

  @Test
  void tableRowsWithWholeObjectsCarryOnlyOwnNamespaces() {
    Answer table = get("/api/v1/namespaces?includeObject=Object", TABLE);
    assertThat(table.status()).isEqualTo(200);
    assertThat(new JsonObject(table.body()).getJsonArray("rows")).hasSize(2);
    assertThat(table.body()).contains(mine).doesNotContain(other).doesNotContain("kube-system");
  }

  @Test
  void protobufOnlyClientsGetNotAcceptableAndNothingElse() {
    Answer proto = get("/api/v1/namespaces", "application/vnd.kubernetes.protobuf");
    assertThat(proto.status()).isEqualTo(406);
    assertThat(new JsonObject(proto.body()).getString("reason")).isEqualTo("NotAcceptable");
    assertThat(proto.body()).doesNotContain(other).doesNotContain(mine);
    Answer both = get("/api/v1/namespaces", "application/vnd.kubernetes.protobuf,application/json");
    assertThat(both.status()).isEqualTo(200);
    assertThat(both.body()).contains(mine).doesNotContain(other);
  }
}
