package dev.tenantproxy.filters.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenantproxy.filters.request.ResponseFormat.IncludeObject;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RendererTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant CREATED = Instant.parse("2026-11-25T10:00:00Z");
  private static final Instant NOW = CREATED.plus(Duration.ofMinutes(5));

  private static byte[] namespace(String name, String phase, String rv) {
    return ("{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\""
            + name
            + "\",\"resourceVersion\":\""
            + rv
            + "\",\"creationTimestamp\":\"2026-11-25T10:00:00Z\",\"labels\":{\"a\":\"b\"}},"
            + "\"spec\":{\"finalizers\":[\"kubernetes\"]},\"status\":{\"phase\":\""
            + phase
            + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static JsonNode parse(byte[] bytes) throws Exception {
    return JSON.readTree(bytes);
  }

  @Test
  void typedListCarriesItemsUnchangedAndTheListMeta() throws Exception {
    Renderer r = new Renderer(Rendering.namespaces(ResponseFormat.JSON, null));
    JsonNode list =
        parse(
            r.list(
                "42",
                null,
                List.of(namespace("a", "Active", "7"), namespace("b", "Terminating", "9")),
                NOW));
    assertThat(list.path("kind").asText()).isEqualTo("NamespaceList");
    assertThat(list.path("apiVersion").asText()).isEqualTo("v1");
    assertThat(list.path("metadata").path("resourceVersion").asText()).isEqualTo("42");
    assertThat(list.path("metadata").has("continue")).isFalse();
    assertThat(list.path("metadata").has("remainingItemCount")).isFalse();
    assertThat(list.path("items")).hasSize(2);
    assertThat(list.path("items").get(1)).isEqualTo(parse(namespace("b", "Terminating", "9")));
  }

  @Test
  void tableListHasNamespaceColumnsAndMetadataRowsByDefault() throws Exception {
    Renderer r =
        new Renderer(Rendering.namespaces(ResponseFormat.TABLE_V1, IncludeObject.METADATA));
    JsonNode table = parse(r.list("42", "tok", List.of(namespace("a", "Active", "7")), NOW));
    assertThat(table.path("kind").asText()).isEqualTo("Table");
    assertThat(table.path("apiVersion").asText()).isEqualTo("meta.k8s.io/v1");
    assertThat(table.path("metadata").path("continue").asText()).isEqualTo("tok");
    assertThat(table.path("columnDefinitions").findValuesAsText("name"))
        .containsExactly("Name", "Status", "Age");
    assertThat(table.path("columnDefinitions").get(0).path("format").asText()).isEqualTo("name");
    JsonNode row = table.path("rows").get(0);
    assertThat(row.path("cells").toString()).isEqualTo("[\"a\",\"Active\",\"5m\"]");
    assertThat(row.path("object").path("kind").asText()).isEqualTo("PartialObjectMetadata");
    assertThat(row.path("object").path("metadata").path("labels").path("a").asText())
        .isEqualTo("b");
    assertThat(row.path("object").has("spec")).isFalse();
  }

  @Test
  void tableRowsCarryTheWholeObjectOrNothingWhenAsked() throws Exception {
    JsonNode withObject =
        parse(
            new Renderer(Rendering.namespaces(ResponseFormat.TABLE_V1BETA1, IncludeObject.OBJECT))
                .list("1", null, List.of(namespace("a", "Active", "7")), NOW));
    assertThat(withObject.path("apiVersion").asText()).isEqualTo("meta.k8s.io/v1beta1");
    assertThat(withObject.path("rows").get(0).path("object").path("spec").path("finalizers"))
        .hasSize(1);
    JsonNode without =
        parse(
            new Renderer(Rendering.namespaces(ResponseFormat.TABLE_V1, IncludeObject.NONE))
                .list("1", null, List.of(namespace("a", "Active", "7")), NOW));
    assertThat(without.path("rows").get(0).has("object")).isFalse();
  }

  @Test
  void partialObjectMetadataListHoldsOnlyMetadata() throws Exception {
    JsonNode list =
        parse(
            new Renderer(Rendering.namespaces(ResponseFormat.PARTIAL_METADATA_V1, null))
                .list("3", null, List.of(namespace("a", "Active", "7")), NOW));
    assertThat(list.path("kind").asText()).isEqualTo("PartialObjectMetadataList");
    assertThat(list.path("items").get(0).path("metadata").path("name").asText()).isEqualTo("a");
    assertThat(list.path("items").get(0).has("status")).isFalse();
  }

  @Test
  void tableWatchEventsCarryColumnsOnlyWhenAsked() throws Exception {
    Renderer r = new Renderer(Rendering.namespaces(ResponseFormat.TABLE_V1, null));
    byte[] first = r.event("ADDED", namespace("a", "Active", "7"), true, NOW);
    byte[] later = r.event("MODIFIED", namespace("a", "Terminating", "8"), false, NOW);
    assertThat(first[first.length - 1]).isEqualTo((byte) '\n');
    JsonNode e1 = parse(first);
    JsonNode e2 = parse(later);
    assertThat(e1.path("type").asText()).isEqualTo("ADDED");
    assertThat(e1.path("object").path("columnDefinitions")).hasSize(3);
    assertThat(e1.path("object").path("metadata").path("resourceVersion").asText()).isEqualTo("7");
    assertThat(e2.path("object").path("columnDefinitions").isNull()).isTrue();
    assertThat(e2.path("object").path("rows").get(0).path("cells").get(1).asText())
        .isEqualTo("Terminating");
  }

  @Test
  void typedWatchEventIsOneLineWithTheObject() throws Exception {
    byte[] line =
        new Renderer(Rendering.namespaces(ResponseFormat.JSON, null))
            .event("DELETED", namespace("a", "Active", "7"), false, NOW);
    String text = new String(line, StandardCharsets.UTF_8);
    assertThat(text.indexOf('\n')).isEqualTo(text.length() - 1);
    assertThat(parse(line).path("object").path("metadata").path("name").asText()).isEqualTo("a");
  }

  @Test
  void initialEventsEndBookmarkCarriesTheAnnotation() throws Exception {
    JsonNode b =
        parse(new Renderer(Rendering.namespaces(ResponseFormat.JSON, null)).bookmark("99", true));
    assertThat(b.path("type").asText()).isEqualTo("BOOKMARK");
    assertThat(b.path("object").path("kind").asText()).isEqualTo("Namespace");
    assertThat(b.path("object").path("metadata").path("resourceVersion").asText()).isEqualTo("99");
    assertThat(
            b.path("object")
                .path("metadata")
                .path("annotations")
                .path("k8s.io/initial-events-end")
                .asText())
        .isEqualTo("true");
    JsonNode plain =
        parse(new Renderer(Rendering.namespaces(ResponseFormat.JSON, null)).bookmark("99", false));
    assertThat(plain.path("object").path("metadata").has("annotations")).isFalse();
  }

  @Test
  void outputShapeIsDerivedFromWhatTheClientAsked() {
    assertThat(ResponseFormat.from(request(null, null))).isEqualTo(ResponseFormat.JSON);
    assertThat(ResponseFormat.from(request("application/json;as=Table;v=v1;g=meta.k8s.io", null)))
        .isEqualTo(ResponseFormat.TABLE_V1);
    assertThat(
            ResponseFormat.from(request("application/json;as=Table;v=v1beta1;g=meta.k8s.io", null)))
        .isEqualTo(ResponseFormat.TABLE_V1BETA1);
    assertThat(
            ResponseFormat.from(
                request("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", null)))
        .isEqualTo(ResponseFormat.PARTIAL_METADATA_V1);
    assertThat(
            ResponseFormat.from(
                request("application/json;as=PartialObjectMetadata;v=v1beta1;g=meta.k8s.io", null)))
        .isEqualTo(ResponseFormat.PARTIAL_METADATA_V1BETA1);
    assertThat(
            ResponseFormat.from(
                request("application/vnd.kubernetes.protobuf, application/json", null)))
        .isEqualTo(ResponseFormat.JSON);
    Rendering r =
        Rendering.namespaces(request("application/json;as=Table;v=v1;g=meta.k8s.io", "None"));
    assertThat(r.format()).isEqualTo(ResponseFormat.TABLE_V1);
    assertThat(r.includeObject()).isEqualTo(IncludeObject.NONE);
  }

  @Test
  void protobufOnlyIsNotAcceptable() {
    assertThatThrownBy(
            () -> ResponseFormat.from(request("application/vnd.kubernetes.protobuf", null)))
        .isInstanceOf(KubeStatusException.class)
        .extracting(e -> ((KubeStatusException) e).code())
        .isEqualTo(406);
  }

  private static dev.tenantproxy.filters.request.ResponseFormat request(
      String accept, String includeObject) {
    return dev.tenantproxy.filters.request.ResponseFormat.of(accept, includeObject);
  }

  @Test
  void ageIsUnknownWithoutACreationTimestamp() {
    assertThat(TableColumns.age(null, NOW)).isEqualTo("<unknown>");
    assertThat(TableColumns.age("yesterday", NOW)).isEqualTo("<unknown>");
  }

  @Test
  void typedListCopiesEachStoredObjectByteForByte() throws Exception {
    // unusual but valid JSON the API server may send: escapes, nested braces in strings, numbers
    byte[] odd =
        ("{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\","
                + "\"annotations\":{\"note\":\"a } { \\\"quoted\\\" \\u003cb\\u003e\"},"
                + "\"creationTimestamp\":\"2026-11-25T10:00:00Z\"},\"spec\":{\"n\":1.50e3},"
                + "\"status\":{\"phase\":\"Active\"}}")
            .getBytes(StandardCharsets.UTF_8);
    Renderer r = new Renderer(Rendering.namespaces(ResponseFormat.JSON, null));
    String out = new String(r.list("42", null, List.of(odd, odd), NOW), StandardCharsets.UTF_8);
    String item = new String(odd, StandardCharsets.UTF_8);
    assertThat(out).contains("[" + item + "," + item + "]");
    assertThat(parse(out.getBytes(StandardCharsets.UTF_8)).path("items").get(0))
        .isEqualTo(parse(odd));
  }

  @Test
  void partialMetadataIsTheStoredMetadataValueEvenWithBracesInsideStrings() throws Exception {
    byte[] odd =
        ("{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"}\"},"
                + "\"annotations\":{\"b\":\"{\\\"c\\\":[1,{}]}\"}},\"status\":{\"phase\":\"Active\"}}")
            .getBytes(StandardCharsets.UTF_8);
    Renderer r = new Renderer(Rendering.namespaces(ResponseFormat.PARTIAL_METADATA_V1, null));
    JsonNode list = parse(r.list("1", null, List.of(odd), NOW));
    assertThat(list.path("items").get(0).path("metadata")).isEqualTo(parse(odd).path("metadata"));
    assertThat(list.path("items").get(0).path("kind").asText()).isEqualTo("PartialObjectMetadata");
  }

  @Test
  void aNewVersionOfAnObjectIsRenderedWithItsOwnFields() throws Exception {
    Renderer r =
        new Renderer(Rendering.namespaces(ResponseFormat.TABLE_V1, IncludeObject.METADATA));
    byte[] v1 = namespace("a", "Active", "7");
    byte[] v2 = namespace("a", "Terminating", "8");
    JsonNode first = parse(r.list("7", null, List.of(v1), NOW));
    JsonNode again = parse(r.list("7", null, List.of(v1), NOW.plus(Duration.ofHours(2))));
    JsonNode second = parse(r.list("8", null, List.of(v2), NOW));
    assertThat(first.path("rows").get(0).path("cells").get(1).asText()).isEqualTo("Active");
    assertThat(first.path("rows").get(0).path("cells").get(2).asText()).isEqualTo("5m");
    // the remembered parts of v1 still give the age at the time of the request
    assertThat(again.path("rows").get(0).path("cells").get(2).asText()).isEqualTo("125m");
    assertThat(second.path("rows").get(0).path("cells").get(1).asText()).isEqualTo("Terminating");
    assertThat(
            second
                .path("rows")
                .get(0)
                .path("object")
                .path("metadata")
                .path("resourceVersion")
                .asText())
        .isEqualTo("8");
  }

  @Test
  void aStoredObjectThatIsNotOneJsonObjectFailsAsBeforeInsteadOfBeingCopied() {
    Renderer r = new Renderer(Rendering.namespaces(ResponseFormat.JSON, null));
    byte[] truncated = "{\"metadata\":{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8);
    byte[] twoObjects = "{\"a\":1}{\"b\":2}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> r.list("1", null, List.of(truncated), NOW))
        .isInstanceOf(java.io.UncheckedIOException.class);
    String out = new String(r.list("1", null, List.of(twoObjects), NOW), StandardCharsets.UTF_8);
    assertThat(out).doesNotContain("{\"b\":2}");
  }
}
