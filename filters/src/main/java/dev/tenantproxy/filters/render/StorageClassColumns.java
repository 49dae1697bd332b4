package dev.tenantproxy.filters.render;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * The storage class columns, as the API server prints storage.k8s.io/v1 StorageClasses: Name (with
 * {@code " (default)"} when the {@code storageclass.kubernetes.io/is-default-class} or its beta
 * annotation is {@code "true"}), Provisioner, ReclaimPolicy ({@code Delete} when unset),
 * VolumeBindingMode ({@code Immediate} when unset), AllowVolumeExpansion (a JSON boolean cell,
 * {@code false} when unset), Age.
 */
final class StorageClassColumns implements TableColumns {
  static final StorageClassColumns INSTANCE = new StorageClassColumns();

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String DEFAULT = "storageclass.kubernetes.io/is-default-class";
  private static final String BETA_DEFAULT = "storageclass.beta.kubernetes.io/is-default-class";

  private static final List<Column> COLUMNS =
      List.of(
          new Column("Name", "string", "name", CustomResourceColumns.NAME_DESCRIPTION, 0),
          new Column(
              "Provisioner", "string", "", "provisioner indicates the type of the provisioner.", 0),
          new Column(
              "ReclaimPolicy",
              "string",
              "",
              "reclaimPolicy controls the reclaimPolicy for dynamically provisioned"
                  + " PersistentVolumes of this storage class. Defaults to Delete.",
              0),
          new Column(
              "VolumeBindingMode",
              "string",
              "",
              "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and"
                  + " bound.  When unset, VolumeBindingImmediate is used. This field is only"
                  + " honored by servers that enable the VolumeScheduling feature.",
              0),
          new Column(
              "AllowVolumeExpansion",
              "string",
              "",
              "allowVolumeExpansion shows whether the storage class allow volume expand.",
              0),
          new Column("Age", "string", "", CustomResourceColumns.CREATION_TIMESTAMP_DESCRIPTION, 0));

  private StorageClassColumns() {}

  @Override
  public List<Column> columns() {
    return COLUMNS;
  }

  @Override
  public void writeCells(byte[] json, Instant now, JsonGenerator g) throws IOException {
    JsonNode node = MAPPER.readTree(json);
    JsonNode metadata = node.path("metadata");
    JsonNode annotations = metadata.path("annotations");
    boolean isDefault =
        "true".equals(annotations.path(DEFAULT).asText(""))
            || "true".equals(annotations.path(BETA_DEFAULT).asText(""));
    g.writeStartArray();
    g.writeString(metadata.path("name").asText("") + (isDefault ? " (default)" : ""));
    g.writeString(node.path("provisioner").asText(""));
    g.writeString(orElse(node.path("reclaimPolicy"), "Delete"));
    g.writeString(orElse(node.path("volumeBindingMode"), "Immediate"));
    g.writeBoolean(node.path("allowVolumeExpansion").asBoolean(false));
    g.writeString(TableColumns.age(metadata.path("creationTimestamp").asText(""), now));
    g.writeEndArray();
  }

  private static String orElse(JsonNode value, String unset) {
    return value.isTextual() ? value.asText() : unset;
  }
}
