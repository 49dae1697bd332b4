package dev.tenantproxy.proxy.serve.allnamespaces;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One namespace's answer to a list ({@code List}, {@code PartialObjectMetadataList} or {@code
 * Table}), read once with a streaming parser: the envelope fields the merge needs and the byte
 * ranges of its elements ({@code items} or {@code rows}), which are copied to the merged answer
 * byte for byte. An element whose object names another namespace is dropped (defence in depth: the
 * request named one namespace).
 *
 * @param elements {@code [start, end)} byte ranges in {@code body}
 * @param columnDefinitions the byte range of a Table's {@code columnDefinitions}, or null
 */
record NamespacePage(
    byte[] body,
    String kind,
    String apiVersion,
    String resourceVersion,
    String continueToken,
    int[] columnDefinitions,
    List<int[]> elements) {
  private static final JsonFactory JSON = new JsonFactory();

  int count() {
    return elements.size();
  }

  static NamespacePage parse(byte[] body, String namespace) {
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw malformed();
      }
      String kind = "";
      String apiVersion = "";
      String rv = "";
      String cont = "";
      int[] columns = null;
      List<int[]> elements = new ArrayList<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "kind" -> kind = t == JsonToken.VALUE_STRING ? p.getText() : "";
          case "apiVersion" -> apiVersion = t == JsonToken.VALUE_STRING ? p.getText() : "";
          case "metadata" -> {
            if (t == JsonToken.START_OBJECT) {
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String m = p.currentName();
                JsonToken v = p.nextToken();
                if (m.equals("resourceVersion") && v == JsonToken.VALUE_STRING) {
                  rv = p.getText();
                } else if (m.equals("continue") && v == JsonToken.VALUE_STRING) {
                  cont = p.getText();
                } else {
                  p.skipChildren();
                }
              }
            } else {
              p.skipChildren();
            }
          }
          case "columnDefinitions" -> {
            if (t == JsonToken.START_ARRAY) {
              int start = (int) p.currentTokenLocation().getByteOffset();
              p.skipChildren();
              columns = new int[] {start, (int) p.currentLocation().getByteOffset()};
            } else {
              p.skipChildren();
            }
          }
          case "items", "rows" -> {
            if (t != JsonToken.START_ARRAY) {
              p.skipChildren();
              break;
            }
            boolean rows = field.equals("rows");
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
              if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
              }
              int start = (int) p.currentTokenLocation().getByteOffset();
              String ns = elementNamespace(p, rows);
              int end = (int) p.currentLocation().getByteOffset();
              if (ns == null || ns.equals(namespace)) {
                elements.add(new int[] {start, end});
              }
            }
          }
          default -> p.skipChildren();
        }
      }
      return new NamespacePage(body, kind, apiVersion, rv, cont, columns, List.copyOf(elements));
    } catch (IOException e) {
      throw malformed();
    }
  }

  /**
   * Walks one element (the parser on its START_OBJECT, left on its END_OBJECT) and returns {@code
   * metadata.namespace} ({@code object.metadata.namespace} for a Table row), or null when absent (a
   * row without object).
   */
  private static String elementNamespace(JsonParser p, boolean row) throws IOException {
    String[] path =
        row
            ? new String[] {"object", "metadata", "namespace"}
            : new String[] {"metadata", "namespace"};
    String found = null;
    int depth = 1;
    int matched = 0; // how many leading path fields the current position is inside
    String field = null;
    while (depth > 0) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw malformed();
      }
      switch (t) {
        case FIELD_NAME -> field = p.currentName();
        case START_OBJECT -> {
          if (matched == depth - 1 && matched < path.length - 1 && path[matched].equals(field)) {
            matched++;
          }
          depth++;
          field = null;
        }
        case START_ARRAY -> {
          p.skipChildren();
          field = null;
        }
        case END_OBJECT -> {
          depth--;
          if (matched >= depth) {
            matched = Math.max(0, depth - 1);
          }
          field = null;
        }
        default -> {
          if (t == JsonToken.VALUE_STRING
              && matched == path.length - 1
              && depth - 1 == matched
              && path[matched].equals(field)) {
            found = p.getText();
          }
          field = null;
        }
      }
    }
    return found == null ? (row ? null : "") : found;
  }

  private static KubeStatusException malformed() {
    return KubeStatusException.internal("the API server's list answer is not a JSON list");
  }
}
