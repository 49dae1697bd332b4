package dev.tenantproxy.filters.render;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The columns of a kind's Table, as the API server prints that kind, and how to compute a row's
 * cells from the object's JSON.
 */
public interface TableColumns {

  /**
   * One column definition ({@code name}, {@code type}, {@code format}, {@code description}, {@code
   * priority}).
   */
  record Column(String name, String type, String format, String description, int priority) {}

  List<Column> columns();

  /** Writes this row's {@code cells} array. */
  void writeCells(byte[] objectJson, Instant now, JsonGenerator g) throws IOException;

  /**
   * One of a CRD's {@code additionalPrinterColumns}.
   *
   * @param jsonPath a simple path, {@code .a.b.c}
   */
  record PrinterColumn(
      String name, String type, String format, String description, int priority, String jsonPath) {
    public PrinterColumn {
      format = format == null ? "" : format;
      description = description == null ? "" : description;
      if (!jsonPath.startsWith(".")) {
        throw new IllegalArgumentException("a JSONPath starts with '.': " + jsonPath);
      }
    }
  }

  /**
   * The columns of a custom resource: Name, then its CRD's {@code additionalPrinterColumns}, as the
   * API server prints them.
   */
  static TableColumns customResource(List<PrinterColumn> printerColumns) {
    return new CustomResourceColumns(printerColumns);
  }

  /**
   * As {@link #customResource}, with the API server's default for a CRD version that declares no
   * {@code additionalPrinterColumns}: one {@code Age} column ({@code date}, {@code
   * .metadata.creationTimestamp}).
   */
  static TableColumns customResourceDefaulted(List<PrinterColumn> printerColumns) {
    return new CustomResourceColumns(
        printerColumns.isEmpty()
            ? List.of(
                new PrinterColumn(
                    "Age",
                    "date",
                    "",
                    CustomResourceColumns.CREATION_TIMESTAMP_DESCRIPTION,
                    0,
                    ".metadata.creationTimestamp"))
            : printerColumns);
  }

  /**
   * The API server's default Table, for built-in kinds without a printer of their own (and cluster
   * roles): Name, Created At (RFC 3339 {@code creationTimestamp}).
   */
  static TableColumns apiServerDefault() {
    return DefaultColumns.INSTANCE;
  }

  /** The namespace columns: Name, Status (phase), Age. */
  static TableColumns namespaces() {
    return NamespaceColumns.INSTANCE;
  }

  /**
   * The node columns: Name, Status, Roles, Age, Version, and for {@code -o wide} Internal-IP,
   * External-IP, OS-Image, Kernel-Version, Container-Runtime.
   */
  static TableColumns nodes() {
    return NodeColumns.INSTANCE;
  }

  /**
   * The storage class columns: Name (with {@code " (default)"} for the default class), Provisioner,
   * ReclaimPolicy, VolumeBindingMode, AllowVolumeExpansion, Age.
   */
  static TableColumns storageClasses() {
    return StorageClassColumns.INSTANCE;
  }

  /** The ingress class columns: Name, Controller, Parameters, Age. */
  static TableColumns ingressClasses() {
    return ClassColumns.INGRESS_CLASSES;
  }

  /** The priority class columns: Name, Value, Global-Default, Age, PreemptionPolicy. */
  static TableColumns priorityClasses() {
    return ClassColumns.PRIORITY_CLASSES;
  }

  /** The runtime class columns: Name, Handler, Age. */
  static TableColumns runtimeClasses() {
    return ClassColumns.RUNTIME_CLASSES;
  }

  /**
   * The persistent volume columns: Name, Capacity, Access Modes, Reclaim Policy, Status, Claim,
   * StorageClass, VolumeAttributesClass, Reason, Age, and for {@code -o wide} VolumeMode.
   */
  static TableColumns persistentVolumes() {
    return PersistentVolumeColumns.INSTANCE;
  }

  /**
   * Age cell text from an RFC 3339 {@code creationTimestamp}; {@code <unknown>} when absent or
   * malformed.
   */
  static String age(String creationTimestamp, Instant now) {
    if (creationTimestamp == null || creationTimestamp.isEmpty()) {
      return "<unknown>";
    }
    try {
      return HumanDuration.format(
          java.time.Duration.between(Instant.parse(creationTimestamp), now));
    } catch (DateTimeParseException e) {
      return "<unknown>";
    }
  }
}

final class NamespaceColumns implements TableColumns {
  static final NamespaceColumns INSTANCE = new NamespaceColumns();

  private static final List<Column> COLUMNS =
      List.of(
          new Column("Name", "string", "name", "The name of the namespace.", 0),
          new Column("Status", "string", "", "The lifecycle phase of the namespace.", 0),
          new Column("Age", "string", "", "Time since the namespace was created.", 0));

  @Override
  public List<Column> columns() {
    return COLUMNS;
  }

  @Override
  public void writeCells(byte[] json, Instant now, JsonGenerator g) throws IOException {
    ObjectParts parts = ObjectParts.of(json);
    g.writeStartArray();
    if (parts.valid()) {
      g.writeString(parts.name());
      g.writeString(parts.phase());
      g.writeString(parts.age(now));
    } else {
      g.writeString(ObjectJson.nestedString(json, "metadata", "name"));
      g.writeString(ObjectJson.nestedString(json, "status", "phase"));
      g.writeString(
          TableColumns.age(ObjectJson.nestedString(json, "metadata", "creationTimestamp"), now));
    }
    g.writeEndArray();
  }
}
