package dev.tenantproxy.proxy.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One object of a served kind as the serving code needs it: the fields selectors look at (labels
 * and the kind's field labels, as the watch cache extracted them), its resourceVersion, and the
 * object's JSON exactly as the API server sent it (never mutated, shared by every response and
 * watcher that carries it: rendering writes these bytes, nothing is re-serialized).
 *
 * @param fields the kind's field-selector values besides the name (e.g. {@code status.phase})
 */
public record ServedObject(
    String name,
    long resourceVersion,
    Map<String, String> labels,
    Map<String, String> fields,
    byte[] json) {

  private static final JsonFactory JSON = new JsonFactory();

  public ServedObject {
    Objects.requireNonNull(name, "name");
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    fields = fields == null ? Map.of() : Map.copyOf(fields);
    Objects.requireNonNull(json, "json");
  }

  /**
   * The value of a field label: {@code metadata.name} (and the legacy {@code name}) is the name;
   * any other label the kind supports reads its extracted value ("" when the object has none).
   * Labels are validated against the kind's {@code FieldLabels} before this is called.
   */
  public String field(String field) {
    return switch (field) {
      case "metadata.name", "name" -> name;
      default -> fields.getOrDefault(field, "");
    };
  }

  /**
   * Reads name, resourceVersion, labels and {@code status.phase} (as the field of that name, when
   * present) out of an object's JSON (one streaming pass).
   *
   * @throws IllegalArgumentException when the JSON is not an object with {@code metadata.name}
   */
  public static ServedObject parse(byte[] json) {
    String name = null;
    long rv = 0;
    Map<String, String> labels = new HashMap<>();
    String phase = null;
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("metadata") && value == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String m = p.currentName();
            JsonToken v = p.nextToken();
            if (m.equals("name") && v == JsonToken.VALUE_STRING) {
              name = p.getText();
            } else if (m.equals("resourceVersion") && v == JsonToken.VALUE_STRING) {
              rv = ResourceVersions.parseOrZero(p.getText());
            } else if (m.equals("labels") && v == JsonToken.START_OBJECT) {
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String k = p.currentName();
                if (p.nextToken() == JsonToken.VALUE_STRING) {
                  labels.put(k, p.getText());
                } else {
                  p.skipChildren();
                }
              }
            } else {
              p.skipChildren();
            }
          }
        } else if (field.equals("status") && value == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String s = p.currentName();
            JsonToken v = p.nextToken();
            if (s.equals("phase") && v == JsonToken.VALUE_STRING) {
              phase = p.getText();
            } else {
              p.skipChildren();
            }
          }
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed object JSON: " + e.getMessage(), e);
    }
    if (name == null) {
      throw new IllegalArgumentException("object JSON without metadata.name");
    }
    return new ServedObject(
        name, rv, labels, phase == null ? Map.of() : Map.of("status.phase", phase), json);
  }

  /**
   * This object with {@code metadata.resourceVersion} replaced: what a watcher gets in a DELETED
   * event when the object leaves its view (the last object it saw, at the resourceVersion of the
   * change), as the API server's watch cache does for objects that stop matching a filter.
   */
  public ServedObject withResourceVersion(long newResourceVersion) {
    if (newResourceVersion == resourceVersion) {
      return this;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 16);
    try (JsonParser p = JSON.createParser(json);
        JsonGenerator g = JSON.createGenerator(out)) {
      p.nextToken();
      g.writeStartObject();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        g.writeFieldName(field);
        if (field.equals("metadata") && value == JsonToken.START_OBJECT) {
          g.writeStartObject();
          boolean written = false;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String m = p.currentName();
            p.nextToken();
            if (m.equals("resourceVersion")) {
              g.writeStringField(m, Long.toString(newResourceVersion));
              written = true;
            } else {
              g.writeFieldName(m);
              g.copyCurrentStructure(p);
            }
          }
          if (!written) {
            g.writeStringField("resourceVersion", Long.toString(newResourceVersion));
          }
          g.writeEndObject();
        } else {
          g.copyCurrentStructure(p);
        }
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ServedObject(name, newResourceVersion, labels, fields, out.toByteArray());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServedObject other
        && other.name.equals(name)
        && other.resourceVersion == resourceVersion;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Long.hashCode(resourceVersion);
  }

  @Override
  public String toString() {
    return "Object[" + name + "@" + resourceVersion + "]";
  }
}
