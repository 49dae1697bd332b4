package dev.tenantproxy.cache.informer;

import io.fabric8.kubernetes.api.model.DefaultKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListMeta;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.annotation.JsonSerialize;

/**
 * One object of an informed kind as fabric8's informer hands it over, decoded in one streaming pass
 * (see the DESIGN note in {@code package-info.java}): its JSON as the API server sent it (the
 * tokens copied, in the same order), the metadata fabric8 and the index read (name, namespace, uid,
 * resourceVersion, labels, ownerReferences), and the other top-level fields ({@code spec}, {@code
 * status}, ...) as plain maps and lists for {@link Extractors}. Never modified after decoding,
 * except {@link #setApiVersion} (fabric8 sets a list item's missing apiVersion; the JSON keeps
 * track of what it lacks, see {@link #json(ResourceKind)}).
 */
@JsonDeserialize(using = WireObject.Decoder.class)
@JsonSerialize(using = WireObject.Encoder.class)
final class WireObject implements HasMetadata, InformedObject {
  private static final long serialVersionUID = 1L;

  // Jackson 3 escapes '/' by default; the API server does not
  private static final JsonFactory JSON =
      JsonFactory.builder()
          .disable(JsonWriteFeature.ESCAPE_FORWARD_SLASHES)
          .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
          .build();
  private static final ThreadLocal<Buffer> BUFFER = ThreadLocal.withInitial(Buffer::new);

  private String apiVersion;
  private final String kind;
  private ObjectMeta metadata;
  private final transient Map<String, Object> fields;
  private final byte[] json;
  private final boolean apiVersionInJson;
  private final boolean kindInJson;

  private WireObject(
      String apiVersion,
      String kind,
      ObjectMeta metadata,
      Map<String, Object> fields,
      byte[] json,
      boolean apiVersionInJson,
      boolean kindInJson) {
    this.apiVersion = apiVersion;
    this.kind = kind;
    this.metadata = metadata;
    this.fields = fields;
    this.json = json;
    this.apiVersionInJson = apiVersionInJson;
    this.kindInJson = kindInJson;
  }

  @Override
  public ObjectMeta getMetadata() {
    return metadata;
  }

  @Override
  public void setMetadata(ObjectMeta metadata) {
    this.metadata = metadata;
  }

  @Override
  public String getKind() {
    return kind;
  }

  @Override
  public String getApiVersion() {
    return apiVersion;
  }

  @Override
  public void setApiVersion(String apiVersion) {
    this.apiVersion = apiVersion;
  }

  @Override
  public Object field(String name) {
    return fields.get(name);
  }

  /**
   * The object's JSON, with {@code kind} and {@code apiVersion} of {@code as} put first when the
   * API server left them out (it does for the items of lists of built-in kinds); otherwise the
   * bytes decoded, unchanged. A fresh array the caller may keep.
   */
  byte[] json(ResourceKind as) {
    if (kindInJson && apiVersionInJson) {
      return json;
    }
    StringBuilder head = new StringBuilder("{");
    if (!kindInJson) {
      head.append("\"kind\":").append(quoted(as.kind())).append(',');
    }
    if (!apiVersionInJson) {
      head.append("\"apiVersion\":").append(quoted(as.apiVersion())).append(',');
    }
    byte[] prefix = head.toString().getBytes(StandardCharsets.UTF_8);
    boolean empty = json.length == 2; // "{}"
    int prefixLength = empty ? prefix.length - 1 : prefix.length;
    byte[] out = new byte[prefixLength + json.length - 1];
    System.arraycopy(prefix, 0, out, 0, prefixLength);
    System.arraycopy(json, 1, out, prefixLength, json.length - 1);
    return out;
  }

  /** The same object with only what fabric8's store needs (see {@link SlimItemStore}). */
  WireObject slim() {
    ObjectMeta meta = new ObjectMeta();
    meta.setName(metadata.getName());
    meta.setNamespace(metadata.getNamespace());
    meta.setUid(metadata.getUid());
    meta.setResourceVersion(metadata.getResourceVersion());
    Buffer out = BUFFER.get();
    out.reset();
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      if (kind != null) {
        g.writeStringProperty("kind", kind);
      }
      if (apiVersion != null) {
        g.writeStringProperty("apiVersion", apiVersion);
      }
      g.writeName("metadata");
      g.writeStartObject();
      writeIfSet(g, "name", meta.getName());
      writeIfSet(g, "namespace", meta.getNamespace());
      writeIfSet(g, "uid", meta.getUid());
      writeIfSet(g, "resourceVersion", meta.getResourceVersion());
      g.writeEndObject();
      g.writeEndObject();
    }
    return new WireObject(
        apiVersion, kind, meta, Map.of(), out.toByteArray(), apiVersion != null, kind != null);
  }

  private static void writeIfSet(JsonGenerator g, String name, String value) {
    if (value != null) {
      g.writeStringProperty(name, value);
    }
  }

  private static String quoted(String s) {
    Buffer out = new Buffer();
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeString(s);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return new String(json, StandardCharsets.UTF_8);
  }

  /**
   * Reads one object: the parser is at its START_OBJECT (or, inside it, at its first property
   * name). One pass: every token is copied to the object's JSON; the few values kept are picked up
   * on the way.
   */
  static WireObject read(JsonParser p) {
    return read(p, null, null);
  }

  /**
   * As {@link #read(JsonParser)}; an object without {@code kind} (the items of a list of a built-in
   * kind) gets {@code kind} and {@code apiVersion} written first, as a GET returns them, when the
   * list named them ({@code NamespaceList} has items of kind {@code Namespace}).
   */
  static WireObject read(JsonParser p, String itemKind, String itemApiVersion) {
    String name;
    if (p.currentToken() == JsonToken.START_OBJECT) {
      name = p.nextName();
    } else if (p.currentToken() == JsonToken.PROPERTY_NAME) {
      name = p.currentName();
    } else {
      throw new IllegalArgumentException("expected a JSON object, got " + p.currentToken());
    }
    String apiVersion = null;
    String kind = null;
    ObjectMeta meta = new ObjectMeta();
    Map<String, Object> fields = new LinkedHashMap<>();
    boolean apiVersionInJson = false;
    boolean kindInJson = false;
    Buffer out = BUFFER.get();
    out.reset();
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      boolean put =
          itemKind != null
              && itemApiVersion != null
              && name != null
              && !name.equals("kind")
              && !name.equals("apiVersion");
      if (put) {
        g.writeStringProperty("kind", itemKind);
        g.writeStringProperty("apiVersion", itemApiVersion);
        kind = itemKind;
        apiVersion = itemApiVersion;
        kindInJson = true;
        apiVersionInJson = true;
      }
      for (; name != null; name = p.nextName()) {
        JsonToken t = p.nextToken();
        if (put && (name.equals("kind") || name.equals("apiVersion"))) {
          p.skipChildren(); // written first already
          continue;
        }
        g.writeName(name);
        switch (name) {
          case "apiVersion" -> {
            apiVersionInJson = true;
            apiVersion = string(copy(p, g, t == JsonToken.VALUE_STRING));
          }
          case "kind" -> {
            kindInJson = true;
            kind = string(copy(p, g, t == JsonToken.VALUE_STRING));
          }
          case "metadata" -> metadata(p, g, meta);
          default -> fields.put(name, copy(p, g, true));
        }
      }
      g.writeEndObject();
    }
    return new WireObject(
        apiVersion, kind, meta, fields, out.toByteArray(), apiVersionInJson, kindInJson);
  }

  /** Copies {@code metadata}, keeping what fabric8 and {@link Extractors} read. */
  private static void metadata(JsonParser p, JsonGenerator g, ObjectMeta meta) {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      copy(p, g, false);
      return;
    }
    g.writeStartObject();
    for (String name = p.nextName(); name != null; name = p.nextName()) {
      g.writeName(name);
      p.nextToken();
      switch (name) {
        case "name" -> meta.setName(string(copy(p, g, true)));
        case "namespace" -> meta.setNamespace(string(copy(p, g, true)));
        case "uid" -> meta.setUid(string(copy(p, g, true)));
        case "resourceVersion" -> meta.setResourceVersion(string(copy(p, g, true)));
        case "labels" -> meta.setLabels(labels(copy(p, g, true)));
        case "ownerReferences" -> meta.setOwnerReferences(ownerReferences(copy(p, g, true)));
        default -> copy(p, g, false);
      }
    }
    g.writeEndObject();
  }

  /**
   * Copies the value at the parser's current token to {@code g} and, when {@code keep}, returns it
   * as plain data (maps keep the order; numbers as Jackson reads untyped JSON: Integer, Long,
   * BigInteger, Double). Numbers are copied as the text they were sent as.
   */
  private static Object copy(JsonParser p, JsonGenerator g, boolean keep) {
    switch (p.currentToken()) {
      case START_OBJECT -> {
        g.writeStartObject();
        Map<String, Object> map = keep ? new LinkedHashMap<>() : null;
        for (String name = p.nextName(); name != null; name = p.nextName()) {
          g.writeName(name);
          p.nextToken();
          Object value = copy(p, g, keep);
          if (keep) {
            map.put(name, value);
          }
        }
        g.writeEndObject();
        return map;
      }
      case START_ARRAY -> {
        g.writeStartArray();
        List<Object> list = keep ? new ArrayList<>() : null;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          Object value = copy(p, g, keep);
          if (keep) {
            list.add(value);
          }
        }
        g.writeEndArray();
        return list;
      }
      case VALUE_STRING -> {
        if (keep) {
          String s = p.getString();
          g.writeString(s);
          return s;
        }
        g.writeString(p.getStringCharacters(), p.getStringOffset(), p.getStringLength());
        return null;
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        g.writeNumber(p.getString());
        return keep ? p.getNumberValue() : null;
      }
      case VALUE_TRUE -> {
        g.writeBoolean(true);
        return Boolean.TRUE;
      }
      case VALUE_FALSE -> {
        g.writeBoolean(false);
        return Boolean.FALSE;
      }
      case VALUE_NULL -> {
        g.writeNull();
        return null;
      }
      default -> {
        // an embedded object (only from a token buffer, e.g. fabric8's convertValue)
        g.copyCurrentEvent(p);
        return keep ? p.getEmbeddedObject() : null;
      }
    }
  }

  private static String string(Object o) {
    return o instanceof String s ? s : null;
  }

  private static Map<String, String> labels(Object o) {
    Map<String, String> out = new LinkedHashMap<>();
    if (o instanceof Map<?, ?> m) {
      m.forEach(
          (k, v) -> {
            if (v instanceof String s) {
              out.put((String) k, s);
            }
          });
    }
    return out;
  }

  private static List<OwnerReference> ownerReferences(Object o) {
    List<OwnerReference> out = new ArrayList<>();
    if (o instanceof List<?> list) {
      for (Object e : list) {
        if (e instanceof Map<?, ?> m) {
          OwnerReference ref = new OwnerReference();
          ref.setApiVersion(string(m.get("apiVersion")));
          ref.setKind(string(m.get("kind")));
          ref.setName(string(m.get("name")));
          ref.setUid(string(m.get("uid")));
          ref.setController(m.get("controller") instanceof Boolean b ? b : null);
          ref.setBlockOwnerDeletion(m.get("blockOwnerDeletion") instanceof Boolean b ? b : null);
          out.add(ref);
        }
      }
    }
    return out;
  }

  /** fabric8 decodes list items and watch objects of the informers with this. */
  static final class Decoder extends ValueDeserializer<WireObject> {
    @Override
    public WireObject deserialize(JsonParser p, DeserializationContext ctxt) {
      return read(p);
    }
  }

  /**
   * Writes the object's JSON as tokens (so that fabric8's {@code convertValue} and {@code asJson}
   * work on it, e.g. for a typed watch on the same client).
   */
  static final class Encoder extends ValueSerializer<WireObject> {
    @Override
    public void serialize(WireObject value, JsonGenerator g, SerializationContext ctxt)
        throws JacksonException {
      try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), value.json)) {
        p.nextToken();
        g.copyCurrentStructure(p);
      }
    }
  }

  /** A page of a list, as fabric8's informer asks for it. */
  @JsonDeserialize(using = PageDecoder.class)
  static final class Page extends DefaultKubernetesResourceList<WireObject> {
    private static final long serialVersionUID = 1L;
  }

  /**
   * Reads a page: the list's {@code kind} and {@code apiVersion} (the API server writes them first)
   * name its items' (see {@link #read(JsonParser, String, String)}), so that an item's JSON is
   * written once, complete.
   */
  static final class PageDecoder extends ValueDeserializer<Page> {
    @Override
    public Page deserialize(JsonParser p, DeserializationContext ctxt) {
      Page page = new Page();
      java.util.List<WireObject> items = new ArrayList<>();
      String name = p.currentToken() == JsonToken.START_OBJECT ? p.nextName() : p.currentName();
      for (; name != null; name = p.nextName()) {
        JsonToken t = p.nextToken();
        switch (name) {
          case "kind" -> page.setKind(t == JsonToken.VALUE_STRING ? p.getString() : skip(p));
          case "apiVersion" ->
              page.setApiVersion(t == JsonToken.VALUE_STRING ? p.getString() : skip(p));
          case "metadata" -> page.setMetadata(ctxt.readValue(p, ListMeta.class));
          case "items" -> {
            if (t != JsonToken.START_ARRAY) {
              p.skipChildren();
              continue;
            }
            String kind = page.getKind();
            String itemKind =
                kind != null && kind.length() > "List".length() && kind.endsWith("List")
                    ? kind.substring(0, kind.length() - "List".length())
                    : null;
            while (p.nextToken() != JsonToken.END_ARRAY) {
              if (p.currentToken() != JsonToken.VALUE_NULL) {
                items.add(read(p, itemKind, page.getApiVersion()));
              }
            }
          }
          default -> p.skipChildren();
        }
      }
      page.setItems(items);
      return page;
    }

    private static String skip(JsonParser p) {
      p.skipChildren();
      return null;
    }
  }

  /** A reusable output buffer (one per decoding thread); {@code toByteArray} copies. */
  private static final class Buffer extends ByteArrayOutputStream {
    Buffer() {
      super(4096);
    }

    @Override
    public synchronized void reset() {
      super.reset();
      if (buf.length > 1 << 20) {
        buf = new byte[4096]; // do not keep a huge object's buffer per thread
      }
    }

    @Override
    public synchronized byte[] toByteArray() {
      return Arrays.copyOf(buf, count);
    }
  }
}
