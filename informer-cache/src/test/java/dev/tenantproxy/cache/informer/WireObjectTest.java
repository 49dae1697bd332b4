package dev.tenantproxy.cache.informer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@link WireObject}: an informed object decoded in one pass yields the same tenancy model and the
 * same JSON content as fabric8's generic decoding followed by re-encoding (what the index did
 * before), and its JSON is what the API server sent: same keys in the same order, numbers as sent,
 * unicode intact.
 */
class WireObjectTest {
  private static final ObjectMapper TREE = new ObjectMapper();

  // as the API server sends a Namespace (a watch event's object, a GET): kind first, managedFields,
  // Go's escapes of <, > and &, non-ASCII (incl. outside the BMP), big and fractional numbers
  private static final String NAMESPACE =
      "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"solar-prod\","
          + "\"uid\":\"2f8e7a1c-1b1e-4a8e-9d7e-0c5a3c2b1a00\",\"resourceVersion\":\"918273\","
          + "\"creationTimestamp\":\"2026-11-29T18:00:00Z\",\"labels\":{\"capsule.clastix.io/tenant\":"
          + "\"solar\",\"kubernetes.io/metadata.name\":\"solar-prod\",\"team\":\"équipe-☀\"},"
          + "\"annotations\":{\"note\":\"a \\u003cb\\u003e \\u0026 \\\"q\\\" \\\\ 🌞 日本\","
          + "\"weight\":\"1.10\"},\"ownerReferences\":[{\"apiVersion\":\"capsule.clastix.io/v1beta2\","
          + "\"kind\":\"Tenant\",\"name\":\"solar\",\"uid\":\"7d1c\",\"controller\":true,"
          + "\"blockOwnerDeletion\":true}],\"managedFields\":[{\"manager\":\"capsule\","
          + "\"operation\":\"Update\",\"apiVersion\":\"v1\",\"time\":\"2026-11-29T18:00:00Z\","
          + "\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{\"f:labels\":{\".\":{},"
          + "\"f:capsule.clastix.io/tenant\":{}},\"f:ownerReferences\":{\".\":{},"
          + "\"k:{\\\"uid\\\":\\\"7d1c\\\"}\":{}}}}}]},\"spec\":{\"finalizers\":[\"kubernetes\"]},"
          + "\"status\":{\"phase\":\"Active\",\"x-big\":123456789012345678901234567890,"
          + "\"x-long\":9007199254740993,\"x-float\":1.10,\"x-exp\":1e3,\"x-neg\":-0.5}}";

  // a Tenant as the API server sends custom resources: keys sorted, apiVersion first
  private static final String TENANT =
      "{\"apiVersion\":\"capsule.clastix.io/v1beta2\",\"kind\":\"Tenant\",\"metadata\":"
          + "{\"annotations\":{\"desc\":\"Sonnensystem ☀ — “prod”\"},\"generation\":3,"
          + "\"labels\":{\"env\":\"prod\"},\"name\":\"solar\",\"resourceVersion\":\"4711\","
          + "\"uid\":\"9a9a\"},\"spec\":{\"ingressOptions\":{\"allowedClasses\":{\"matchLabels\":"
          + "{\"tier\":\"gold\"}}},\"nodeSelector\":{\"pool\":\"solar\"},\"owners\":[{\"kind\":\"User\","
          + "\"name\":\"alice\",\"proxySettings\":[{\"kind\":\"Nodes\",\"operations\":[\"List\","
          + "\"Update\"]}]},{\"kind\":\"Group\",\"name\":\"ops-ü\"}],\"resourceQuotas\":{\"items\":"
          + "[{\"hard\":{\"pods\":\"10\"}}],\"scope\":\"Tenant\"},\"storageClasses\":{\"allowed\":"
          + "[\"fast\"],\"allowedRegex\":\"^ssd-.*$\",\"default\":\"fast\"}},\"status\":{\"namespaces\":"
          + "[\"solar-dev\",\"solar-prod\"],\"owners\":[{\"clusterRoles\":[\"admin\","
          + "\"capsule-namespace-deleter\"],\"kind\":\"User\",\"name\":\"alice\"}],\"size\":2,"
          + "\"state\":\"Active\"}}";

  @Test
  void aNamespaceYieldsTheSameModelAndJsonContentAsFabric8sGenericDecoding() {
    WireObject wire = Objects.JSON.unmarshal(NAMESPACE, WireObject.class);
    GenericKubernetesResource generic =
        Objects.JSON.unmarshal(NAMESPACE, GenericKubernetesResource.class);

    assertThat(Extractors.model(ResourceKind.NAMESPACES, wire))
        .isEqualTo(Extractors.model(ResourceKind.NAMESPACES, informed(generic)))
        .isNotNull();
    assertThat(Extractors.key(wire)).isEqualTo("solar-prod");
    byte[] json = wire.json(ResourceKind.NAMESPACES);
    assertThat(Extractors.cached(ResourceKind.NAMESPACES, wire, json))
        .usingRecursiveComparison()
        .isEqualTo(Extractors.cached(ResourceKind.NAMESPACES, informed(generic), json));
    assertThat(tree(json)).isEqualTo(tree(Objects.JSON.asJson(generic)));
    assertThat(wire.getMetadata().getOwnerReferences())
        .isEqualTo(generic.getMetadata().getOwnerReferences());
  }

  @Test
  void aTenantYieldsTheSameModelAndJsonContentAsFabric8sGenericDecoding() {
    WireObject wire = Objects.JSON.unmarshal(TENANT, WireObject.class);
    GenericKubernetesResource generic =
        Objects.JSON.unmarshal(TENANT, GenericKubernetesResource.class);

    var model = Extractors.model(ResourceKind.TENANTS, wire);
    assertThat(model)
        .isEqualTo(Extractors.model(ResourceKind.TENANTS, informed(generic)))
        .isNotNull();
    assertThat(tree(wire.json(ResourceKind.TENANTS))).isEqualTo(tree(Objects.JSON.asJson(generic)));
    assertThat(wire.getMetadata().getLabels()).isEqualTo(generic.getMetadata().getLabels());
  }

  @Test
  void theJsonIsWhatTheApiServerSentKeysInOrderNumbersAsSentUnicodeIntact() {
    for (String sent : List.of(NAMESPACE, TENANT)) {
      byte[] json = Objects.JSON.unmarshal(sent, WireObject.class).json(ResourceKind.NAMESPACES);
      String text = new String(json, StandardCharsets.UTF_8);

      // byte for byte, except that Go's \u003c, \u003e, \u0026 escapes come out as the characters
      assertThat(text)
          .isEqualTo(sent.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&"));
      assertThat(paths(tree(text))).isEqualTo(paths(tree(sent)));
    }
    String text =
        new String(
            Objects.JSON.unmarshal(NAMESPACE, WireObject.class).json(ResourceKind.NAMESPACES),
            StandardCharsets.UTF_8);
    assertThat(text)
        .contains("\"x-big\":123456789012345678901234567890", "\"x-float\":1.10", "\"x-exp\":1e3")
        .contains("🌞 日本", "équipe-☀", "\"capsule.clastix.io/tenant\"");
  }

  @Test
  void listItemsWithoutKindGetKindAndApiVersionFirstAsInAGet() {
    String list =
        "{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"10\","
            + "\"continue\":\"abc\"},\"items\":["
            + NAMESPACE.replace("\"kind\":\"Namespace\",\"apiVersion\":\"v1\",", "")
            + ",{\"metadata\":{\"name\":\"b\",\"resourceVersion\":\"9\"}}]}";

    WireObject.Page page = Objects.JSON.unmarshal(list, WireObject.Page.class);

    assertThat(page.getMetadata().getResourceVersion()).isEqualTo("10");
    assertThat(page.getMetadata().getContinue()).isEqualTo("abc");
    assertThat(page.getItems()).hasSize(2);
    WireObject first = page.getItems().get(0);
    assertThat(first.getKind()).isEqualTo("Namespace");
    assertThat(first.getApiVersion()).isEqualTo("v1");
    assertThat(new String(first.json(ResourceKind.NAMESPACES), StandardCharsets.UTF_8))
        .isEqualTo(
            NAMESPACE.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&"));
    assertThat(new String(page.getItems().get(1).json(ResourceKind.NAMESPACES)))
        .isEqualTo(
            "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\","
                + "\"metadata\":{\"name\":\"b\",\"resourceVersion\":\"9\"}}");
  }

  @Test
  void aLoneObjectWithoutKindGetsTheKindItIsInformedAs() {
    WireObject item =
        Objects.JSON.unmarshal(
            "{\"metadata\":{\"name\":\"b\",\"resourceVersion\":\"9\"}}", WireObject.class);
    item.setApiVersion("v1"); // as fabric8 does for list items without one

    assertThat(new String(item.json(ResourceKind.NAMESPACES), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\","
                + "\"metadata\":{\"name\":\"b\",\"resourceVersion\":\"9\"}}");
  }

  @Test
  void encodesBackToTheSameObjectSoFabric8CanConvertItToATypedOne() {
    WireObject wire = Objects.JSON.unmarshal(NAMESPACE, WireObject.class);

    Namespace typed = Objects.JSON.convertValue(wire, Namespace.class);

    assertThat(typed).isEqualTo(Objects.JSON.unmarshal(NAMESPACE, Namespace.class));
    assertThat(tree(Objects.JSON.asJson(wire))).isEqualTo(tree(NAMESPACE));
  }

  @Test
  void decodesFromATreeAsFabric8DoesForWatchEvents() {
    WireObject fromTree =
        Objects.JSON.convertValue(
            Objects.JSON.unmarshal(NAMESPACE, GenericKubernetesResource.class), WireObject.class);

    assertThat(Extractors.model(ResourceKind.NAMESPACES, fromTree))
        .isEqualTo(
            Extractors.model(
                ResourceKind.NAMESPACES, Objects.JSON.unmarshal(NAMESPACE, WireObject.class)));
    assertThat(tree(fromTree.json(ResourceKind.NAMESPACES))).isEqualTo(tree(NAMESPACE));
  }

  @Test
  void aPageReadFromItsBytesKeepsEveryItemsBytesAsSentGoEscapesIncluded() {
    String namespaceItem = NAMESPACE.replace("\"kind\":\"Namespace\",\"apiVersion\":\"v1\",", "");
    String list =
        "{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"10\","
            + "\"continue\":\"abc\",\"remainingItemCount\":7},\"items\":["
            + namespaceItem
            + ", {\"metadata\":{\"name\":\"b\" ,\"resourceVersion\":\"9\"}},{}]}";

    WireObject.Page page = fromBytes(list);

    assertThat(page.getMetadata().getResourceVersion()).isEqualTo("10");
    assertThat(page.getMetadata().getContinue()).isEqualTo("abc");
    assertThat(page.getMetadata().getRemainingItemCount()).isEqualTo(7L);
    assertThat(page.getItems())
        .extracting(item -> new String(item.json(ResourceKind.NAMESPACES), StandardCharsets.UTF_8))
        .containsExactly(
            NAMESPACE, // \u003c and the other escapes as sent: not decoded and re-written
            "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\","
                + "\"metadata\":{\"name\":\"b\" ,\"resourceVersion\":\"9\"}}",
            "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\"}");
    assertThat(page.getItems()).extracting(WireObject::getKind).containsOnly("Namespace");
    assertThat(page.getItems().get(1).getMetadata().getResourceVersion()).isEqualTo("9");
  }

  @Test
  void aPageReadFromItsBytesYieldsWhatTheTokenByTokenDecoderYields() {
    String namespaces =
        "{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"10\"},"
            + "\"items\":["
            + NAMESPACE.replace("\"kind\":\"Namespace\",\"apiVersion\":\"v1\",", "")
            + ","
            + NAMESPACE
            + "]}";
    String tenants =
        "{\"apiVersion\":\"capsule.clastix.io/v1beta2\",\"items\":["
            + TENANT
            + ","
            + TENANT.replace("\"solar\"", "\"lunar\"")
            + "],\"kind\":\"TenantList\",\"metadata\":{\"continue\":\"\",\"resourceVersion\":\"99\"}}";
    for (var c :
        List.of(
            List.of(namespaces, ResourceKind.NAMESPACES), List.of(tenants, ResourceKind.TENANTS))) {
      String list = (String) c.get(0);
      ResourceKind kind = (ResourceKind) c.get(1);
      List<WireObject> sliced = fromBytes(list).getItems();
      List<WireObject> copied = Objects.JSON.unmarshal(list, WireObject.Page.class).getItems();

      assertThat(sliced).hasSize(2).hasSameSizeAs(copied);
      for (int i = 0; i < sliced.size(); i++) {
        WireObject s = sliced.get(i);
        WireObject t = copied.get(i);
        assertThat(Extractors.model(kind, s)).isEqualTo(Extractors.model(kind, t)).isNotNull();
        assertThat(s.getMetadata()).isEqualTo(t.getMetadata());
        assertThat(List.of(s.getKind(), s.getApiVersion()))
            .isEqualTo(List.of(t.getKind(), t.getApiVersion()));
        for (String field : List.of("spec", "status")) {
          assertThat(s.field(field)).isEqualTo(t.field(field)).isNotNull();
        }
        assertThat(tree(s.json(kind))).isEqualTo(tree(t.json(kind)));
        assertThat(paths(tree(s.json(kind)))).isEqualTo(paths(tree(t.json(kind))));
      }
    }
  }

  @Test
  void theIndexsSerializationDecodesEveryOtherTypeAsFabric8Does() {
    var serialization = TenancyIndex.serialization();

    assertThat(
            serialization.unmarshal(
                new ByteArrayInputStream(NAMESPACE.getBytes(StandardCharsets.UTF_8)),
                new TypeReference<Namespace>() {}))
        .isEqualTo(Objects.JSON.unmarshal(NAMESPACE, Namespace.class));
    assertThat(serialization.asJson(Objects.JSON.unmarshal(NAMESPACE, Namespace.class)))
        .isEqualTo(Objects.JSON.asJson(Objects.JSON.unmarshal(NAMESPACE, Namespace.class)));
  }

  @Test
  void aPageThatIsNotAJsonObjectFailsAsFabric8ReportsAnUndecodableResponse() {
    for (String bad :
        List.of("[1,2]", "{\"items\":[{\"metadata\":", "{\"items\":[1]}", "", "not json")) {
      assertThatThrownBy(() -> fromBytes(bad))
          .as(bad)
          .isInstanceOf(KubernetesClientException.class);
    }
  }

  /** A page decoded as the index's client decodes the informers' list responses. */
  private static WireObject.Page fromBytes(String list) {
    return TenancyIndex.serialization()
        .unmarshal(
            new ByteArrayInputStream(list.getBytes(StandardCharsets.UTF_8)),
            new TypeReference<WireObject.Page>() {});
  }

  /** fabric8's generic object seen as the extractors see an informed object. */
  private static InformedObject informed(GenericKubernetesResource r) {
    return new InformedObject() {
      @Override
      public ObjectMeta getMetadata() {
        return r.getMetadata();
      }

      @Override
      public Object field(String name) {
        return r.getAdditionalProperties().get(name);
      }
    };
  }

  private static JsonNode tree(byte[] json) {
    return TREE.readTree(json);
  }

  private static JsonNode tree(String json) {
    return TREE.readTree(json);
  }

  /** Every property path in document order (object key order matters here). */
  private static List<String> paths(JsonNode node) {
    List<String> out = new ArrayList<>();
    paths(node, "", out);
    return out;
  }

  private static void paths(JsonNode node, String at, List<String> out) {
    if (node.isObject()) {
      Iterator<String> names = node.propertyNames().iterator();
      while (names.hasNext()) {
        String name = names.next();
        out.add(at + "/" + name);
        paths(node.get(name), at + "/" + name, out);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        paths(node.get(i), at + "[" + i + "]", out);
      }
    }
  }
}
