package dev.tenantproxy.filters.json.impl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.tenantproxy.filters.json.ItemMeta;
import dev.tenantproxy.filters.json.TableRow;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The shared factory and the metadata readers of the JSON transforms. */
public final class Json {
  /** Never closes the caller's streams. */
  public static final JsonFactory FACTORY =
      JsonFactory.builder()
          .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
          .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
          .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
          .build();

  private Json() {}

  /**
   * The failure for a body that is not the expected JSON. The message never quotes the body (it may
   * name objects outside the caller's visibility).
   */
  public static KubeStatusException malformed(String what, long offset) {
    return KubeStatusException.badRequest(
        "unable to decode " + what + ": malformed JSON near byte " + Math.max(offset, 0));
  }

  /** Reads an object's {@code metadata} view; {@code p} is on the object's START_OBJECT. */
  public static ItemMeta readObjectMeta(JsonParser p) throws IOException {
    ItemMeta meta = ItemMeta.EMPTY;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (field.equals("metadata") && t == JsonToken.START_OBJECT) {
        meta = readMetadata(p);
      } else {
        p.skipChildren();
      }
    }
    return meta;
  }

  /** Reads {@code metadata} itself; {@code p} is on its START_OBJECT, ends on its END_OBJECT. */
  public static ItemMeta readMetadata(JsonParser p) throws IOException {
    return readMetadata(p, null);
  }

  /**
   * Like {@link #readMetadata(JsonParser)}; {@code resourceVersion[0]}, when the array is given,
   * receives {@code metadata.resourceVersion} (left as it is when absent).
   */
  public static ItemMeta readMetadata(JsonParser p, String[] resourceVersion) throws IOException {
    String name = "";
    String namespace = "";
    Map<String, String> labels = Map.of();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (t == JsonToken.VALUE_STRING && field.equals("name")) {
        name = p.getText();
      } else if (t == JsonToken.VALUE_STRING && field.equals("namespace")) {
        namespace = p.getText();
      } else if (t == JsonToken.START_OBJECT && field.equals("labels")) {
        labels = readStringMap(p);
      } else if (t == JsonToken.VALUE_STRING
          && resourceVersion != null
          && field.equals("resourceVersion")) {
        resourceVersion[0] = p.getText();
      } else {
        p.skipChildren();
      }
    }
    return new ItemMeta(namespace, name, labels);
  }

  private static Map<String, String> readStringMap(JsonParser p) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      if (p.nextToken() == JsonToken.VALUE_STRING) {
        m.put(key, p.getText());
      } else {
        p.skipChildren();
      }
    }
    return m;
  }

  /** Reads a Table row's view; {@code p} is on the row's START_OBJECT, ends on its END_OBJECT. */
  public static TableRow readRow(JsonParser p) throws IOException {
    ItemMeta object = null;
    String firstCell = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (field.equals("cells") && t == JsonToken.START_ARRAY) {
        JsonToken first = p.nextToken();
        if (first == JsonToken.VALUE_STRING) {
          firstCell = p.getText();
        }
        if (first != JsonToken.END_ARRAY) {
          p.skipChildren();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            p.skipChildren();
          }
        }
      } else if (field.equals("object") && t == JsonToken.START_OBJECT) {
        object = readObjectMeta(p);
      } else {
        p.skipChildren();
      }
    }
    return new TableRow(object, firstCell);
  }
}
