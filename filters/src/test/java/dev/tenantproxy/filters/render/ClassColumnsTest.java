package dev.tenantproxy.filters.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Ingress, priority and runtime class Tables as the API server prints them (rows taken from
 * kube-apiserver v1.35.4's Tables of the same objects).
 */
class ClassColumnsTest {

  private static String cells(TableColumns columns, String json) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      columns.writeCells(
          json.getBytes(StandardCharsets.UTF_8), Instant.parse("2026-01-01T00:00:05Z"), g);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static final String CREATED =
      "\"metadata\":{\"name\":\"x\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"}";

  @Test
  void ingressClassesPrintTheirControllerAndParameters() throws Exception {
    TableColumns c = TableColumns.ingressClasses();
    assertThat(c.columns().stream().map(TableColumns.Column::name))
        .containsExactly("Name", "Controller", "Parameters", "Age");
    assertThat(cells(c, "{" + CREATED + ",\"spec\":{\"controller\":\"example.com/ingress\"}}"))
        .isEqualTo("[\"x\",\"example.com/ingress\",\"<none>\",\"5s\"]");
    assertThat(
            cells(
                c,
                "{"
                    + CREATED
                    + ",\"spec\":{\"controller\":\"c\",\"parameters\":{\"apiGroup\":"
                    + "\"k8s.example.com\",\"kind\":\"IngressParameters\",\"name\":\"external-lb\","
                    + "\"scope\":\"Cluster\"}}}"))
        .isEqualTo("[\"x\",\"c\",\"IngressParameters.k8s.example.com/external-lb\",\"5s\"]");
    assertThat(
            cells(
                c,
                "{"
                    + CREATED
                    + ",\"spec\":{\"controller\":\"c\",\"parameters\":{\"kind\":\"ConfigMap\","
                    + "\"name\":\"cm\",\"scope\":\"Namespace\",\"namespace\":\"ns1\"}}}"))
        .isEqualTo("[\"x\",\"c\",\"ConfigMap/cm\",\"5s\"]");
  }

  @Test
  void priorityClassesPrintAnIntegerValueABooleanDefaultAndThePolicy() throws Exception {
    TableColumns c = TableColumns.priorityClasses();
    assertThat(c.columns().stream().map(TableColumns.Column::name))
        .containsExactly("Name", "Value", "Global-Default", "Age", "PreemptionPolicy");
    assertThat(c.columns().stream().map(TableColumns.Column::type))
        .containsExactly("string", "integer", "boolean", "string", "string");
    assertThat(
            cells(
                c,
                "{"
                    + CREATED
                    + ",\"value\":-5,\"globalDefault\":true,\"preemptionPolicy\":\"Never\"}"))
        .isEqualTo("[\"x\",-5,true,\"5s\",\"Never\"]");
    assertThat(cells(c, "{" + CREATED + ",\"value\":2000001000}"))
        .isEqualTo("[\"x\",2000001000,false,\"5s\",\"PreemptLowerPriority\"]");
  }

  @Test
  void runtimeClassesPrintTheirHandler() throws Exception {
    TableColumns c = TableColumns.runtimeClasses();
    assertThat(c.columns().stream().map(TableColumns.Column::name))
        .containsExactly("Name", "Handler", "Age");
    assertThat(c.columns().get(1).description()).isEmpty();
    assertThat(cells(c, "{" + CREATED + ",\"handler\":\"runsc\"}"))
        .isEqualTo("[\"x\",\"runsc\",\"5s\"]");
  }
}
