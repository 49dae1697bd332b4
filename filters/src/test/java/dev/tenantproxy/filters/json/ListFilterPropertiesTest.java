package dev.tenantproxy.filters.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property tests: ListFilter gives a filtered list or a 400 Status, and keeps exactly the visible
 * items.
 */
class ListFilterPropertiesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final ListFilter VISIBLE_ONLY =
      ListFilter.keeping(m -> m.namespace().startsWith("vis"));

  @Property(tries = 300)
  void anyBytesGiveAListOrA400(@ForAll("bodies") byte[] body) {
    try {
      VISIBLE_ONLY.filter(body);
    } catch (KubeStatusException e) {
      assertThat(e.code()).isEqualTo(400);
    }
  }

  @Property(tries = 300)
  void aValidListKeepsExactlyTheVisibleItemsInOrder(@ForAll("namespaces") List<String> namespaces)
      throws Exception {
    StringBuilder body =
        new StringBuilder(
            "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"7\","
                + "\"remainingItemCount\":3},\"items\":[");
    for (int i = 0; i < namespaces.size(); i++) {
      body.append(i == 0 ? "" : ",")
          .append("{\"metadata\":{\"name\":\"p")
          .append(i)
          .append("\",\"namespace\":\"")
          .append(namespaces.get(i))
          .append("\"}}");
    }
    body.append("]}");
    JsonNode out = MAPPER.readTree(VISIBLE_ONLY.filter(body.toString().getBytes(UTF_8)));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < namespaces.size(); i++) {
      if (namespaces.get(i).startsWith("vis")) {
        expected.add("p" + i);
      }
    }
    List<String> names = new ArrayList<>();
    out.get("items").forEach(item -> names.add(item.get("metadata").get("name").asText()));
    assertThat(names).isEqualTo(expected);
    assertThat(out.get("metadata").has("remainingItemCount")).isFalse();
    assertThat(out.get("metadata").get("resourceVersion").asText()).isEqualTo("7");
  }

  @Provide
  Arbitrary<List<String>> namespaces() {
    return Arbitraries.of("vis-a", "vis-b", "hidden-a", "hidden-b").list().ofMaxSize(30);
  }

  @Provide
  Arbitrary<byte[]> bodies() {
    String valid =
        "{\"kind\":\"List\",\"metadata\":{\"remainingItemCount\":1},\"items\":"
            + "[{\"metadata\":{\"namespace\":\"vis-a\",\"name\":\"x\"}},{\"metadata\":{\"namespace\":\"h\"}}]}";
    Arbitrary<byte[]> truncated =
        Arbitraries.integers()
            .between(0, valid.length())
            .map(n -> valid.substring(0, n).getBytes(UTF_8));
    Arbitrary<byte[]> nested =
        Arbitraries.integers()
            .between(1, 3000)
            .map(n -> ("{\"items\":[" + "[".repeat(n) + "]".repeat(n) + "]}").getBytes(UTF_8));
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
    return Arbitraries.oneOf(
        truncated,
        nested,
        random,
        Arbitraries.strings().ofMaxLength(100).map(s -> s.getBytes(UTF_8)));
  }
}
