package dev.tenantproxy.filters.render;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The persistent volume columns, as the API server prints core v1 PersistentVolumes: Name, Capacity
 * ({@code spec.capacity.storage}, canonical as stored; {@code 0} when absent), Access Modes (RWO,
 * ROX, RWX, RWOP in that order), Reclaim Policy, Status ({@code status.phase}, {@code Terminating}
 * once deleted), Claim ({@code namespace/name} of {@code spec.claimRef}), StorageClass (the beta
 * {@code volume.beta.kubernetes.io/storage-class} annotation, else {@code spec.storageClassName}),
 * VolumeAttributesClass ({@code <unset>} when unset), Reason, Age, and (priority 1, {@code -o
 * wide}) VolumeMode ({@code <unset>} when unset).
 */
final class PersistentVolumeColumns implements TableColumns {
  static final PersistentVolumeColumns INSTANCE = new PersistentVolumeColumns();

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String BETA_CLASS = "volume.beta.kubernetes.io/storage-class";
  private static final String UNSET = "<unset>";
  private static final List<String[]> MODES =
      List.of(
          new String[] {"ReadWriteOnce", "RWO"},
          new String[] {"ReadOnlyMany", "ROX"},
          new String[] {"ReadWriteMany", "RWX"},
          new String[] {"ReadWriteOncePod", "RWOP"});

  private static final List<Column> COLUMNS =
      List.of(
          new Column("Name", "string", "name", CustomResourceColumns.NAME_DESCRIPTION, 0),
          new Column(
              "Capacity",
              "string",
              "",
              "capacity is the description of the persistent volume's resources and capacity."
                  + " More info:"
                  + " https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity",
              0),
          new Column(
              "Access Modes",
              "string",
              "",
              "accessModes contains all ways the volume can be mounted. More info:"
                  + " https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes",
              0),
          new Column(
              "Reclaim Policy",
              "string",
              "",
              "persistentVolumeReclaimPolicy defines what happens to a persistent volume when"
                  + " released from its claim. Valid options are Retain (default for manually"
                  + " created PersistentVolumes), Delete (default for dynamically provisioned"
                  + " PersistentVolumes), and Recycle (deprecated). Recycle must be supported by"
                  + " the volume plugin underlying this PersistentVolume. More info:"
                  + " https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming",
              0),
          new Column(
              "Status",
              "string",
              "",
              "phase indicates if a volume is available, bound to a claim, or released by a"
                  + " claim. More info:"
                  + " https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase",
              0),
          new Column(
              "Claim",
              "string",
              "",
              "claimRef is part of a bi-directional binding between PersistentVolume and"
                  + " PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName"
                  + " is the authoritative bind between PV and PVC. More info:"
                  + " https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding",
              0),
          new Column("StorageClass", "string", "", "StorageClass of the pv", 0),
          new Column("VolumeAttributesClass", "string", "", "VolumeAttributesClass of the pv", 0),
          new Column(
              "Reason",
              "string",
              "",
              "reason is a brief CamelCase string that describes any failure and is meant for"
                  + " machine parsing and tidy display in the CLI.",
              0),
          new Column("Age", "string", "", CustomResourceColumns.CREATION_TIMESTAMP_DESCRIPTION, 0),
          new Column(
              "VolumeMode",
              "string",
              "",
              "volumeMode defines if a volume is intended to be used with a formatted filesystem"
                  + " or to remain in raw block state. Value of Filesystem is implied when not"
                  + " included in spec.",
              1));

  private PersistentVolumeColumns() {}

  @Override
  public List<Column> columns() {
    return COLUMNS;
  }

  @Override
  public void writeCells(byte[] json, Instant now, JsonGenerator g) throws IOException {
    JsonNode node = MAPPER.readTree(json);
    JsonNode metadata = node.path("metadata");
    JsonNode spec = node.path("spec");
    JsonNode claim = spec.path("claimRef");
    String phase =
        metadata.hasNonNull("deletionTimestamp")
            ? "Terminating"
            : node.path("status").path("phase").asText("");
    g.writeStartArray();
    g.writeString(metadata.path("name").asText(""));
    g.writeString(text(spec.path("capacity").path("storage"), "0"));
    g.writeString(accessModes(spec.path("accessModes")));
    g.writeString(spec.path("persistentVolumeReclaimPolicy").asText(""));
    g.writeString(phase);
    g.writeString(
        claim.isObject()
            ? claim.path("namespace").asText("") + "/" + claim.path("name").asText("")
            : "");
    g.writeString(storageClass(metadata, spec));
    g.writeString(text(spec.path("volumeAttributesClassName"), UNSET));
    g.writeString(node.path("status").path("reason").asText(""));
    g.writeString(TableColumns.age(metadata.path("creationTimestamp").asText(""), now));
    g.writeString(text(spec.path("volumeMode"), UNSET));
    g.writeEndArray();
  }

  /** {@code GetAccessModesAsString}: the known modes present, in a fixed order, deduplicated. */
  static String accessModes(JsonNode modes) {
    List<String> out = new ArrayList<>(MODES.size());
    for (String[] m : MODES) {
      for (JsonNode mode : modes) {
        if (m[0].equals(mode.asText())) {
          out.add(m[1]);
          break;
        }
      }
    }
    return String.join(",", out);
  }

  private static String storageClass(JsonNode metadata, JsonNode spec) {
    JsonNode beta = metadata.path("annotations").path(BETA_CLASS);
    return beta.isTextual() ? beta.asText() : spec.path("storageClassName").asText("");
  }

  private static String text(JsonNode value, String unset) {
    return value.isTextual() ? value.asText() : unset;
  }
}
