package dev.tenantproxy.cache.informer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.cache.watchcache.CachedObject;
import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.ClassKind;
import dev.tenantproxy.filters.tenancy.ClassPolicy;
import dev.tenantproxy.filters.tenancy.GlobalProxySettingsInfo;
import dev.tenantproxy.filters.tenancy.NamespaceInfo;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.ProxySettingInfo;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExtractorsTest {

  @Test
  void tenantOwnershipComesFromStatusAndUnknownKindsAreSkipped() {
    TenantInfo t = Extractors.tenant(Objects.tenant("solar", "7", "alice", "solar-b", "solar-a"));
    assertThat(t.ownerPrincipals()).containsExactly(Principal.user("alice"));
    assertThat(t.owners().get(0).clusterRoles()).containsExactly("admin");
    assertThat(t.statusNamespaces()).containsExactly("solar-a", "solar-b");
    assertThat(t.resourceVersion()).isEqualTo("7");
    assertThat(t.specOwners().get(0).proxySettings().get(0).kind()).isEqualTo("Nodes");
    assertThat(t.nodeSelector()).containsEntry("pool", "solar");
  }

  @Test
  void namespaceTenantComesFromItsTenantOwnerReference() {
    NamespaceInfo n = Extractors.namespace(Objects.namespace("solar-a", "9", "solar"));
    assertThat(n.ownerTenant()).isEqualTo("solar");
    assertThat(n.claimedTenant()).isEqualTo("solar");
    assertThat(n.phase()).isEqualTo("Active");
  }

  @Test
  void cachedNamespaceKeepsJsonAndFilterFields() {
    var r = Objects.namespace("solar-a", "9", "solar");
    CachedObject o =
        Extractors.cached(ResourceKind.NAMESPACES, r, "{}".getBytes(StandardCharsets.UTF_8));
    assertThat(o.key()).isEqualTo("solar-a");
    assertThat(o.fields())
        .containsEntry("metadata.name", "solar-a")
        .containsEntry("status.phase", "Active");
    assertThat(o.labels()).containsEntry("kubernetes.io/metadata.name", "solar-a");
  }

  @Test
  void capsuleConfigurationUsersAndIgnoredGroups() {
    CapsuleConfigurationInfo c =
        Extractors.configuration(
            Objects.parse(
                "{'apiVersion':'capsule.clastix.io/v1beta2','kind':'CapsuleConfiguration',"
                    + "'metadata':{'name':'default','resourceVersion':'1'},"
                    + "'spec':{'ignoreUserWithGroups':['admins']},"
                    + "'status':{'users':[{'kind':'Group','name':'projectcapsule.dev'}]}}"));
    assertThat(c.users()).containsExactly(Principal.group("projectcapsule.dev"));
    assertThat(c.ignoreUserWithGroups()).containsExactly("admins");
  }

  @Test
  void proxySettingAndGlobalProxySettingsAreParsed() {
    ProxySettingInfo ps =
        Extractors.proxySetting(
            Objects.parse(
                "{'apiVersion':'capsule.clastix.io/v1beta1','kind':'ProxySetting',"
                    + "'metadata':{'name':'ps','namespace':'solar-a','resourceVersion':'1'},"
                    + "'spec':{'subjects':[{'kind':'User','name':'alice','clusterResources':[{"
                    + "'apiGroups':[''],'resources':['nodes'],'operations':['List'],"
                    + "'selector':{'matchLabels':{'pool':'solar'},'matchExpressions':[{'key':'k',"
                    + "'operator':'In','values':['v']}]}}]}]}}"));
    assertThat(ps.key()).isEqualTo("solar-a/ps");
    var cr = ps.subjects().get(0).clusterResources().get(0);
    assertThat(cr.resources()).containsExactly("nodes");
    assertThat(cr.selector().matchLabels()).containsEntry("pool", "solar");
    assertThat(cr.selector().matchExpressions().get(0).operator()).isEqualTo("In");

    GlobalProxySettingsInfo g =
        Extractors.globalProxySettings(
            Objects.parse(
                "{'apiVersion':'capsule.clastix.io/v1beta1','kind':'GlobalProxySettings',"
                    + "'metadata':{'name':'g','resourceVersion':'1'},'spec':{'rules':[{"
                    + "'subjects':[{'kind':'Group','name':'ops'}],'clusterResources':[{"
                    + "'apiGroups':['*'],'resources':['*'],'selector':{}}]}]}}"));
    assertThat(g.rules().get(0).subjects()).containsExactly(Principal.group("ops"));
    assertThat(g.rules().get(0).clusterResources().get(0).selector().isEmpty()).isTrue();
  }

  @Test
  void tenantClassPoliciesAreReadFromTheirV1beta2Places() {
    TenantInfo t =
        Extractors.tenant(
            Objects.parse(
                "{'apiVersion':'capsule.clastix.io/v1beta2','kind':'Tenant','metadata':{'name':'x'},"
                    + "'spec':{'storageClasses':{'allowed':['fast','slow'],'allowedRegex':'^gold-',"
                    + "'default':'slow','matchLabels':{'tier':'a'},'matchExpressions':[{'key':'z',"
                    + "'operator':'Exists'}]},"
                    + "'ingressOptions':{'allowedClasses':{'allowed':['nginx'],'default':'nginx'}},"
                    + "'priorityClasses':{'allowedRegex':'(unclosed'},"
                    + "'runtimeClasses':{'matchLabels':{'rt':'gvisor'}}}}"));
    ClassPolicy storage = t.classPolicy(ClassKind.STORAGE_CLASSES);
    assertThat(storage.allowed()).containsExactly("fast", "slow");
    assertThat(storage.regex().matcher("x-gold-1").find()).isFalse();
    assertThat(storage.regex().matcher("gold-1").find()).isTrue();
    assertThat(storage.defaultName()).isEqualTo("slow");
    assertThat(storage.selector().matchLabels()).containsEntry("tier", "a");
    assertThat(storage.selector().matchExpressions().get(0).operator()).isEqualTo("Exists");
    assertThat(t.classPolicy(ClassKind.INGRESS_CLASSES).allowed()).containsExactly("nginx");
    assertThat(t.classPolicy(ClassKind.INGRESS_CLASSES).defaultName()).isEqualTo("nginx");
    ClassPolicy priority = t.classPolicy(ClassKind.PRIORITY_CLASSES);
    assertThat(priority.regex()).isNull();
    assertThat(priority.regexError()).isNotBlank();
    assertThat(t.classPolicy(ClassKind.RUNTIME_CLASSES).selector().matchLabels())
        .containsEntry("rt", "gvisor");
    // the same spec read twice is equal (the reducer compares models)
    assertThat(Extractors.classPolicies(Map.of())).isEqualTo(Extractors.classPolicies(Map.of()));
  }

  @Test
  void tenantWithoutClassPoliciesHasNone() {
    TenantInfo t = Extractors.tenant(Objects.tenant("solar", "7", "alice", "solar-a"));
    for (ClassKind k : ClassKind.values()) {
      assertThat(t.classPolicy(k)).isSameAs(ClassPolicy.NONE);
    }
    assertThat(t.classPolicies()).isEmpty();
  }

  @Test
  void malformedFieldsAreIgnoredNotThrown() {
    TenantInfo t =
        Extractors.tenant(
            Objects.parse(
                "{'apiVersion':'capsule.clastix.io/v1beta2','kind':'Tenant','metadata':{'name':'x'},"
                    + "'status':{'owners':'oops','namespaces':[1,'a']}}"));
    assertThat(t.owners()).isEmpty();
    assertThat(t.statusNamespaces()).containsExactly("a");
  }
}
