package dev.tenantproxy.filters.render;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import dev.tenantproxy.filters.request.ResponseFormat.IncludeObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Writes lists and watch events the proxy serves itself, from cached objects' JSON, in the shape
 * the client asked for: a typed list, a {@code Table} (v1 or v1beta1, rows with None / Metadata /
 * Object), or a {@code PartialObjectMetadataList}. Objects are streamed one at a time into the
 * output; each object version is parsed once ({@link ObjectParts}) and then copied verbatim.
 */
public final class Renderer {
  private final Rendering rendering;

  public Renderer(Rendering rendering) {
    this.rendering = rendering;
  }

  public Rendering rendering() {
    return rendering;
  }

  /**
   * Writes a complete list response.
   *
   * @param resourceVersion the list's {@code metadata.resourceVersion}
   * @param continueToken {@code metadata.continue}, or {@code null} for the last page
   * @param items each item's full JSON
   */
  public void writeList(
      OutputStream out,
      String resourceVersion,
      String continueToken,
      Iterable<byte[]> items,
      Instant now) {
    try (JsonGenerator g = ObjectJson.FACTORY.createGenerator(out)) {
      ResponseFormat format = rendering.format();
      g.writeStartObject();
      if (format.isTable()) {
        g.writeStringField("kind", "Table");
        g.writeStringField("apiVersion", format.metaApiVersion());
        writeListMeta(g, resourceVersion, continueToken);
        writeColumnDefinitions(g);
        g.writeArrayFieldStart("rows");
        for (byte[] item : items) {
          writeRow(g, item, now);
        }
        g.writeEndArray();
      } else if (format.isPartialMetadata()) {
        g.writeStringField("kind", "PartialObjectMetadataList");
        g.writeStringField("apiVersion", format.metaApiVersion());
        writeListMeta(g, resourceVersion, continueToken);
        g.writeArrayFieldStart("items");
        for (byte[] item : items) {
          writePartial(g, item);
        }
        g.writeEndArray();
      } else {
        g.writeStringField("kind", rendering.kind() + "List");
        g.writeStringField("apiVersion", rendering.apiVersion());
        writeListMeta(g, resourceVersion, continueToken);
        g.writeArrayFieldStart("items");
        for (byte[] item : items) {
          ObjectParts.writeObject(item, g);
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Convenience: {@link #writeList} into a byte array. */
  public byte[] list(
      String resourceVersion, String continueToken, Iterable<byte[]> items, Instant now) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    writeList(out, resourceVersion, continueToken, items, now);
    return out.toByteArray();
  }

  /**
   * One watch event line ({@code {"type":..,"object":..}\n}) for an object. For Table watches the
   * object is a Table with one row; {@code withColumns} puts the column definitions on it (only the
   * first event of a watch carries them, later ones have {@code null}).
   */
  public byte[] event(String type, byte[] objectJson, boolean withColumns, Instant now) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = ObjectJson.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("type", type);
      g.writeFieldName("object");
      ResponseFormat format = rendering.format();
      if (format.isTable()) {
        g.writeStartObject();
        g.writeStringField("kind", "Table");
        g.writeStringField("apiVersion", format.metaApiVersion());
        writeListMeta(g, ObjectJson.nestedString(objectJson, "metadata", "resourceVersion"), null);
        if (withColumns) {
          writeColumnDefinitions(g);
        } else {
          g.writeNullField("columnDefinitions");
        }
        g.writeArrayFieldStart("rows");
        writeRow(g, objectJson, now);
        g.writeEndArray();
        g.writeEndObject();
      } else if (format.isPartialMetadata()) {
        writePartial(g, objectJson);
      } else {
        ObjectParts.writeObject(objectJson, g);
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  /**
   * A BOOKMARK event at {@code resourceVersion}; {@code initialEventsEnd} adds the annotation
   * {@code k8s.io/initial-events-end: "true"} that ends the initial events of a WatchList request.
   */
  public byte[] bookmark(String resourceVersion, boolean initialEventsEnd) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = ObjectJson.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("type", "BOOKMARK");
      g.writeObjectFieldStart("object");
      ResponseFormat format = rendering.format();
      if (format.isTable()) {
        g.writeStringField("kind", "Table");
        g.writeStringField("apiVersion", format.metaApiVersion());
      } else if (format.isPartialMetadata()) {
        g.writeStringField("kind", "PartialObjectMetadata");
        g.writeStringField("apiVersion", format.metaApiVersion());
      } else {
        g.writeStringField("kind", rendering.kind());
        g.writeStringField("apiVersion", rendering.apiVersion());
      }
      g.writeObjectFieldStart("metadata");
      g.writeStringField("resourceVersion", resourceVersion);
      if (initialEventsEnd) {
        g.writeObjectFieldStart("annotations");
        g.writeStringField("k8s.io/initial-events-end", "true");
        g.writeEndObject();
      }
      g.writeEndObject();
      if (format.isTable()) {
        g.writeNullField("columnDefinitions");
        g.writeArrayFieldStart("rows");
        g.writeEndArray();
      }
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  private static void writeListMeta(JsonGenerator g, String resourceVersion, String continueToken)
      throws IOException {
    g.writeObjectFieldStart("metadata");
    if (resourceVersion != null && !resourceVersion.isEmpty()) {
      g.writeStringField("resourceVersion", resourceVersion);
    }
    if (continueToken != null && !continueToken.isEmpty()) {
      g.writeStringField("continue", continueToken);
    }
    g.writeEndObject();
  }

  private void writeColumnDefinitions(JsonGenerator g) throws IOException {
    g.writeFieldName("columnDefinitions");
    g.writeRawValue(encodedColumns(rendering.columns()));
  }

  /**
   * The {@code columnDefinitions} array of {@code columns}, encoded once per columns object (the
   * same bytes the generator would write): at most one entry per live {@link TableColumns}, weakly
   * held, as a custom resource's columns are replaced when its definition changes.
   */
  private static SerializableString encodedColumns(TableColumns columns) throws IOException {
    SerializableString encoded = ENCODED_COLUMNS.get(columns);
    if (encoded == null) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(512);
      try (JsonGenerator g = ObjectJson.FACTORY.createGenerator(out)) {
        writeColumnArray(g, columns);
      }
      byte[] bytes = out.toByteArray();
      encoded = ObjectParts.raw(bytes, 0, bytes.length);
      ENCODED_COLUMNS.put(columns, encoded);
    }
    return encoded;
  }

  private static final Map<TableColumns, SerializableString> ENCODED_COLUMNS =
      Collections.synchronizedMap(new WeakHashMap<>());

  private static void writeColumnArray(JsonGenerator g, TableColumns columns) throws IOException {
    g.writeStartArray();
    for (TableColumns.Column c : columns.columns()) {
      g.writeStartObject();
      g.writeStringField("name", c.name());
      g.writeStringField("type", c.type());
      g.writeStringField("format", c.format());
      g.writeStringField("description", c.description());
      g.writeNumberField("priority", c.priority());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private void writeRow(JsonGenerator g, byte[] item, Instant now) throws IOException {
    g.writeStartObject();
    g.writeFieldName("cells");
    rendering.columns().writeCells(item, now, g);
    IncludeObject include = rendering.includeObject();
    if (include == IncludeObject.METADATA) {
      g.writeFieldName("object");
      writePartial(g, item);
    } else if (include == IncludeObject.OBJECT) {
      g.writeFieldName("object");
      ObjectParts.writeObject(item, g);
    }
    g.writeEndObject();
  }

  private void writePartial(JsonGenerator g, byte[] item) throws IOException {
    g.writeStartObject();
    g.writeStringField("kind", "PartialObjectMetadata");
    g.writeStringField("apiVersion", rendering.format().metaApiVersion());
    g.writeFieldName("metadata");
    ObjectParts.writeMetadata(item, g);
    g.writeEndObject();
  }
}
