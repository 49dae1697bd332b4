package dev.tenantproxy.filters.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Storage class Tables as the API server prints them (rows taken from kube-apiserver v1.35.4's
 * Table of the same objects).
 */
class StorageClassColumnsTest {
  private static final TableColumns CLASSES = TableColumns.storageClasses();

  private static String cells(String json) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      CLASSES.writeCells(
          json.getBytes(StandardCharsets.UTF_8), Instant.parse("2026-01-01T00:00:05Z"), g);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void columnsAreTheApiServers() {
    assertThat(CLASSES.columns().stream().map(TableColumns.Column::name))
        .containsExactly(
            "Name",
            "Provisioner",
            "ReclaimPolicy",
            "VolumeBindingMode",
            "AllowVolumeExpansion",
            "Age");
    assertThat(CLASSES.columns()).allMatch(c -> c.priority() == 0 && c.type().equals("string"));
    assertThat(CLASSES.columns().get(0).format()).isEqualTo("name");
  }

  @Test
  void theDefaultClassIsMarkedAndUnsetFieldsPrintTheirDefaults() throws Exception {
    assertThat(
            cells(
                "{\"metadata\":{\"name\":\"fast\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\","
                    + "\"annotations\":{\"storageclass.kubernetes.io/is-default-class\":\"true\"}},"
                    + "\"provisioner\":\"example.com/fast\"}"))
        .isEqualTo(
            "[\"fast (default)\",\"example.com/fast\",\"Delete\",\"Immediate\",false,\"5s\"]");
    assertThat(
            cells(
                "{\"metadata\":{\"name\":\"old\",\"annotations\":"
                    + "{\"storageclass.beta.kubernetes.io/is-default-class\":\"true\"}}}"))
        .startsWith("[\"old (default)\",");
  }

  @Test
  void aClassWithEverySetPrintsItsValuesAndABooleanExpansionCell() throws Exception {
    assertThat(
            cells(
                "{\"metadata\":{\"name\":\"slow\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\","
                    + "\"annotations\":{\"storageclass.kubernetes.io/is-default-class\":\"false\"}},"
                    + "\"provisioner\":\"example.com/slow\",\"reclaimPolicy\":\"Retain\","
                    + "\"volumeBindingMode\":\"WaitForFirstConsumer\","
                    + "\"allowVolumeExpansion\":true}"))
        .isEqualTo(
            "[\"slow\",\"example.com/slow\",\"Retain\",\"WaitForFirstConsumer\",true,\"5s\"]");
  }
}
