package dev.tenantproxy.filters.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TableFilterTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final String TABLE =
      """
      {"kind":"Table","apiVersion":"meta.k8s.io/v1",
       "metadata":{"resourceVersion":"9","remainingItemCount":4},
       "columnDefinitions":[{"name":"Name","type":"string","format":"name"}],
       "rows":[
        {"cells":["a","Active","1d"],"object":{"kind":"PartialObjectMetadata","metadata":{"name":"a"}}},
        {"cells":["b","Active","1d"],"object":{"kind":"PartialObjectMetadata","metadata":{"name":"b","namespace":"ns"}}}
       ]}
      """;

  private static final String TABLE_WITHOUT_OBJECTS =
      """
      {"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{},
       "columnDefinitions":[],
       "rows":[{"cells":["a","Active"],"object":null},{"cells":["b","Active"]},{"cells":[]}]}
      """;

  @Test
  void keepsRowsWhoseObjectIsVisible() throws Exception {
    JsonNode out = filter(TableFilter.keeping(r -> r.name().equals("b")), TABLE);
    assertThat(out.get("rows")).hasSize(1);
    assertThat(out.get("rows").get(0).get("cells").get(0).asText()).isEqualTo("b");
    assertThat(out.get("columnDefinitions")).hasSize(1);
    assertThat(out.get("metadata").has("remainingItemCount")).isFalse();
    assertThat(out.get("metadata").get("resourceVersion").asText()).isEqualTo("9");
  }

  @Test
  void rowsExposeObjectMetadataAndFirstCell() throws Exception {
    List<TableRow> seen = new ArrayList<>();
    filter(TableFilter.keeping(seen::add), TABLE);
    assertThat(seen.get(1).namespace()).isEqualTo("ns");
    assertThat(seen.get(1).firstCell()).isEqualTo("b");
  }

  @Test
  void rowsWithoutObjectAreJudgedByTheirFirstCell() throws Exception {
    List<TableRow> seen = new ArrayList<>();
    JsonNode out =
        filter(
            TableFilter.keeping(
                r -> {
                  seen.add(r);
                  return r.object() == null && r.name().equals("a");
                }),
            TABLE_WITHOUT_OBJECTS);
    assertThat(seen)
        .containsExactly(
            new TableRow(null, "a"), new TableRow(null, "b"), new TableRow(null, null));
    assertThat(out.get("rows")).hasSize(1);
    assertThat(out.get("rows").get(0).get("cells").get(0).asText()).isEqualTo("a");
  }

  private static JsonNode filter(TableFilter f, String json) throws Exception {
    return MAPPER.readTree(f.filter(json.getBytes(UTF_8)));
  }
}
