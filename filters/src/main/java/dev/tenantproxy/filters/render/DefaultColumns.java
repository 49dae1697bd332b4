package dev.tenantproxy.filters.render;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The API server's default Table ({@code rest.NewDefaultTableConvertor}), which it prints for every
 * built-in kind without a printer of its own and for cluster roles (whose printer has the same
 * columns): Name, and Created At, a {@code date} column whose cell is the {@code creationTimestamp}
 * in RFC 3339, UTC, to the second ({@code 0001-01-01T00:00:00Z} when unset).
 */
final class DefaultColumns implements TableColumns {
  static final DefaultColumns INSTANCE = new DefaultColumns();

  private static final DateTimeFormatter RFC3339 =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
  private static final String ZERO = "0001-01-01T00:00:00Z";

  private static final List<Column> COLUMNS =
      List.of(
          new Column("Name", "string", "name", CustomResourceColumns.NAME_DESCRIPTION, 0),
          new Column(
              "Created At", "date", "", CustomResourceColumns.CREATION_TIMESTAMP_DESCRIPTION, 0));

  @Override
  public List<Column> columns() {
    return COLUMNS;
  }

  @Override
  public void writeCells(byte[] json, Instant now, JsonGenerator g) throws IOException {
    g.writeStartArray();
    g.writeString(ObjectJson.nestedString(json, "metadata", "name"));
    g.writeString(createdAt(ObjectJson.nestedString(json, "metadata", "creationTimestamp")));
    g.writeEndArray();
  }

  static String createdAt(String creationTimestamp) {
    if (creationTimestamp == null || creationTimestamp.isEmpty()) {
      return ZERO;
    }
    try {
      return RFC3339.format(OffsetDateTime.parse(creationTimestamp).toInstant());
    } catch (DateTimeParseException e) {
      return ZERO;
    }
  }
}
