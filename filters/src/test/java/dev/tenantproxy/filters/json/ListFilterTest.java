package dev.tenantproxy.filters.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ListFilterTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final String LIST =
      """
      {"kind":"NamespaceList","apiVersion":"v1",
       "metadata":{"resourceVersion":"42","continue":"upstream-token","remainingItemCount":17},
       "items":[
        {"metadata":{"name":"a","labels":{"team":"x","n":1}},"status":{"phase":"Active"}},
        {"metadata":{"name":"b"},"status":{"phase":"Active"}},
        {"spec":{"metadata":{"name":"a"}},"metadata":{"name":"c"},"x":[1.10,3.141592653589793238462643383279,123456789012345678901234567890]}
       ]}
      """;

  @Test
  void keepsOnlyItemsThePredicateAccepts() throws Exception {
    JsonNode out = filter(ListFilter.keeping(m -> Set.of("a", "c").contains(m.name())), LIST);
    assertThat(names(out)).containsExactly("a", "c");
    assertThat(out.get("kind").asText()).isEqualTo("NamespaceList");
  }

  @Test
  void dropsRemainingItemCountAndKeepsResourceVersion() throws Exception {
    JsonNode out = filter(ListFilter.keeping(m -> true), LIST);
    assertThat(out.get("metadata").has("remainingItemCount")).isFalse();
    assertThat(out.get("metadata").get("resourceVersion").asText()).isEqualTo("42");
    assertThat(out.get("metadata").get("continue").asText()).isEqualTo("upstream-token");
  }

  @Test
  void replacesOrRemovesTheContinueToken() throws Exception {
    assertThat(
            filter(ListFilter.keeping(m -> true).withContinue("mine"), LIST)
                .get("metadata")
                .get("continue")
                .asText())
        .isEqualTo("mine");
    assertThat(
            filter(ListFilter.keeping(m -> true).withContinue(""), LIST)
                .get("metadata")
                .has("continue"))
        .isFalse();
    assertThat(
            filter(
                    ListFilter.keeping(m -> true).withContinue("t"),
                    "{\"metadata\":{},\"items\":[]}")
                .get("metadata")
                .get("continue")
                .asText())
        .isEqualTo("t");
  }

  @Test
  void readsMetadataWhereverItAppearsInTheItemButNotNestedOnes() throws Exception {
    List<ItemMeta> seen = new ArrayList<>();
    filter(ListFilter.keeping(m -> seen.add(m)), LIST);
    assertThat(seen).extracting(ItemMeta::name).containsExactly("a", "b", "c");
    assertThat(seen.get(0).labels()).containsExactly(java.util.Map.entry("team", "x"));
  }

  @Test
  void copiesKeptItemsWithoutChangingNumbers() {
    byte[] out = ListFilter.keeping(m -> m.name().equals("c")).filter(LIST.getBytes(UTF_8));
    assertThat(new String(out, UTF_8))
        .contains("[1.10,3.141592653589793238462643383279,123456789012345678901234567890]");
  }

  @Test
  void countsSeenAndKeptItems() {
    FilterResult r =
        ListFilter.keeping(m -> m.name().equals("b"))
            .filter(new ByteArrayInputStream(LIST.getBytes(UTF_8)), new ByteArrayOutputStream());
    assertThat(r).isEqualTo(new FilterResult(3, 1));
  }

  @Test
  void dropsItemsThatAreNotObjects() throws Exception {
    JsonNode out =
        filter(
            ListFilter.keeping(m -> true),
            "{\"items\":[null,1,[2],{\"metadata\":{\"name\":\"a\"}}]}");
    assertThat(out.get("items")).hasSize(1);
  }

  @Test
  void metadataAfterItemsIsStillRewritten() throws Exception {
    JsonNode out =
        filter(
            ListFilter.keeping(m -> false),
            "{\"items\":[{}],\"metadata\":{\"remainingItemCount\":3}}");
    assertThat(out.get("items")).isEmpty();
    assertThat(out.get("metadata").has("remainingItemCount")).isFalse();
  }

  @Test
  void malformedBodiesFailWithBadRequestWithoutQuotingTheBody() {
    for (String bad :
        List.of(
            "",
            "[]",
            "{\"items\":[{\"metadata\":{\"name\":\"secret-ns\"}",
            "{\"items\":[{\"metadata\":{\"name\":secret-ns}}]}",
            "{} {}",
            "{\"items\":[]}x")) {
      assertThatThrownBy(() -> ListFilter.keeping(m -> true).filter(bad.getBytes(UTF_8)))
          .as(bad)
          .isInstanceOfSatisfying(
              KubeStatusException.class,
              e -> {
                assertThat(e.code()).isEqualTo(400);
                assertThat(e.getMessage()).doesNotContain("secret");
              });
    }
  }

  private static JsonNode filter(ListFilter f, String json) throws Exception {
    return MAPPER.readTree(f.filter(json.getBytes(UTF_8)));
  }

  private static List<String> names(JsonNode list) {
    List<String> names = new ArrayList<>();
    list.get("items").forEach(i -> names.add(i.get("metadata").get("name").asText()));
    return names;
  }
}
