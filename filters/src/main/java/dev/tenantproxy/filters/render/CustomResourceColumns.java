package dev.tenantproxy.filters.render;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The Table of a custom resource as the API server's CRD table convertor prints it: a {@code Name}
 * column, then the CRD's {@code additionalPrinterColumns} in order. Cells: {@code string} columns
 * print the value as text (maps and lists as JSON), {@code integer} / {@code number} / {@code
 * boolean} columns the JSON value when it has that type, {@code date} columns the age of an RFC
 * 3339 timestamp; a missing or mistyped value is {@code null}. Only simple JSONPaths ({@code
 * .a.b.c}) are supported, which is what the served CRDs declare.
 */
final class CustomResourceColumns implements TableColumns {
  /** The API server's description of the Name column (ObjectMeta's {@code name}). */
  static final String NAME_DESCRIPTION =
      "Name must be unique within a namespace. Is required when creating resources, although some"
          + " resources may allow a client to request the generation of an appropriate name"
          + " automatically. Name is primarily intended for creation idempotence and configuration"
          + " definition. Cannot be updated. More info:"
          + " https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

  /** The API server's description of a built-in kind's Age column (ObjectMeta's timestamp). */
  static final String CREATION_TIMESTAMP_DESCRIPTION =
      "CreationTimestamp is a timestamp representing the server time when this object was"
          + " created. It is not guaranteed to be set in happens-before order across separate"
          + " operations. Clients may not set this value. It is represented in RFC3339 form and is"
          + " in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info:"
          + " https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final List<Column> columns;
  private final List<TableColumns.PrinterColumn> printerColumns;

  CustomResourceColumns(List<TableColumns.PrinterColumn> printerColumns) {
    this.printerColumns = List.copyOf(printerColumns);
    List<Column> cs = new ArrayList<>();
    cs.add(new Column("Name", "string", "name", NAME_DESCRIPTION, 0));
    for (TableColumns.PrinterColumn c : printerColumns) {
      String description =
          c.description().isEmpty()
              ? "Custom resource definition column (in JSONPath format): " + c.jsonPath()
              : c.description();
      cs.add(new Column(c.name(), c.type(), c.format(), description, c.priority()));
    }
    this.columns = List.copyOf(cs);
  }

  @Override
  public List<Column> columns() {
    return columns;
  }

  @Override
  public void writeCells(byte[] json, Instant now, JsonGenerator g) throws IOException {
    JsonNode object = MAPPER.readTree(json);
    g.writeStartArray();
    g.writeString(object.path("metadata").path("name").asText(""));
    for (TableColumns.PrinterColumn c : printerColumns) {
      JsonNode v = at(object, c.jsonPath());
      if (v == null || v.isMissingNode() || v.isNull()) {
        g.writeNull();
        continue;
      }
      switch (c.type()) {
        case "string" -> g.writeString(v.isValueNode() ? v.asText() : MAPPER.writeValueAsString(v));
        case "integer" -> {
          if (v.isIntegralNumber()) {
            g.writeNumber(v.asLong());
          } else {
            g.writeNull();
          }
        }
        case "number" -> {
          if (v.isIntegralNumber()) {
            g.writeNumber(v.bigIntegerValue());
          } else if (v.isNumber()) {
            g.writeNumber(v.decimalValue());
          } else {
            g.writeNull();
          }
        }
        case "boolean" -> {
          if (v.isBoolean()) {
            g.writeBoolean(v.asBoolean());
          } else {
            g.writeNull();
          }
        }
        case "date" -> {
          if (v.isTextual()) {
            g.writeString(TableColumns.age(v.asText(), now));
          } else {
            g.writeNull();
          }
        }
        default -> g.writeRawValue(MAPPER.writeValueAsString(v));
      }
    }
    g.writeEndArray();
  }

  private static JsonNode at(JsonNode object, String jsonPath) {
    JsonNode n = object;
    for (String part : jsonPath.substring(1).split("\\.")) {
      n = n.path(part);
    }
    return n;
  }
}
