package dev.tenantproxy.filters.json.impl;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tenantproxy.filters.json.ItemMeta;
import dev.tenantproxy.filters.json.TableRow;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the filter needs of one buffered watch event: its type, the object's kind, metadata and
 * {@code metadata.resourceVersion} (a Table's own for a Table object), and for a Table object its
 * rows and the raw bytes of non-null {@code columnDefinitions}.
 */
record WatchEvent(
    String type,
    String kind,
    ItemMeta meta,
    String resourceVersion,
    List<TableRow> rows,
    byte[] columnDefinitions) {

  boolean isTable() {
    return "Table".equals(kind) && rows != null;
  }

  /** Reads the event in {@code buf[off, off+len)}; the parser is created over the same bytes. */
  static WatchEvent read(byte[] buf, int off, int len) throws IOException {
    try (JsonParser p = Json.FACTORY.createParser(buf, off, len)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw Json.malformed("watch event", 0);
      }
      String type = "";
      String kind = "";
      ItemMeta meta = ItemMeta.EMPTY;
      String[] resourceVersion = {""};
      List<TableRow> rows = null;
      byte[] columns = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if (field.equals("type") && t == JsonToken.VALUE_STRING) {
          type = p.getText();
        } else if (field.equals("object") && t == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            if (f.equals("kind") && v == JsonToken.VALUE_STRING) {
              kind = p.getText();
            } else if (f.equals("metadata") && v == JsonToken.START_OBJECT) {
              meta = Json.readMetadata(p, resourceVersion);
            } else if (f.equals("rows") && v == JsonToken.START_ARRAY) {
              rows = new ArrayList<>();
              while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
                if (v == JsonToken.START_OBJECT) {
                  rows.add(Json.readRow(p));
                } else {
                  p.skipChildren();
                  rows.add(null);
                }
              }
            } else if (f.equals("columnDefinitions") && v == JsonToken.START_ARRAY) {
              int start = (int) p.currentTokenLocation().getByteOffset();
              p.skipChildren();
              int end = (int) p.currentLocation().getByteOffset();
              columns = java.util.Arrays.copyOfRange(buf, off + start, off + end);
            } else {
              p.skipChildren();
            }
          }
        } else {
          p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw Json.malformed("watch event", p.currentTokenLocation().getByteOffset());
      }
      return new WatchEvent(type, kind, meta, resourceVersion[0], rows, columns);
    }
  }
}
