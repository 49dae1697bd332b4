package dev.tenantproxy.proxy.rbacsync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.tenancy.NamespaceInfo;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DesiredRbacTest {

  private static TenantInfo tenant(String name, Principal... owners) {
    return new TenantInfo(
        name,
        "uid-" + name,
        "1",
        "Active",
        java.util.Arrays.stream(owners).map(p -> new Owner(p, List.of("admin"))).toList(),
        List.of(),
        List.of(),
        Map.of());
  }

  private static NamespaceInfo namespace(String name, String tenant, String phase) {
    return new NamespaceInfo(
        name, "uid-" + name, "1", phase, Map.of(NamespaceInfo.TENANT_LABEL, tenant), null);
  }

  @Test
  void roleGrantsGetListWatchOnExactlyTheTenantsNamespacesIncludingTerminatingOnes() {
    TenancySnapshot s =
        TenancySnapshot.empty()
            .with(tenant("solar", Principal.user("alice")))
            .with(tenant("wind", Principal.user("bob")))
            .with(namespace("solar-prod", "solar", "Terminating"))
            .with(namespace("solar-dev", "solar", "Active"))
            .with(namespace("wind-dev", "wind", "Active"));

    ClusterRole role = DesiredRbac.roles(s, false).get("tenant-proxy-direct:solar");

    assertThat(role.getRules()).hasSize(1);
    assertThat(role.getRules().get(0).getResourceNames())
        .containsExactly("solar-dev", "solar-prod");
    assertThat(role.getRules().get(0).getVerbs()).containsExactly("get", "list", "watch");
    assertThat(role.getRules().get(0).getResources()).containsExactly("namespaces");
    assertThat(role.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "tenant-proxy-rbac-sync");
    assertThat(role.getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo("uid-solar");
  }

  @Test
  void tenantWithoutNamespacesGetsNoNamespaceRuleBecauseEmptyResourceNamesMeansAll() {
    TenancySnapshot s = TenancySnapshot.empty().with(tenant("empty", Principal.user("alice")));

    assertThat(DesiredRbac.roles(s, false).get("tenant-proxy-direct:empty").getRules()).isEmpty();
    assertThat(DesiredRbac.roles(s, true).get("tenant-proxy-direct:empty").getRules())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getResources()).containsExactly("tenants");
              assertThat(r.getResourceNames()).containsExactly("empty");
            });
  }

  @Test
  void namespaceMovedToAnotherTenantLeavesTheFirstRole() {
    TenancySnapshot s =
        TenancySnapshot.empty()
            .with(tenant("solar", Principal.user("alice")))
            .with(tenant("wind", Principal.user("bob")))
            .with(namespace("shared", "solar", "Active"))
            .with(namespace("solar-dev", "solar", "Active"));
    TenancySnapshot moved = s.with(namespace("shared", "wind", "Active"));

    assertThat(
            DesiredRbac.roles(moved, false)
                .get("tenant-proxy-direct:solar")
                .getRules()
                .get(0)
                .getResourceNames())
        .containsExactly("solar-dev");
    assertThat(
            DesiredRbac.roles(moved, false)
                .get("tenant-proxy-direct:wind")
                .getRules()
                .get(0)
                .getResourceNames())
        .containsExactly("shared");
  }

  @Test
  void bindingNamesEveryOwnerKindAsItsRbacSubject() {
    TenantInfo t =
        tenant(
            "solar",
            Principal.user("alice"),
            Principal.group("solar-admins"),
            Principal.serviceAccount("system:serviceaccount:ci:deployer"));

    ClusterRoleBinding b = DesiredRbac.binding(t);

    assertThat(b.getRoleRef().getName()).isEqualTo("tenant-proxy-direct:solar");
    assertThat(b.getSubjects())
        .extracting(Subject::getKind, Subject::getNamespace, Subject::getName)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Group", null, "solar-admins"),
            org.assertj.core.groups.Tuple.tuple("ServiceAccount", "ci", "deployer"),
            org.assertj.core.groups.Tuple.tuple("User", null, "alice"));
  }

  @Test
  void sameIgnoresServerFieldsButSeesAHandEdit() {
    TenantInfo t = tenant("solar", Principal.user("alice"));
    ClusterRole want = DesiredRbac.role(t, List.of("solar-dev"), false);
    ClusterRole fromServer =
        new ClusterRoleBuilder(want)
            .editMetadata()
            .withResourceVersion("42")
            .withUid("x")
            .withCreationTimestamp("2026-01-01T00:00:00Z")
            .endMetadata()
            .build();
    ClusterRole edited =
        new ClusterRoleBuilder(fromServer)
            .editFirstRule()
            .withResourceNames("solar-dev", "wind-prod")
            .endRule()
            .build();

    assertThat(DesiredRbac.same(want, fromServer)).isTrue();
    assertThat(DesiredRbac.same(want, edited)).isFalse();
  }
}
