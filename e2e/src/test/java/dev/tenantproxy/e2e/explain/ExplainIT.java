package dev.tenantproxy.e2e.explain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.Crds;
import dev.tenantproxy.proxy.cli.Main;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code tenant-proxy explain} as admins run it (the command line in its own JVM, an admin
 * kubeconfig) against the real control plane: a tenant with a nodeSelector and allowed storage
 * classes, its owner with a StorageClasses List grant, another tenant's owner without one.
 */
@ExtendWith(ControlPlaneExtension.class)
class ExplainIT {
  private static final long BOUND_SECONDS = 120;

  private final String id = UUID.randomUUID().toString().substring(0, 8);
  private final String solar = "solar-" + id;
  private final String wind = "wind-" + id;
  private final String alice = "alice-" + id;
  private final String bob = "bob-" + id;
  private final List<Runnable> cleanup = new ArrayList<>();

  @AfterEach
  void deleteFixtures() {
    cleanup.forEach(Runnable::run);
  }

  private void fixtures(ControlPlane cp) {
    var admin = cp.adminClient();
    // nodes: one in each tenant's pool, one in none
    for (String[] n :
        new String[][] {
          {"node-solar-" + id, solar}, {"node-wind-" + id, wind}, {"node-free-" + id, "free-" + id}
        }) {
      admin
          .nodes()
          .resource(
              new NodeBuilder()
                  .withNewMetadata()
                  .withName(n[0])
                  .addToLabels("pool", n[1])
                  .endMetadata()
                  .build())
          .create();
      cleanup.add(() -> admin.nodes().withName(n[0]).delete());
    }
    for (String sc : List.of("fast-" + id, "gold-" + id + "-1", "slow-" + id)) {
      admin
          .storage()
          .v1()
          .storageClasses()
          .resource(
              new StorageClassBuilder()
                  .withNewMetadata()
                  .withName(sc)
                  .endMetadata()
                  .withProvisioner("example.com/none")
                  .build())
          .create();
      cleanup.add(() -> admin.storage().v1().storageClasses().withName(sc).delete());
    }
    Map<String, Object> solarSpec = new LinkedHashMap<>();
    solarSpec.put(
        "owners",
        List.of(
            Map.of(
                "kind",
                "User",
                "name",
                alice,
                "proxySettings",
                List.of(Map.of("kind", "StorageClasses", "operations", List.of("List"))))));
    solarSpec.put("nodeSelector", Map.of("pool", solar));
    solarSpec.put(
        "storageClasses", Map.of("allowed", List.of("fast-" + id), "allowedRegex", "^gold-" + id));
    tenant(cp, solar, solarSpec);
    tenant(
        cp,
        wind,
        Map.of(
            "owners",
            List.of(Map.of("kind", "User", "name", bob)),
            "nodeSelector",
            Map.of("pool", wind),
            "storageClasses",
            Map.of("allowed", List.of("slow-" + id))));
  }

  private void tenant(ControlPlane cp, String name, Map<String, Object> spec) {
    cp.capsule()
        .createTenant(
            new GenericKubernetesResourceBuilder()
                .withApiVersion(Capsule.TENANT_API_VERSION)
                .withKind("Tenant")
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", spec))
                .build());
    cleanup.add(() -> cp.capsule().deleteTenant(name));
  }

  /**
   * Runs {@code tenant-proxy explain ARGS} in its own JVM; returns its stdout (exit 0 asserted).
   */
  private static String explain(ControlPlane cp, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.add("explain");
    command.add("--kubeconfig=" + cp.adminKubeconfig());
    command.addAll(List.of(args));
    Path err = Files.createTempFile("explain-", ".stderr");
    err.toFile().deleteOnExit();
    Process p =
        new ProcessBuilder(command)
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    byte[] out;
    try (var in = p.getInputStream()) {
      out = in.readAllBytes(); // ends when the process closes stdout (exit)
    }
    boolean exited = p.waitFor(BOUND_SECONDS, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly();
    }
    String stdout = new String(out, StandardCharsets.UTF_8);
    assertThat(exited).as("explain exited").isTrue();
    assertThat(p.exitValue()).as("exit code; stderr: %s", read(err)).isZero();
    return stdout;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "(unreadable)";
    }
  }

  @Test
  void explainsTheNodesAndStorageClassesAnOwnerSeesAndWhy(ControlPlane cp) throws Exception {
    // given
    fixtures(cp);

    // when alice's view of every kind is explained
    String text = explain(cp, "--user", alice, "--group", Capsule.CAPSULE_USERS_GROUP);
    System.out.println(text);

    // then her node (by the nodeSelector) and her classes (allowed, regex; List grant) are listed
    assertThat(text)
        .startsWith("User " + alice + " (groups: " + Capsule.CAPSULE_USERS_GROUP + ")\n")
        .contains("  owns tenants: " + solar + "\n")
        .contains("    + Tenant " + solar + " spec.nodeSelector pool=" + solar + "\n")
        .contains("    node-solar-" + id + "  Tenant " + solar + " spec.nodeSelector pool=" + solar)
        .contains(
            "        grant: Tenant "
                + solar
                + " spec.owners User:"
                + alice
                + ": StorageClasses [List]\n")
        .contains(
            "    fast-"
                + id
                + "    Tenant "
                + solar
                + " spec.storageClasses.allowed [fast-"
                + id
                + "]\n")
        .contains(
            "    gold-"
                + id
                + "-1  Tenant "
                + solar
                + " spec.storageClasses.allowedRegex ^gold-"
                + id
                + "\n")
        .doesNotContain("node-wind-" + id)
        .doesNotContain("node-free-" + id)
        .doesNotContain("slow-" + id)
        .doesNotContain(wind);

    // and for scripts: exactly her objects of these kinds, with the rule of each
    JsonNode nodes =
        new ObjectMapper()
            .readTree(
                explain(
                    cp,
                    "--user",
                    alice,
                    "--group",
                    Capsule.CAPSULE_USERS_GROUP,
                    "nodes",
                    "-o",
                    "json"))
            .get("kinds")
            .get(0);
    assertThat(nodes.get("resource").asText()).isEqualTo("nodes");
    assertThat(nodes.get("visible")).hasSize(1);
    assertThat(nodes.get("visible").get(0).get("name").asText()).isEqualTo("node-solar-" + id);
    assertThat(nodes.get("visible").get(0).get("reasons").get(0).get("rule").asText())
        .isEqualTo("NODE_SELECTOR");
    JsonNode classes =
        new ObjectMapper()
            .readTree(
                explain(
                    cp,
                    "--user",
                    alice,
                    "--group",
                    Capsule.CAPSULE_USERS_GROUP,
                    "sc",
                    "-o",
                    "json"))
            .get("kinds")
            .get(0);
    List<String> names = new ArrayList<>();
    classes.get("visible").forEach(n -> names.add(n.get("name").asText()));
    assertThat(names).containsExactly("fast-" + id, "gold-" + id + "-1");
  }

  @Test
  void explainsAKindCreatedAfterTheFactThatAGlobalProxySettingsRuleNames(ControlPlane cp)
      throws Exception {
    // given a cluster-scoped CRD, two objects, and a GlobalProxySettings rule for alice
    var admin = cp.adminClient();
    String group = "w" + id + ".example.com";
    CustomResourceDefinition crd =
        new CustomResourceDefinitionBuilder()
            .withNewMetadata()
            .withName("widgets." + group)
            .endMetadata()
            .withNewSpec()
            .withGroup(group)
            .withScope("Cluster")
            .withNewNames()
            .withPlural("widgets")
            .withSingular("widget")
            .withKind("Widget")
            .endNames()
            .addNewVersion()
            .withName("v1")
            .withServed(true)
            .withStorage(true)
            .withNewSchema()
            .withNewOpenAPIV3Schema()
            .withType("object")
            .withXKubernetesPreserveUnknownFields(true)
            .endOpenAPIV3Schema()
            .endSchema()
            .endVersion()
            .endSpec()
            .build();
    admin.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    cleanup.add(
        () ->
            admin
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("widgets." + group)
                .delete());
    Crds.awaitEstablished(admin, "widgets." + group, java.time.Duration.ofSeconds(BOUND_SECONDS));
    var widgets =
        admin.genericKubernetesResources(
            new ResourceDefinitionContext.Builder()
                .withGroup(group)
                .withVersion("v1")
                .withKind("Widget")
                .withPlural("widgets")
                .withNamespaced(false)
                .build());
    for (String[] w : new String[][] {{"blue-" + id, "blue"}, {"red-" + id, "red"}}) {
      widgets
          .resource(
              new GenericKubernetesResourceBuilder()
                  .withApiVersion(group + "/v1")
                  .withKind("Widget")
                  .withNewMetadata()
                  .withName(w[0])
                  .addToLabels("color", w[1])
                  .endMetadata()
                  .build())
          .create();
    }
    String gps = "g-" + id;
    admin
        .genericKubernetesResources(Capsule.GLOBAL_PROXY_SETTINGS)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion(Capsule.GROUP + "/v1beta1")
                .withKind("GlobalProxySettings")
                .withNewMetadata()
                .withName(gps)
                .endMetadata()
                .withAdditionalProperties(
                    Map.of(
                        "spec",
                        Map.of(
                            "rules",
                            List.of(
                                Map.of(
                                    "subjects",
                                    List.of(Map.of("kind", "User", "name", alice)),
                                    "clusterResources",
                                    List.of(
                                        Map.of(
                                            "apiGroups",
                                            List.of(group),
                                            "resources",
                                            List.of("widgets"),
                                            "operations",
                                            List.of("List"),
                                            "selector",
                                            Map.of("matchLabels", Map.of("color", "blue")))))))))
                .build())
        .create();
    cleanup.add(
        () ->
            admin.genericKubernetesResources(Capsule.GLOBAL_PROXY_SETTINGS).withName(gps).delete());

    // when
    String text = explain(cp, "--user", alice, "--group", Capsule.CAPSULE_USERS_GROUP);

    // then the kind is listed (found by discovery) with the rule and the one blue widget
    assertThat(text)
        .contains(
            "widgets."
                + group
                + " ("
                + group
                + "/v1): 1 of 2 visible\n"
                + "  rules that apply:\n"
                + "    + GlobalProxySettings "
                + gps
                + " spec.rules[0].clusterResources[0] selector color=blue operations [List, Get]\n"
                + "  visible:\n"
                + "    blue-"
                + id
                + "  GlobalProxySettings "
                + gps
                + " spec.rules[0].clusterResources[0] selector color=blue operations [List, Get]\n");
    // and the red one, by name, is explained
    assertThat(
            explain(
                cp,
                "--user",
                alice,
                "--group",
                Capsule.CAPSULE_USERS_GROUP,
                "widgets." + group + "/red-" + id))
        .contains("NOT VISIBLE")
        .contains("selector color=blue operations [List, Get]: does not select it");
  }

  @Test
  void explainsWhyANamedObjectIsNotVisible(ControlPlane cp) throws Exception {
    // given
    fixtures(cp);

    // when: another tenant's node, for alice
    String node =
        explain(
            cp, "--user", alice, "--group", Capsule.CAPSULE_USERS_GROUP, "nodes/node-wind-" + id);
    // then
    assertThat(node)
        .isEqualTo(
            "nodes/node-wind-"
                + id
                + " for User "
                + alice
                + " (groups: "
                + Capsule.CAPSULE_USERS_GROUP
                + "): NOT VISIBLE\n"
                + "  labels: pool="
                + wind
                + "\n"
                + "  why not:\n"
                + "    - Tenant "
                + solar
                + " spec.nodeSelector pool="
                + solar
                + ": does not select it\n");

    // when: bob's allowed class, but he holds no List grant
    String sc =
        explain(
            cp, "--user", bob, "--group", Capsule.CAPSULE_USERS_GROUP, "storageclass/slow-" + id);
    // then
    assertThat(sc)
        .contains("NOT VISIBLE")
        .contains(
            "Tenant "
                + wind
                + " spec.storageClasses.allowed [slow-"
                + id
                + "]: selects it, but User "
                + bob
                + " holds no StorageClasses List grant in tenant "
                + wind)
        .contains("usually 403 Forbidden");
  }
}
