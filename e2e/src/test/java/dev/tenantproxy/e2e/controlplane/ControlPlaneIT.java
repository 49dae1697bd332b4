package dev.tenantproxy.e2e.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The control plane and the Capsule helper do what the rest of the e2e tests rely on. */
@ExtendWith(ControlPlaneExtension.class)
class ControlPlaneIT {

  private static final Duration BOUND = Duration.ofSeconds(60);

  @Test
  void certificateUserIsTheCommonNameWithTheOrganizationsAsGroups(ControlPlane cp) {
    // given
    String name = unique("carol");
    KubeUser carol = cp.users().certificate(name, "devs", Capsule.CAPSULE_USERS_GROUP);

    // when
    Kubectl.Result whoami =
        Kubectl.version("1.33", carol.kubeconfig()).run(BOUND, "auth", "whoami", "-o", "json");

    // then
    assertThat(whoami.exitCode()).as("%s", whoami).isZero();
    GenericKubernetesResource review =
        cp.adminClient()
            .getKubernetesSerialization()
            .unmarshal(whoami.stdout(), GenericKubernetesResource.class);
    assertThat(value(review, "status", "userInfo", "username")).isEqualTo(name);
    assertThat(strings(review, "status", "userInfo", "groups"))
        .containsExactly("devs", Capsule.CAPSULE_USERS_GROUP, "system:authenticated");
  }

  @Test
  void mintedServiceAccountTokenPassesTokenReviewAndWorksInAKubeconfig(ControlPlane cp) {
    // given
    String ns = unique("robots");
    cp.adminClient().namespaces().resource(namespace(ns)).create();

    // when
    KubeUser robot = cp.users().serviceAccountToken(ns, "robot");
    TokenReview review =
        cp.adminClient()
            .tokenReviews()
            .create(
                new TokenReviewBuilder()
                    .withNewSpec()
                    .withToken(robot.token().orElseThrow())
                    .endSpec()
                    .build());

    // then
    assertThat(review.getStatus().getAuthenticated()).isTrue();
    assertThat(review.getStatus().getUser().getUsername())
        .isEqualTo("system:serviceaccount:" + ns + ":robot")
        .isEqualTo(robot.name());
    assertThat(review.getStatus().getUser().getGroups())
        .contains("system:serviceaccounts", "system:serviceaccounts:" + ns);
    Kubectl.Result whoami =
        Kubectl.version("1.33", robot.kubeconfig()).run(BOUND, "auth", "whoami");
    assertThat(whoami.exitCode()).as("%s", whoami).isZero();
    assertThat(whoami.stdout()).contains("system:serviceaccount:" + ns + ":robot");
  }

  @Test
  void onlyARequestHeaderCertificateWithTheAllowedNameMayAssertAUserInXRemoteHeaders(
      ControlPlane cp, @TempDir Path dir) {
    // given
    String name = unique("asserted");
    HttpClient allowed =
        KubeHttp.client(
            cp.requestHeaderClient(ControlPlane.REQUEST_HEADER_ALLOWED_NAME, dir), cp.caPem());
    HttpClient other = KubeHttp.client(cp.requestHeaderClient("not-allowed", dir), cp.caPem());
    List<String[]> asserted =
        KubeHttp.headers(
            "X-Remote-User", name,
            "X-Remote-Group", "g2",
            "X-Remote-Group", "g1",
            "X-Remote-Uid", "uid-" + name,
            "X-Remote-Extra-Acme.com%2fTeam", "blue");

    // when
    JsonObject user =
        KubeHttp.userInfo(KubeHttp.selfSubjectReview(allowed, null, cp.apiServerUrl(), asserted));
    KubeHttp.Answer refused = KubeHttp.selfSubjectReview(other, null, cp.apiServerUrl(), asserted);

    // then: the user of the headers, groups in order, extra keys unescaped and lower-cased
    assertThat(user.getString("username")).isEqualTo(name);
    assertThat(user.getString("uid")).isEqualTo("uid-" + name);
    assertThat(user.getJsonArray("groups"))
        .isEqualTo(new JsonArray(List.of("g2", "g1", "system:authenticated")));
    assertThat(user.getJsonObject("extra"))
        .isEqualTo(new JsonObject().put("acme.com/team", List.of("blue")));
    assertThat(refused.status()).as("%s", refused).isEqualTo(401);
    // and the audit log names the asserted user as the authenticated one, impersonating no one
    await()
        .atMost(BOUND)
        .untilAsserted(
            () ->
                assertThat(cp.auditEvents())
                    .anySatisfy(
                        e -> {
                          assertThat(e.getJsonObject("user").getString("username")).isEqualTo(name);
                          assertThat(e.containsKey("impersonatedUser")).isFalse();
                        }));
  }

  @Test
  void capsuleHelperWritesTenantNamespacesRoleBindingsAndStatusAsTheControllerWould(
      ControlPlane cp) {
    // given
    String tenant = unique("oil");
    KubernetesClient admin = cp.adminClient();
    Capsule capsule = cp.capsule();

    // when
    capsule.createTenant(
        tenant,
        Owner.user("dave"),
        Owner.group("oil-devs"),
        Owner.serviceAccount("kube-public", "ci").withClusterRoles("edit"));
    capsule.createNamespace(tenant, tenant + "-prod");
    capsule.createNamespace(tenant, tenant + "-dev");

    // then: namespace label and controller ownerReference to the Tenant
    GenericKubernetesResource t = capsule.tenant(tenant);
    Namespace dev = admin.namespaces().withName(tenant + "-dev").get();
    assertThat(dev.getMetadata().getLabels()).containsEntry(Capsule.TENANT_LABEL, tenant);
    OwnerReference ref = dev.getMetadata().getOwnerReferences().get(0);
    assertThat(ref.getApiVersion()).isEqualTo("capsule.clastix.io/v1beta2");
    assertThat(ref.getKind()).isEqualTo("Tenant");
    assertThat(ref.getName()).isEqualTo(tenant);
    assertThat(ref.getUid()).isEqualTo(t.getMetadata().getUid());
    assertThat(ref.getController()).isTrue();
    // status: sorted namespaces, size, state, owners with their cluster roles
    assertThat(strings(t, "status", "namespaces"))
        .containsExactly(tenant + "-dev", tenant + "-prod");
    assertThat(((Number) value(t, "status", "size")).intValue()).isEqualTo(2);
    assertThat(value(t, "status", "state")).isEqualTo("Active");
    assertThat(maps(t, "status", "owners"))
        .containsExactly(
            Map.of(
                "kind",
                "Group",
                "name",
                "oil-devs",
                "clusterRoles",
                List.of("admin", "capsule-namespace-deleter")),
            Map.of(
                "kind",
                "ServiceAccount",
                "name",
                "system:serviceaccount:kube-public:ci",
                "clusterRoles",
                List.of("edit")),
            Map.of(
                "kind",
                "User",
                "name",
                "dave",
                "clusterRoles",
                List.of("admin", "capsule-namespace-deleter")));
    // RoleBindings per owner and cluster role, in each namespace
    List<RoleBinding> bindings =
        admin.rbac().roleBindings().inNamespace(tenant + "-prod").list().getItems();
    assertThat(bindings)
        .extracting(
            b ->
                b.getRoleRef().getName()
                    + "->"
                    + b.getSubjects().get(0).getKind()
                    + ":"
                    + b.getSubjects().get(0).getName())
        .containsExactlyInAnyOrder(
            "admin->User:dave",
            "capsule-namespace-deleter->User:dave",
            "admin->Group:oil-devs",
            "capsule-namespace-deleter->Group:oil-devs",
            "edit->ServiceAccount:ci");
    // v1beta1 is served from the same storage
    GenericKubernetesResource v1beta1 =
        admin
            .genericKubernetesResources("capsule.clastix.io/v1beta1", "Tenant")
            .withName(tenant)
            .get();
    assertThat(strings(v1beta1, "status", "namespaces")).hasSize(2);
  }

  @Test
  void ownerMayGetAndDeleteHisNamespaceButNotOthers(ControlPlane cp) {
    // given
    String mine = unique("gas");
    String theirs = unique("water");
    String user = unique("erin");
    KubeUser erin = cp.users().certificate(user, Capsule.CAPSULE_USERS_GROUP);
    cp.capsule().createTenant(mine, Owner.user(user));
    cp.capsule().createTenant(theirs, Owner.user(unique("frank")));
    cp.capsule().createNamespace(mine, mine + "-a");
    cp.capsule().createNamespace(theirs, theirs + "-a");

    // when / then
    try (KubernetesClient asErin = cp.users().client(erin)) {
      assertThat(asErin.namespaces().withName(mine + "-a").get()).isNotNull();
      assertThat(asErin.configMaps().inNamespace(mine + "-a").list().getItems()).isNotNull();
      Kubectl kubectl = Kubectl.version("1.33", erin.kubeconfig());
      Kubectl.Result other = kubectl.run(BOUND, "get", "namespace", theirs + "-a");
      assertThat(other.exitCode()).as("%s", other).isEqualTo(1);
      assertThat(other.stderr()).contains("cannot get resource \"namespaces\"");
      Kubectl.Result create = kubectl.run(BOUND, "create", "namespace", unique("erin-new"));
      assertThat(create.exitCode()).as("capsule-namespace-provisioner: %s", create).isZero();
    }
  }

  @Test
  void deletedNamespaceFinishesDeletingAndLeavesTheTenantStatus(ControlPlane cp) {
    // given
    String tenant = unique("wind");
    cp.capsule().createTenant(tenant, Owner.user("grace"));
    cp.capsule().createNamespace(tenant, tenant + "-a");
    cp.capsule().createNamespace(tenant, tenant + "-b");
    cp.adminClient()
        .configMaps()
        .inNamespace(tenant + "-a")
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName("content")
                .endMetadata()
                .build())
        .create();

    // when
    cp.adminClient().namespaces().withName(tenant + "-a").delete();

    // then
    await()
        .atMost(BOUND)
        .until(() -> cp.adminClient().namespaces().withName(tenant + "-a").get() == null);
    await()
        .atMost(BOUND)
        .untilAsserted(
            () ->
                assertThat(strings(cp.capsule().tenant(tenant), "status", "namespaces"))
                    .containsExactly(tenant + "-b"));
  }

  @Test
  void movedAndRemovedNamespacesChangeBothTenants(ControlPlane cp) {
    // given
    String from = unique("sun");
    String to = unique("moon");
    cp.capsule().createTenant(from, Owner.user("heidi"));
    cp.capsule().createTenant(to, Owner.user("ivan"));
    cp.capsule().createNamespace(from, from + "-a");
    cp.capsule().createNamespace(from, from + "-b");

    // when
    cp.capsule().moveNamespace(from + "-a", to);
    cp.capsule().removeNamespace(from + "-b");

    // then
    assertThat(strings(cp.capsule().tenant(from), "status", "namespaces")).isEmpty();
    assertThat(strings(cp.capsule().tenant(to), "status", "namespaces"))
        .containsExactly(from + "-a");
    assertThat(cp.capsule().tenantOf(from + "-a")).isEqualTo(to);
    assertThat(cp.capsule().tenantOf(from + "-b")).isNull();
    assertThat(cp.adminClient().rbac().roleBindings().inNamespace(from + "-a").list().getItems())
        .extracting(b -> b.getSubjects().get(0).getName())
        .containsOnly("ivan");
    assertThat(
            cp.adminClient()
                .rbac()
                .roleBindings()
                .inNamespace(from + "-b")
                .withLabel(Capsule.TENANT_LABEL)
                .list()
                .getItems())
        .isEmpty();
  }

  @Test
  void deletingATenantGarbageCollectsItsNamespaces(ControlPlane cp) {
    // given
    String tenant = unique("fire");
    cp.capsule().createTenant(tenant, Owner.user("judy"));
    cp.capsule().createNamespace(tenant, tenant + "-a");

    // when
    cp.capsule().deleteTenant(tenant);

    // then
    await()
        .atMost(BOUND)
        .until(() -> cp.adminClient().namespaces().withName(tenant + "-a").get() == null);
  }

  private static Namespace namespace(String name) {
    return new io.fabric8.kubernetes.api.model.NamespaceBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .build();
  }

  private static List<String> strings(GenericKubernetesResource r, Object... path) {
    return r.get(path);
  }

  private static List<Map<String, Object>> maps(GenericKubernetesResource r, Object... path) {
    return r.get(path);
  }

  private static Object value(GenericKubernetesResource r, Object... path) {
    return r.get(path);
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
