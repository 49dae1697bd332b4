package dev.tenantproxy.filters.render;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Reads the few fields rendering needs out of a cached object's JSON without building a tree, and
 * copies a top-level field (such as {@code metadata}) into a generator.
 */
final class ObjectJson {
  static final JsonFactory FACTORY = new JsonFactory();

  private ObjectJson() {}

  /**
   * The string at {@code outer.inner} (for example {@code status.phase}), or {@code ""} when
   * absent.
   */
  static String nestedString(byte[] json, String outer, String inner) throws IOException {
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return "";
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals(outer) && value == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (name.equals(inner) && v == JsonToken.VALUE_STRING) {
              return p.getText();
            }
            p.skipChildren();
          }
          return "";
        }
        p.skipChildren();
      }
      return "";
    }
  }

  /**
   * Copies the value of top-level {@code field} into {@code g}; writes an empty object when absent.
   */
  static void copyField(byte[] json, String field, JsonGenerator g) throws IOException {
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          if (name.equals(field)) {
            g.copyCurrentStructure(p);
            return;
          }
          p.skipChildren();
        }
      }
    }
    g.writeStartObject();
    g.writeEndObject();
  }

  /** Copies the whole object into {@code g}. */
  static void copyObject(byte[] json, JsonGenerator g) throws IOException {
    try (JsonParser p = FACTORY.createParser(json)) {
      p.nextToken();
      g.copyCurrentStructure(p);
    }
  }
}
