package dev.tenantproxy.e2e.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.Helm;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * THE RBAC PROOF of charts/tenant-proxy: the chart's ServiceAccount, ClusterRole and binding
 * (rendered by the pinned helm) are applied to the real control plane, a token for that
 * ServiceAccount is minted by TokenRequest, and the proxy runs with exactly that identity (the
 * {@code serve} wiring, its kubeconfig holding only that token). The smoke checks — readiness,
 * namespace list, namespace watch, pass-through, a bearer-token (ServiceAccount) user, a caller's
 * own {@code --as}, the seed {@code kubectl delete namespace}, a node list served to an owner whose
 * tenant sets a nodeSelector, a storage, ingress, priority and runtime class list and a persistent
 * volume list served to an owner with those kinds' List grants, and a label of a node, a persistent
 * volume and each class kind by an owner holding the kind's Update grant (executed with the proxy's
 * own identity) — pass with the chart's rules; with any one rule removed, the check that needs it
 * fails.
 */
@ExtendWith(ControlPlaneExtension.class)
class ChartRbacProofIT {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final Duration KUBECTL_BOUND = Duration.ofSeconds(120);
  private static final String KUBECTL = "1.33";

  @TempDir static Path dir;
  static ControlPlane cp;

  @BeforeAll
  static void start(ControlPlane controlPlane) {
    cp = controlPlane;
    Helm.get(); // builds the pinned helm now, if missing, rather than within a test's bound
  }

  /**
   * Applies the chart's identity (without the ClusterRole rule at {@code dropRule}, when >= 0),
   * mints a token for its ServiceAccount and starts the proxy with exactly that identity ({@link
   * ChartIdentity#apply}).
   */
  static ProxyInFront proxyAsTheChartsServiceAccount(
      String release, int dropRule, String... values) {
    KubeUser identity = ChartIdentity.apply(cp, release, dropRule, values);
    return ProxyInFront.start(
        cp, dir.resolve(release), true, c -> c.withKubeconfig(identity.kubeconfig()));
  }

  /**
   * The smoke checks through {@code proxy}, in order; the names of those that failed (with {@code
   * failFast}, only the first).
   */
  static List<String> smoke(ProxyInFront proxy, Duration readyBound, boolean failFast) {
    List<String> failed = new ArrayList<>();
    if (!check("ready", () -> awaitReady(proxy, readyBound))) {
      failed.add("ready");
      return failed;
    }
    String id = UUID.randomUUID().toString().substring(0, 6);
    String t = "proof-" + id;
    KubeUser owner = cp.users().certificate("proof-owner-" + id, Capsule.CAPSULE_USERS_GROUP);
    cp.capsule()
        .createTenant(t, Owner.user(owner.name()), Owner.serviceAccount(t + "-ops", "robot"));
    cp.capsule().createNamespace(t, t + "-ops");
    cp.capsule().createNamespace(t, t + "-dev");
    cp.capsule().createNamespace(t, t + "-old");
    KubeUser robot = cp.users().serviceAccountToken(t + "-ops", "robot");
    Kubectl asOwner = Kubectl.version(KUBECTL, proxy.kubeconfig(owner));
    Kubectl asRobot = Kubectl.version(KUBECTL, proxy.kubeconfig(robot));

    // the namespace list served from the index: exactly the tenant's namespaces
    if (!check(
        "list",
        () ->
            await()
                .atMost(Duration.ofSeconds(30))
                .until(
                    () -> {
                      Kubectl.Result r =
                          asOwner.run(KUBECTL_BOUND, "get", "namespaces", "-o", "name");
                      return r.exitCode() == 0
                          && r.stdout()
                              .strip()
                              .equals(
                                  String.join(
                                      "\n",
                                      "namespace/" + t + "-dev",
                                      "namespace/" + t + "-old",
                                      "namespace/" + t + "-ops"));
                    }))) {
      failed.add("list");
      if (failFast) {
        return failed;
      }
    }
    // a watch that follows the tenant: a namespace created later arrives
    if (!check(
        "watch",
        () -> {
          try (Kubectl.Running watch = asOwner.start("get", "namespaces", "-w", "-o", "name")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> watch.stdout().contains(t + "-ops"));
            cp.capsule().createNamespace(t, t + "-new");
            await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> watch.stdout().contains("namespace/" + t + "-new"));
          }
        })) {
      failed.add("watch");
      if (failFast) {
        return failed;
      }
    }
    // pass-through as the caller (impersonation of a certificate user)
    if (!check(
        "pass-through",
        () -> {
          Kubectl.Result r =
              asOwner.run(KUBECTL_BOUND, "create", "configmap", "cm", "-n", t + "-dev");
          assertThat(r.exitCode()).as("%s", r).isZero();
        })) {
      failed.add("pass-through");
      if (failFast) {
        return failed;
      }
    }
    // a bearer token (TokenReview), a ServiceAccount user (uid and extras impersonated)
    if (!check(
        "token",
        () ->
            assertThat(asRobot.run(KUBECTL_BOUND, "get", "configmaps", "-n", t + "-dev").exitCode())
                .isZero())) {
      failed.add("token");
      if (failFast) {
        return failed;
      }
    }
    // the caller's own impersonation (--as): allowed by a SubjectAccessReview, then forwarded
    if (!check("as", () -> callerImpersonation(asOwner, owner, t + "-dev", "proof-guest-" + id))) {
      failed.add("as");
      if (failFast) {
        return failed;
      }
    }
    // the seed: kubectl delete namespace returns once the namespace is gone
    if (!check(
        "seed",
        () -> {
          Kubectl.Result r =
              asOwner.run(KUBECTL_BOUND, "delete", "namespace", t + "-old", "--timeout=60s");
          assertThat(r.exitCode()).as("%s", r).isZero();
          assertThat(r.stderr().strip()).as("%s", r).isEmpty();
        })) {
      failed.add("seed");
      if (failFast) {
        return failed;
      }
    }
    // nodes served from the proxy's own node informer: the node the tenant's nodeSelector selects
    if (!check(
        "nodes",
        () -> {
          String node = "proof-node-" + id;
          cp.capsule().setNodeSelector(t, Map.of("proof-pool", id));
          cp.adminClient()
              .nodes()
              .resource(
                  new NodeBuilder()
                      .withNewMetadata()
                      .withName(node)
                      .withLabels(Map.of("proof-pool", id))
                      .endMetadata()
                      .build())
              .create();
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () -> {
                    Kubectl.Result r = asOwner.run(KUBECTL_BOUND, "get", "nodes", "-o", "name");
                    return r.exitCode() == 0 && r.stdout().strip().equals("node/" + node);
                  });
        })) {
      failed.add("nodes");
      if (failFast) {
        return failed;
      }
    }
    // the owner's List grants of the class kinds and PersistentVolumes
    // (spec.owners[].proxySettings)
    Map<String, Object> grantedOwner =
        new java.util.LinkedHashMap<>(Owner.user(owner.name()).toMap());
    List<Object> grants = new ArrayList<>();
    for (String kind :
        List.of(
            "StorageClasses",
            "IngressClasses",
            "PriorityClasses",
            "RuntimeClasses",
            "PersistentVolumes")) {
      grants.add(Map.of("kind", kind, "operations", List.of("List", "Update")));
    }
    grants.add(Map.of("kind", "Nodes", "operations", List.of("Update")));
    grantedOwner.put("proxySettings", grants);
    cp.capsule()
        .setSpec(
            t, "owners", List.of(grantedOwner, Owner.serviceAccount(t + "-ops", "robot").toMap()));
    // the class kinds served from the proxy's own informers: the class the tenant allows
    for (ClassCheck c : CLASS_CHECKS) {
      if (!check(c.plural(), () -> c.run(asOwner, t, "proof-" + c.plural() + "-" + id))) {
        failed.add(c.plural());
        if (failFast) {
          return failed;
        }
      }
    }
    // persistent volumes served from the proxy's own informer: the volume labelled with the tenant
    if (!check(
        "persistentvolumes",
        () -> {
          String pv = "proof-pv-" + id;
          cp.adminClient()
              .persistentVolumes()
              .resource(
                  new PersistentVolumeBuilder()
                      .withNewMetadata()
                      .withName(pv)
                      .withLabels(Map.of(Capsule.TENANT_LABEL, t))
                      .endMetadata()
                      .withNewSpec()
                      .withCapacity(Map.of("storage", new Quantity("1Gi")))
                      .withAccessModes("ReadWriteOnce")
                      .withNewHostPath()
                      .withPath("/tmp/" + pv)
                      .endHostPath()
                      .endSpec()
                      .build())
              .create();
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () -> {
                    Kubectl.Result r = asOwner.run(KUBECTL_BOUND, "get", "pv", "-o", "name");
                    return r.exitCode() == 0 && r.stdout().strip().equals("persistentvolume/" + pv);
                  });
        })) {
      failed.add("persistentvolumes");
      if (failFast) {
        return failed;
      }
    }
    // owner-granted writes, executed with the proxy's own identity: one check per write rule
    List<List<String>> writes =
        List.of(
            List.of("write-core", "node", "proof-node-" + id, "pv", "proof-pv-" + id),
            List.of("write-storageclasses", "storageclasses", "proof-storageclasses-" + id),
            List.of("write-ingressclasses", "ingressclasses", "proof-ingressclasses-" + id),
            List.of("write-priorityclasses", "priorityclasses", "proof-priorityclasses-" + id),
            List.of("write-runtimeclasses", "runtimeclasses", "proof-runtimeclasses-" + id));
    for (List<String> w : writes) {
      if (!check(
          w.get(0),
          () -> {
            for (int i = 1; i < w.size(); i += 2) {
              String kind = w.get(i);
              String name = w.get(i + 1);
              await()
                  .atMost(Duration.ofSeconds(30))
                  .until(
                      () ->
                          asOwner
                                  .run(KUBECTL_BOUND, "label", kind, name, "proof-write=yes")
                                  .exitCode()
                              == 0);
            }
          })) {
        failed.add(w.get(0));
        if (failFast) {
          return failed;
        }
      }
    }
    return failed;
  }

  /** A class kind the proxy serves: the tenant spec field allowing it and a valid object. */
  private record ClassCheck(
      String group, String kind, String plural, String specField, Map<String, Object> body) {

    /** Allows {@code name} in tenant {@code t}, creates it, and waits for the owner's list. */
    void run(Kubectl asOwner, String t, String name) {
      Map<String, Object> policy = Map.of("allowed", List.of(name));
      cp.capsule()
          .setSpec(
              t,
              specField,
              specField.equals("ingressOptions") ? Map.of("allowedClasses", policy) : policy);
      cp.adminClient()
          .resource(
              new GenericKubernetesResourceBuilder()
                  .withApiVersion(group + "/v1")
                  .withKind(kind)
                  .withNewMetadata()
                  .withName(name)
                  .endMetadata()
                  .withAdditionalProperties(body)
                  .build())
          .create();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                Kubectl.Result r = asOwner.run(KUBECTL_BOUND, "get", plural, "-o", "name");
                return r.exitCode() == 0
                    && r.stdout().strip().equals(kind.toLowerCase() + "." + group + "/" + name);
              });
    }
  }

  private static final List<ClassCheck> CLASS_CHECKS =
      List.of(
          new ClassCheck(
              "storage.k8s.io",
              "StorageClass",
              "storageclasses",
              "storageClasses",
              Map.of("provisioner", "example.com/proof")),
          new ClassCheck(
              "networking.k8s.io",
              "IngressClass",
              "ingressclasses",
              "ingressOptions",
              Map.of("spec", Map.of("controller", "example.com/proof"))),
          new ClassCheck(
              "scheduling.k8s.io",
              "PriorityClass",
              "priorityclasses",
              "priorityClasses",
              Map.of("value", 7)),
          new ClassCheck(
              "node.k8s.io",
              "RuntimeClass",
              "runtimeclasses",
              "runtimeClasses",
              Map.of("handler", "proof")));

  private static void callerImpersonation(
      Kubectl asOwner, KubeUser owner, String namespace, String guest) {
    String role = "impersonate-" + guest;
    cp.adminClient()
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(role)
                .endMetadata()
                .addNewRule()
                .withApiGroups("")
                .withResources("users")
                .withVerbs("impersonate")
                .withResourceNames(guest)
                .endRule()
                .build())
        .create();
    cp.adminClient()
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(role)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role)
                .addNewSubject()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("User")
                .withName(owner.name())
                .endSubject()
                .build())
        .create();
    cp.adminClient()
        .rbac()
        .roleBindings()
        .inNamespace(namespace)
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName(guest)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "view")
                .addNewSubject()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("User")
                .withName(guest)
                .endSubject()
                .build())
        .create();
    Kubectl.Result r =
        asOwner.run(KUBECTL_BOUND, "get", "configmaps", "-n", namespace, "--as=" + guest);
    assertThat(r.exitCode()).as("%s", r).isZero();
  }

  private static boolean check(String name, Runnable check) {
    try {
      check.run();
      return true;
    } catch (RuntimeException | AssertionError e) {
      System.err.println("[rbac-proof] check " + name + " failed: " + e);
      return false;
    }
  }

  private static void awaitReady(ProxyInFront proxy, Duration bound) {
    HttpClient http = HttpClient.newHttpClient();
    await()
        .atMost(bound)
        .ignoreExceptions()
        .until(
            () ->
                http.send(
                            HttpRequest.newBuilder(URI.create(proxy.opsUrl() + "/readyz"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200);
  }

  @Test
  void theProxyRunsWithExactlyTheChartsServiceAccountAndEverySmokeCheckPasses() {
    try (ProxyInFront proxy = proxyAsTheChartsServiceAccount("proof-full", -1)) {
      assertThat(smoke(proxy, BOUND, false)).isEmpty();
    }
  }

  /**
   * With callers asserted by a front-proxy client certificate ({@code config.proxyClientCertFile}),
   * the chart's ClusterRole grants no impersonation at all, and every smoke check still passes
   * through a proxy in that mode running with exactly that identity: in request-header mode the
   * ServiceAccount impersonates no one (a stolen token of it cannot act as another user).
   */
  @Test
  void withAFrontProxyCertificateTheChartGrantsNoImpersonationAndEverySmokeCheckPasses() {
    String[] values = {
      "--set=config.proxyClientCertFile=/etc/tenant-proxy/front-proxy/tls.crt",
      "--set=config.proxyClientKeyFile=/etc/tenant-proxy/front-proxy/tls.key"
    };
    List<PolicyRule> rules =
        ChartIdentity.render(cp, "proof-rh", "proof-rh-system", values).stream()
            .filter(ClusterRole.class::isInstance)
            .map(ClusterRole.class::cast)
            .findFirst()
            .orElseThrow()
            .getRules();
    assertThat(rules).hasSize(15).noneMatch(r -> r.getVerbs().contains("impersonate"));

    KubeUser identity = ChartIdentity.apply(cp, "proof-rh", -1, values);
    try (ProxyInFront proxy =
        ProxyInFront.start(
            cp,
            dir.resolve("proof-rh"),
            true,
            ProxyInFront.Upstream.REQUEST_HEADER,
            c -> c.withKubeconfig(identity.kubeconfig()))) {
      assertThat(smoke(proxy, BOUND, false)).isEmpty();
    }
  }

  /**
   * Each rule of the chart's ClusterRole, removed alone, breaks the check that needs it: none is
   * superfluous, and the proof above can fail. Without impersonation even kubectl's discovery
   * ({@code GET /api}, passed through as the caller) is refused, so the namespace list fails first.
   */
  @ParameterizedTest(name = "without rule {0} ({1}): {2} fails")
  @CsvSource({
    "0, get/list/watch namespaces, ready",
    "1, get/list/watch Capsule kinds, ready",
    "2, impersonate users/groups/serviceaccounts, list",
    "3, impersonate uids/userextras, token",
    "4, create tokenreviews, token",
    "5, create subjectaccessreviews, as",
    "6, get/list/watch nodes, nodes",
    "7, get/list/watch storageclasses, storageclasses",
    "8, get/list/watch ingressclasses, ingressclasses",
    "9, get/list/watch priorityclasses, priorityclasses",
    "10, get/list/watch runtimeclasses, runtimeclasses",
    "11, get/list/watch persistentvolumes, persistentvolumes",
    "12, update/patch/delete nodes and persistentvolumes, write-core",
    "13, update/patch/delete storageclasses, write-storageclasses",
    "14, update/patch/delete ingressclasses, write-ingressclasses",
    "15, update/patch/delete priorityclasses, write-priorityclasses",
    "16, update/patch/delete runtimeclasses, write-runtimeclasses"
  })
  void removingOneRuleOfTheChartMakesTheCheckThatNeedsItFail(
      int rule, String what, String expectedFailure) {
    try (ProxyInFront proxy =
        proxyAsTheChartsServiceAccount("proof-r" + rule + "-" + uniqueSuffix(), rule)) {
      List<String> failed = smoke(proxy, Duration.ofSeconds(30), true);

      // the first check that fails is the one that needs the rule; the checks before it pass
      assertThat(failed).as(what).containsExactly(expectedFailure);
    }
  }

  @Test
  void theChartsClusterRoleHasTheSeventeenRulesTheProofRemovesOneByOne() {
    ClusterRole role =
        ChartIdentity.render(cp, "proof-shape", "proof-shape-system").stream()
            .filter(ClusterRole.class::isInstance)
            .map(ClusterRole.class::cast)
            .findFirst()
            .orElseThrow();

    assertThat(role.getRules()).hasSize(17);
    assertThat(role.getRules().get(0).getResources()).containsExactly("namespaces");
    assertThat(role.getRules().get(1).getResources()).contains("tenants");
    assertThat(role.getRules().get(2).getVerbs()).containsExactly("impersonate");
    assertThat(role.getRules().get(3).getApiGroups()).containsExactly("authentication.k8s.io");
    assertThat(role.getRules().get(3).getVerbs()).containsExactly("impersonate");
    assertThat(role.getRules().get(4).getResources()).containsExactly("tokenreviews");
    assertThat(role.getRules().get(5).getResources()).containsExactly("subjectaccessreviews");
    assertThat(role.getRules().get(6).getResources()).containsExactly("nodes");
    assertThat(role.getRules().get(6).getVerbs()).containsExactly("get", "list", "watch");
    List<List<String>> served =
        List.of(
            List.of("storage.k8s.io", "storageclasses"),
            List.of("networking.k8s.io", "ingressclasses"),
            List.of("scheduling.k8s.io", "priorityclasses"),
            List.of("node.k8s.io", "runtimeclasses"),
            List.of("", "persistentvolumes"));
    for (int i = 0; i < served.size(); i++) {
      PolicyRule rule = role.getRules().get(7 + i);
      assertThat(rule.getApiGroups()).containsExactly(served.get(i).get(0));
      assertThat(rule.getResources()).containsExactly(served.get(i).get(1));
      assertThat(rule.getVerbs()).containsExactly("get", "list", "watch");
    }
    assertThat(role.getRules().get(12).getApiGroups()).containsExactly("");
    assertThat(role.getRules().get(12).getResources())
        .containsExactly("nodes", "persistentvolumes");
    for (int i = 0; i < 4; i++) {
      PolicyRule rule = role.getRules().get(13 + i);
      assertThat(rule.getApiGroups()).containsExactly(served.get(i).get(0));
      assertThat(rule.getResources()).containsExactly(served.get(i).get(1));
    }
    for (PolicyRule rule : role.getRules().subList(12, 17)) {
      assertThat(rule.getVerbs()).containsExactly("update", "patch", "delete");
    }
    // clusterWrites.enabled=false leaves the read rules only
    assertThat(
            ChartIdentity.render(
                    cp, "proof-shape", "proof-shape-system", "--set=clusterWrites.enabled=false")
                .stream()
                .filter(ClusterRole.class::isInstance)
                .map(ClusterRole.class::cast)
                .findFirst()
                .orElseThrow()
                .getRules())
        .isEqualTo(role.getRules().subList(0, 12));
  }

  /**
   * With the chart's write rules switched off, an owner's granted write is refused by the API
   * server to the proxy; the owner gets a 403 in her own name, never the proxy's ServiceAccount.
   */
  @Test
  void withoutTheWriteRulesAGrantedWriteIsA403InTheOwnersNameThatNeverNamesTheProxy() {
    try (ProxyInFront proxy =
        proxyAsTheChartsServiceAccount(
            "proof-nowrite-" + uniqueSuffix(), -1, "--set=clusterWrites.enabled=false")) {
      awaitReady(proxy, BOUND);
      String id = uniqueSuffix();
      String t = "proof-nw-" + id;
      String sc = "proof-nw-sc-" + id;
      KubeUser owner = cp.users().certificate("proof-nw-owner-" + id, Capsule.CAPSULE_USERS_GROUP);
      Map<String, Object> o = new java.util.LinkedHashMap<>(Owner.user(owner.name()).toMap());
      o.put(
          "proxySettings",
          List.of(Map.of("kind", "StorageClasses", "operations", List.of("List", "Update"))));
      cp.capsule().createTenant(t, Owner.user(owner.name()));
      cp.capsule().setSpec(t, "owners", List.of(o));
      cp.capsule().setSpec(t, "storageClasses", Map.of("allowed", List.of(sc)));
      cp.adminClient()
          .resource(
              new GenericKubernetesResourceBuilder()
                  .withApiVersion("storage.k8s.io/v1")
                  .withKind("StorageClass")
                  .withNewMetadata()
                  .withName(sc)
                  .endMetadata()
                  .withAdditionalProperties(Map.of("provisioner", "example.com/proof"))
                  .build())
          .create();
      Kubectl asOwner = Kubectl.version(KUBECTL, proxy.kubeconfig(owner));
      await()
          .atMost(BOUND)
          .until(() -> asOwner.run(KUBECTL_BOUND, "get", "storageclass", sc).exitCode() == 0);

      Kubectl.Result r = asOwner.run(KUBECTL_BOUND, "label", "storageclass", sc, "x=y");

      assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
      assertThat(r.stderr())
          .as("%s", r)
          .startsWith(
              "Error from server (Forbidden): storageclasses.storage.k8s.io \""
                  + sc
                  + "\" is forbidden: User \""
                  + owner.name()
                  + "\" cannot patch resource \"storageclasses\"")
          .doesNotContain("serviceaccount")
          .doesNotContain("proof-nowrite");
      assertThat(cp.adminClient().storage().v1().storageClasses().withName(sc).get())
          .satisfies(c -> assertThat(c.getMetadata().getLabels()).isNullOrEmpty());
    }
  }

  private static String uniqueSuffix() {
    return UUID.randomUUID().toString().substring(0, 4);
  }
}
