package dev.tenantproxy.filters.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Persistent volume Tables as the API server prints them (rows taken from kube-apiserver v1.35.4's
 * Table of the same objects).
 */
class PersistentVolumeColumnsTest {
  private static final TableColumns PVS = TableColumns.persistentVolumes();

  private static String cells(String json) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      PVS.writeCells(
          json.getBytes(StandardCharsets.UTF_8), Instant.parse("2026-01-01T00:00:05Z"), g);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void columnsAreTheApiServersWithVolumeModeAtPriorityOne() {
    assertThat(PVS.columns().stream().map(TableColumns.Column::name))
        .containsExactly(
            "Name",
            "Capacity",
            "Access Modes",
            "Reclaim Policy",
            "Status",
            "Claim",
            "StorageClass",
            "VolumeAttributesClass",
            "Reason",
            "Age",
            "VolumeMode");
    assertThat(PVS.columns().stream().map(TableColumns.Column::priority))
        .containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
  }

  @Test
  void aClassedVolumePrintsItsCapacityModesAndClass() throws Exception {
    assertThat(
            cells(
                "{\"metadata\":{\"name\":\"pv1\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"},"
                    + "\"spec\":{\"capacity\":{\"storage\":\"1Gi\"},"
                    + "\"accessModes\":[\"ReadOnlyMany\",\"ReadWriteOnce\",\"ReadWriteOnce\"],"
                    + "\"persistentVolumeReclaimPolicy\":\"Retain\",\"storageClassName\":\"slow\","
                    + "\"volumeMode\":\"Filesystem\"},\"status\":{\"phase\":\"Pending\"}}"))
        .isEqualTo(
            "[\"pv1\",\"1Gi\",\"RWO,ROX\",\"Retain\",\"Pending\",\"\",\"slow\",\"<unset>\",\"\","
                + "\"5s\",\"Filesystem\"]");
  }

  @Test
  void aClaimedBlockVolumePrintsItsClaimAndATerminatingOneSaysSo() throws Exception {
    assertThat(
            cells(
                "{\"metadata\":{\"name\":\"pv2\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"},"
                    + "\"spec\":{\"capacity\":{\"storage\":\"5Mi\"},"
                    + "\"accessModes\":[\"ReadWriteMany\"],"
                    + "\"persistentVolumeReclaimPolicy\":\"Delete\",\"volumeMode\":\"Block\","
                    + "\"claimRef\":{\"namespace\":\"ns1\",\"name\":\"claim1\"}},"
                    + "\"status\":{\"phase\":\"Pending\"}}"))
        .isEqualTo(
            "[\"pv2\",\"5Mi\",\"RWX\",\"Delete\",\"Pending\",\"ns1/claim1\",\"\",\"<unset>\","
                + "\"\",\"5s\",\"Block\"]");
    assertThat(
            cells(
                "{\"metadata\":{\"name\":\"pv3\",\"deletionTimestamp\":\"2026-01-01T00:00:01Z\","
                    + "\"annotations\":{\"volume.beta.kubernetes.io/storage-class\":\"beta\"}},"
                    + "\"spec\":{\"storageClassName\":\"ignored\","
                    + "\"volumeAttributesClassName\":\"gold\","
                    + "\"accessModes\":[\"ReadWriteOncePod\"]},"
                    + "\"status\":{\"phase\":\"Bound\",\"reason\":\"Why\"}}"))
        .isEqualTo(
            "[\"pv3\",\"0\",\"RWOP\",\"\",\"Terminating\",\"\",\"beta\",\"gold\",\"Why\","
                + "\"<unknown>\",\"<unset>\"]");
  }
}
