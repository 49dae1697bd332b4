package dev.tenantproxy.filters.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tenantproxy.filters.render.TableColumns.PrinterColumn;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CRD Tables as the API server's table convertor prints them (the Tenant CRD's columns). */
class CustomResourceColumnsTest {
  private static final TableColumns TENANT =
      TableColumns.customResource(
          List.of(
              new PrinterColumn("State", "string", "", "", 0, ".status.state"),
              new PrinterColumn("Namespace count", "integer", "", "", 0, ".status.size"),
              new PrinterColumn("Node selector", "string", "", "", 0, ".spec.nodeSelector"),
              new PrinterColumn("Age", "date", "", "", 0, ".metadata.creationTimestamp")));

  private static String cells(String json) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      TENANT.writeCells(
          json.getBytes(StandardCharsets.UTF_8), Instant.parse("2026-01-01T01:00:00Z"), g);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void columnsAreNameThenThePrinterColumnsWithTheApiServersDefaultDescriptions() {
    assertThat(TENANT.columns().stream().map(TableColumns.Column::name))
        .containsExactly("Name", "State", "Namespace count", "Node selector", "Age");
    assertThat(TENANT.columns().get(0).format()).isEqualTo("name");
    assertThat(TENANT.columns().get(4).type()).isEqualTo("date");
    assertThat(TENANT.columns().get(1).description())
        .isEqualTo("Custom resource definition column (in JSONPath format): .status.state");
  }

  @Test
  void cellsPrintStringsMapsAsJsonIntegersAndAges() throws Exception {
    assertThat(
            cells(
                "{\"metadata\":{\"name\":\"solar\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"},"
                    + "\"spec\":{\"nodeSelector\":{\"pool\":\"solar\"}},"
                    + "\"status\":{\"state\":\"Active\",\"size\":2}}"))
        .isEqualTo("[\"solar\",\"Active\",2,\"{\\\"pool\\\":\\\"solar\\\"}\",\"60m\"]");
  }

  @Test
  void missingOrMistypedValuesAreNull() throws Exception {
    assertThat(cells("{\"metadata\":{\"name\":\"x\"},\"status\":{\"size\":\"two\"}}"))
        .isEqualTo("[\"x\",null,null,null,null]");
  }
}
