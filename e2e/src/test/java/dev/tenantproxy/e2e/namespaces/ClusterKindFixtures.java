package dev.tenantproxy.e2e.namespaces;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the e2e tests of the cluster-scoped kinds the proxy serves share (storage classes,
 * persistent volumes): tenants with owner grants, kubectl results and tables, watch events, Table
 * column definitions straight from the API server.
 */
public final class ClusterKindFixtures {
  static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";

  private ClusterKindFixtures() {}

  /** An owner entry of {@code spec.owners} holding List grants of {@code kinds}. */
  static Map<String, Object> grantedOwner(String user, String... kinds) {
    Map<String, Object> owner = new LinkedHashMap<>(Owner.user(user).toMap());
    List<Object> grants = new ArrayList<>();
    for (String kind : kinds) {
      grants.add(Map.of("kind", kind, "operations", List.of("List")));
    }
    if (!grants.isEmpty()) {
      owner.put("proxySettings", grants);
    }
    return owner;
  }

  /**
   * An owner entry of {@code spec.owners} holding, per kind, the grants of the given operations
   * ({@code "StorageClasses", List.of("List", "Update")}, ...).
   */
  public static Map<String, Object> ownerWithGrants(String user, Map<String, List<String>> grants) {
    Map<String, Object> owner = new LinkedHashMap<>(Owner.user(user).toMap());
    List<Object> out = new ArrayList<>();
    grants.forEach((kind, ops) -> out.add(Map.of("kind", kind, "operations", ops)));
    if (!out.isEmpty()) {
      owner.put("proxySettings", out);
    }
    return owner;
  }

  /**
   * Creates a tenant with {@code spec.owners} = {@code owner} plus {@code more} spec fields (name,
   * value, name, value, ...).
   */
  public static void tenant(
      ControlPlane cp, String name, Map<String, Object> owner, Object... more) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("owners", List.of(owner));
    for (int i = 0; i < more.length; i += 2) {
      spec.put((String) more[i], more[i + 1]);
    }
    cp.capsule()
        .createTenant(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("capsule.clastix.io/v1beta2")
                .withKind("Tenant")
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", spec))
                .build());
  }

  /** Creates StorageClass {@code name} (provisioner {@code example.com/<name>}) as the admin. */
  public static void storageClass(ControlPlane cp, String name, Map<String, String> labels) {
    cp.adminClient()
        .storage()
        .v1()
        .storageClasses()
        .resource(
            new StorageClassBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .withProvisioner("example.com/" + name)
                .build())
        .create();
  }

  static Kubectl.Result ok(Kubectl.Result r) {
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return r;
  }

  /** A table's lines, cells split on runs of 2+ spaces, the AGE cells "*". */
  static List<List<String>> table(String stdout) {
    List<String> lines = stdout.strip().lines().toList();
    int age = List.of(lines.get(0).trim().split("\\s{2,}")).indexOf("AGE");
    List<List<String>> out = new ArrayList<>();
    for (String l : lines) {
      List<String> cells = new ArrayList<>(List.of(l.trim().split("\\s{2,}")));
      if (out.size() > 0 && age >= 0 && age < cells.size()) {
        cells.set(age, "*");
      }
      out.add(cells);
    }
    return out;
  }

  /** The lines of {@code kubectl get KIND -w --output-watch-events} as {@code EVENT NAME}. */
  public static List<String> events(Kubectl.Running watch) {
    List<String> events = new ArrayList<>();
    for (String l : watch.stdout().lines().toList()) {
      String[] cols = l.trim().split("\\s+");
      if (cols.length >= 2 && !cols[0].equals("EVENT")) {
        events.add(cols[0] + " " + cols[1]);
      }
    }
    return events;
  }

  /**
   * The column definitions (descriptions included) of the Table {@code caller} gets for {@code uri}
   * through the proxy (the admin is no Capsule user: its request passes through unchanged).
   */
  static Object columnDefinitions(ProxyInFront proxy, KubeUser caller, String uri) {
    var answer = ServedNamespaces.get(null, proxy, caller, uri, TABLE);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    return new JsonObject(answer.body()).getJsonArray("columnDefinitions");
  }

  /**
   * Pages through {@code caller}'s list at {@code uri} one item at a time ({@code limit=1}): every
   * page holds one item and no {@code remainingItemCount} (it would count hidden objects), and the
   * pages together are exactly {@code expected}, in order.
   */
  static void assertPagedExactly(
      ProxyInFront proxy, KubeUser caller, String uri, List<String> expected) {
    List<String> seen = new ArrayList<>();
    String cont = null;
    do {
      String page =
          uri
              + "?limit=1"
              + (cont == null
                  ? ""
                  : "&continue="
                      + java.net.URLEncoder.encode(cont, java.nio.charset.StandardCharsets.UTF_8));
      var answer = ServedNamespaces.get(null, proxy, caller, page, null);
      assertThat(answer.status()).as(answer.body()).isEqualTo(200);
      JsonObject list = new JsonObject(answer.body());
      assertThat(list.getJsonObject("metadata").containsKey("remainingItemCount")).isFalse();
      List<String> names = ServedNamespaces.names(answer.body());
      assertThat(names).hasSize(1);
      seen.addAll(names);
      cont = list.getJsonObject("metadata").getString("continue");
      assertThat(seen.size()).as("pages").isLessThanOrEqualTo(expected.size());
    } while (cont != null && !cont.isEmpty());
    assertThat(seen).containsExactlyElementsOf(expected);
  }
}
