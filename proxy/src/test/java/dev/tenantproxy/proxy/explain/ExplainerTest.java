package dev.tenantproxy.proxy.explain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.ClassKind;
import dev.tenantproxy.filters.tenancy.ClassPolicy;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancyObject;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import dev.tenantproxy.filters.visibility.ServedObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExplainerTest {
  private static final Caller ALICE = Caller.of("alice", "projectcapsule.dev");

  private static final TenancySnapshot SNAPSHOT =
      snapshot(
          new CapsuleConfigurationInfo(
              "default", "1", List.of(Principal.group("projectcapsule.dev")), List.of()),
          new TenantInfo(
              "solar",
              "",
              "1",
              "Active",
              List.of(new Owner(Principal.user("alice"), List.of("admin"))),
              List.of(),
              List.of(
                  new TenantInfo.SpecOwner(
                      Principal.user("alice"),
                      List.of(
                          new TenantInfo.OwnerProxySetting(
                              "StorageClasses", List.of("List", "Update"))))),
              Map.of("pool", "solar"),
              Map.of(
                  ClassKind.STORAGE_CLASSES,
                  ClassPolicy.of(List.of("fast", "standard"), null, null, "standard"))));

  private static TenancySnapshot snapshot(TenancyObject... objects) {
    TenancySnapshot s = TenancySnapshot.empty();
    for (TenancyObject o : objects) {
      s = s.with(o);
    }
    return s;
  }

  private static Explainer.KindObjects kind(String name, ServedObject... objects) {
    return new Explainer.KindObjects(
        ExplainKind.byName(name).orElseThrow(), List.of(objects), null);
  }

  private static Explanation everyKind(Caller caller) {
    return Explainer.explain(
        SNAPSHOT,
        caller,
        List.of(
            kind(
                "nodes",
                ServedObject.of("node-b", Map.of("pool", "solar")),
                ServedObject.of("node-a", Map.of("pool", "solar")),
                ServedObject.of("node-c", Map.of("pool", "wind"))),
            kind("sc", ServedObject.of("fast", null), ServedObject.of("slow", null)),
            kind("ingressclasses", ServedObject.of("nginx", null)),
            new Explainer.KindObjects(
                ExplainKind.byName("pv").orElseThrow(), List.of(), "HTTP 403: forbidden")));
  }

  @Test
  void textNamesForEachKindTheRulesTheGrantsAndEveryVisibleObjectWithItsReason() {
    String text = ExplainText.render(everyKind(ALICE));
    assertThat(text)
        .startsWith(
            "User alice (groups: projectcapsule.dev)\n"
                + "  a Capsule user: tenant-proxy answers the cluster-scoped reads below itself\n"
                + "  owns tenants: solar\n");
    assertThat(text)
        .contains(
            "nodes (v1): 2 of 3 visible\n"
                + "  rules that apply:\n"
                + "    + Tenant solar spec.nodeSelector pool=solar\n"
                + "  visible:\n"
                + "    node-a  Tenant solar spec.nodeSelector pool=solar\n"
                + "    node-b  Tenant solar spec.nodeSelector pool=solar\n");
    assertThat(text)
        .contains(
            "storageclasses.storage.k8s.io (storage.k8s.io/v1): 1 of 2 visible\n"
                + "  rules that apply:\n"
                + "    + Tenant solar spec.storageClasses.allowed [fast, standard]\n"
                + "        grant: Tenant solar spec.owners User:alice: StorageClasses [List,"
                + " Update]\n"
                + "    + Tenant solar spec.storageClasses.default standard\n");
    assertThat(text)
        .contains("    fast  Tenant solar spec.storageClasses.allowed [fast, standard]\n");
    assertThat(text).doesNotContain("slow").doesNotContain("node-c");
    assertThat(text)
        .contains(
            "ingressclasses.networking.k8s.io (networking.k8s.io/v1): nothing granted\n"
                + "  requests pass through to the API server as alice (its RBAC answers, usually"
                + " 403 Forbidden)\n"
                + "  rules that do not apply:\n"
                + "    - Tenant solar spec.ingressOptions.allowedClasses is not set (it grants no"
                + " ingressclasses)\n");
    assertThat(text).contains("persistentvolumes (v1): cannot list: HTTP 403: forbidden\n");
  }

  @Test
  void jsonCarriesTheSameFactsForScripts() throws Exception {
    JsonNode json = new ObjectMapper().readTree(ExplainJson.render(everyKind(ALICE)));
    assertThat(json.get("user").asText()).isEqualTo("alice");
    assertThat(json.get("capsuleUser").asBoolean()).isTrue();
    assertThat(json.get("ownedTenants").get(0).asText()).isEqualTo("solar");
    JsonNode nodes = json.get("kinds").get(0);
    assertThat(nodes.get("resource").asText()).isEqualTo("nodes");
    assertThat(nodes.get("served").asBoolean()).isTrue();
    assertThat(nodes.get("total").asInt()).isEqualTo(3);
    assertThat(nodes.get("visible")).hasSize(2);
    JsonNode reason = nodes.get("visible").get(0).get("reasons").get(0);
    assertThat(reason.get("rule").asText()).isEqualTo("NODE_SELECTOR");
    assertThat(reason.get("tenant").asText()).isEqualTo("solar");
    assertThat(reason.get("detail").asText()).isEqualTo("pool=solar");
    JsonNode sc = json.get("kinds").get(1);
    assertThat(sc.get("rules").get(0).get("grant").asText())
        .isEqualTo("Tenant solar spec.owners User:alice: StorageClasses [List, Update]");
    assertThat(json.get("kinds").get(2).get("served").asBoolean()).isFalse();
    assertThat(json.get("kinds").get(3).get("total").asInt()).isEqualTo(-1);
    assertThat(json.get("object").isNull()).isTrue();
  }

  @Test
  void hiddenObjectIsExplainedRuleByRule() {
    Explanation e =
        Explainer.explainObject(
            SNAPSHOT,
            ALICE,
            ExplainKind.byName("node").orElseThrow(),
            "node-3",
            ServedObject.of("node-3", Map.of("pool", "wind")));
    assertThat(ExplainText.render(e))
        .isEqualTo(
            "nodes/node-3 for User alice (groups: projectcapsule.dev): NOT VISIBLE\n"
                + "  labels: pool=wind\n"
                + "  why not:\n"
                + "    - Tenant solar spec.nodeSelector pool=solar: does not select it\n");
  }

  @Test
  void visibleObjectShowsItsReasonsAndWhichWritesTheGrantsAllow() {
    Explanation e =
        Explainer.explainObject(
            SNAPSHOT,
            ALICE,
            ExplainKind.byName("storageclass").orElseThrow(),
            "standard",
            ServedObject.of("standard", null));
    assertThat(ExplainText.render(e))
        .isEqualTo(
            "storageclasses.storage.k8s.io/standard for User alice (groups:"
                + " projectcapsule.dev): VISIBLE\n"
                + "  because:\n"
                + "    + Tenant solar spec.storageClasses.allowed [fast, standard] (grant: Tenant"
                + " solar spec.owners User:alice: StorageClasses [List, Update])\n"
                + "    + Tenant solar spec.storageClasses.default standard (grant: Tenant solar"
                + " spec.owners User:alice: StorageClasses [List, Update])\n"
                + "  writes through the proxy:\n"
                + "    Update: yes  Tenant solar spec.owners User:alice: StorageClasses [List,"
                + " Update]\n"
                + "    Delete: no   User alice holds no StorageClasses Delete grant in a tenant"
                + " whose rules select standard\n");
  }

  @Test
  void missingObjectAndGrantlessKindSayWhatTheUserGets() {
    ExplainKind sc = ExplainKind.byName("storageclasses.storage.k8s.io").orElseThrow();
    assertThat(ExplainText.render(Explainer.explainObject(SNAPSHOT, ALICE, sc, "gone", null)))
        .contains("storageclasses.storage.k8s.io/gone for User alice")
        .contains("DOES NOT EXIST")
        .contains("the same 404");
    Caller bob = Caller.of("bob", "projectcapsule.dev");
    String text =
        ExplainText.render(
            Explainer.explainObject(SNAPSHOT, bob, sc, "fast", ServedObject.of("fast", null)));
    assertThat(text)
        .contains("NOT VISIBLE")
        .contains("User bob owns no tenant")
        .contains("passes through to the API server as the user (its RBAC answers, usually 403");
  }

  @Test
  void nonCapsuleUserIsToldEverythingPassesThrough() {
    Caller admin = Caller.of("root", "system:masters");
    Explanation e = everyKind(admin);
    assertThat(e.kinds()).isEmpty();
    assertThat(ExplainText.render(e))
        .isEqualTo(
            "User root (groups: system:masters)\n"
                + "  not a Capsule user: tenant-proxy passes every request through to the API"
                + " server as this user, whose own RBAC decides\n");
  }

  @Test
  void kindsAreFoundByTheNamesKubectlAccepts() {
    assertThat(ExplainKind.byName("no").orElseThrow().displayName()).isEqualTo("nodes");
    assertThat(ExplainKind.byName("PV").orElseThrow().displayName()).isEqualTo("persistentvolumes");
    assertThat(ExplainKind.byName("tnt").orElseThrow().apiVersion())
        .isEqualTo("capsule.clastix.io/v1beta2");
    assertThat(ExplainKind.byName("ingressclass.networking.k8s.io")).isPresent();
    assertThat(ExplainKind.byName("pods")).isEmpty();
  }
}
