package dev.tenantproxy.proxy.serve.namespaces;

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
 * One Namespace as the serving code needs it: the fields selectors look at, its resourceVersion,
 * and the object's JSON exactly as the API server sent it (never mutated, shared by every response
 * and watcher that carries it).
 */
public record NamespaceObject(
    String name, long resourceVersion, Map<String, String> labels, String phase, byte[] json) {

  private static final JsonFactory JSON = new JsonFactory();

  public NamespaceObject {
    Objects.requireNonNull(name, "name");
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    phase = phase == null ? "" : phase;
    Objects.requireNonNull(json, "json");
  }

  /**
   * The value of a namespace field label ({@code metadata.name}, {@code name}, {@code
   * status.phase}).
   */
  public String field(String field) {
    return switch (field) {
      case "metadata.name", "name" -> name;
      case "status.phase" -> phase;
      default -> null;
    };
  }

  /**
   * Reads name, resourceVersion, labels and phase out of a Namespace's JSON (one streaming pass).
   *
   * @throws IllegalArgumentException when the JSON is not an object with {@code metadata.name}
   */
  public static NamespaceObject parse(byte[] json) {
    String name = null;
    long rv = 0;
    Map<String, String> labels = new HashMap<>();
    String phase = "";
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
      throw new IllegalArgumentException("malformed namespace JSON: " + e.getMessage(), e);
    }
    if (name == null) {
      throw new IllegalArgumentException("namespace JSON without metadata.name");
    }
    return new NamespaceObject(name, rv, labels, phase, json);
  }

  /**
   * This object with {@code metadata.resourceVersion} replaced: what a watcher gets in a DELETED
   * event when the namespace leaves its view (the last object it saw, at the resourceVersion of the
   * change), as the API server's watch cache does for objects that stop matching a filter.
   */
  public NamespaceObject withResourceVersion(long newResourceVersion) {
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
    return new NamespaceObject(name, newResourceVersion, labels, phase, out.toByteArray());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NamespaceObject other
        && other.name.equals(name)
        && other.resourceVersion == resourceVersion;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Long.hashCode(resourceVersion);
  }

  @Override
  public String toString() {
    return "Namespace[" + name + "@" + resourceVersion + "]";
  }
}
