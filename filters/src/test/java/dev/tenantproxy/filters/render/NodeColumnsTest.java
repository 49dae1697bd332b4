package dev.tenantproxy.filters.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Node Tables as the API server prints nodes (STATUS, ROLES, the wide columns). */
class NodeColumnsTest {
  private static final TableColumns NODES = TableColumns.nodes();

  private static String cells(String json) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      NODES.writeCells(
          json.getBytes(StandardCharsets.UTF_8), Instant.parse("2026-01-01T01:00:00Z"), g);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void columnsAreTheApiServersWithTheWideOnesAtPriorityOne() {
    assertThat(NODES.columns().stream().map(TableColumns.Column::name))
        .containsExactly(
            "Name",
            "Status",
            "Roles",
            "Age",
            "Version",
            "Internal-IP",
            "External-IP",
            "OS-Image",
            "Kernel-Version",
            "Container-Runtime");
    assertThat(NODES.columns().stream().map(TableColumns.Column::priority))
        .containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 1, 1);
    assertThat(NODES.columns().get(0).format()).isEqualTo("name");
  }

  @Test
  void aReadyWorkerWithAllItsFacts() throws Exception {
    assertThat(
            cells(
                "{\"metadata\":{\"name\":\"n1\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\","
                    + "\"labels\":{\"node-role.kubernetes.io/worker\":\"\","
                    + "\"node-role.kubernetes.io/control-plane\":\"\",\"pool\":\"x\"}},"
                    + "\"spec\":{},\"status\":{\"conditions\":[{\"type\":\"MemoryPressure\","
                    + "\"status\":\"False\"},{\"type\":\"Ready\",\"status\":\"True\"}],"
                    + "\"addresses\":[{\"type\":\"Hostname\",\"address\":\"n1\"},"
                    + "{\"type\":\"InternalIP\",\"address\":\"10.0.0.1\"},"
                    + "{\"type\":\"InternalIP\",\"address\":\"10.0.0.2\"}],"
                    + "\"nodeInfo\":{\"kubeletVersion\":\"v1.35.4\",\"osImage\":\"Debian\","
                    + "\"kernelVersion\":\"6.1\",\"containerRuntimeVersion\":\"containerd://2\"}}}"))
        .isEqualTo(
            "[\"n1\",\"Ready\",\"control-plane,worker\",\"60m\",\"v1.35.4\",\"10.0.0.1\","
                + "\"<none>\",\"Debian\",\"6.1\",\"containerd://2\"]");
  }

  @Test
  void statusIsNotReadyOrUnknownAndSchedulingDisabledWhenCordoned() throws Exception {
    assertThat(
            cells(
                "{\"metadata\":{\"name\":\"n2\",\"labels\":{\"kubernetes.io/role\":\"infra\"}},"
                    + "\"spec\":{\"unschedulable\":true},\"status\":{\"conditions\":"
                    + "[{\"type\":\"Ready\",\"status\":\"Unknown\"}]}}"))
        .isEqualTo(
            "[\"n2\",\"NotReady,SchedulingDisabled\",\"infra\",\"<unknown>\",\"\",\"<none>\","
                + "\"<none>\",\"<unknown>\",\"<unknown>\",\"<unknown>\"]");
    assertThat(cells("{\"metadata\":{\"name\":\"n3\"},\"status\":{}}"))
        .startsWith("[\"n3\",\"Unknown\",\"<none>\",");
  }
}
