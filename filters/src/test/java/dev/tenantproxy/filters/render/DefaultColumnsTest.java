package dev.tenantproxy.filters.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The API server's default Table (built-in kinds without a printer, cluster roles). */
class DefaultColumnsTest {
  private static String cells(String json) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      TableColumns.apiServerDefault()
          .writeCells(json.getBytes(StandardCharsets.UTF_8), Instant.EPOCH, g);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void columnsAreNameAndCreatedAtAsADate() {
    assertThat(TableColumns.apiServerDefault().columns())
        .extracting(TableColumns.Column::name, TableColumns.Column::type)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Name", "string"),
            org.assertj.core.groups.Tuple.tuple("Created At", "date"));
  }

  @Test
  void createdAtIsTheTimestampInUtcToTheSecondAndTheZeroTimeWhenUnset() throws Exception {
    assertThat(
            cells(
                "{\"metadata\":{\"name\":\"admin\","
                    + "\"creationTimestamp\":\"2026-11-29T10:15:30+01:00\"}}"))
        .isEqualTo("[\"admin\",\"2026-11-29T09:15:30Z\"]");
    assertThat(cells("{\"metadata\":{\"name\":\"x\"}}"))
        .isEqualTo("[\"x\",\"0001-01-01T00:00:00Z\"]");
  }

  @Test
  void aCrdWithoutPrinterColumnsGetsTheApiServersAgeColumn() {
    assertThat(TableColumns.customResourceDefaulted(java.util.List.of()).columns())
        .extracting(TableColumns.Column::name)
        .containsExactly("Name", "Age");
  }
}
