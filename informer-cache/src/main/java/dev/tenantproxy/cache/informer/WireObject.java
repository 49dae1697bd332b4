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
 * (see the DESIGN note in {@code package-info.java}): its JSON as the API server sent it (an item
 * of a list page read by {@link WireSerialization}: its bytes, sliced out of the page; otherwise
 * its tokens copied, in the same order), the metadata fabric8 and the index read (name, namespace,
 * uid, resourceVersion, labels, ownerReferences), and the other top-level fields ({@code spec},
 * {@code status}, ...) as plain maps and lists for {@link Extractors}. Never modified after
 * decoding, except {@link #setApiVersion} (fabric8 sets a list item's missing apiVersion; the JSON
 * keeps track of what it lacks, see {@link #json(ResourceKind)}).
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
  // null in a slim object until asked for (see #bytes)
  private volatile byte[] json;
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
    byte[] bytes = bytes();
    if (kindInJson && apiVersionInJson) {
      return bytes;
    }
    return withHead(
        head(kindInJson ? null : as.kind(), apiVersionInJson ? null : as.apiVersion()),
        bytes,
        0,
        bytes.length);
  }

  /**
   * The JSON as decoded; a slim object's is written when first asked for (fabric8 reads its store's
   * objects as JSON only to serialize them, which the index never asks it to), so that the store of
   * a fleet's informers holds no second JSON per object and a start writes none.
   */
  private byte[] bytes() {
    byte[] bytes = json;
    if (bytes == null) {
      bytes = slimJson(); // racing callers write the same bytes
      json = bytes;
    }
    return bytes;
  }

  /**
   * The start of an object's JSON with {@code kind} and {@code apiVersion} first (either may be
   * null: left out): {@code {"kind":"Namespace","apiVersion":"v1",}.
   */
  private static byte[] head(String kind, String apiVersion) {
    StringBuilder head = new StringBuilder("{");
    if (kind != null) {
      head.append("\"kind\":").append(quoted(kind)).append(',');
    }
    if (apiVersion != null) {
      head.append("\"apiVersion\":").append(quoted(apiVersion)).append(',');
    }
    return head.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The object whose JSON is {@code src[from, to)} (from its '{' to its '}') with {@code head} in
   * place of its '{' (and without head's last ',' when the object is empty), in one new array.
   */
  private static byte[] withHead(byte[] head, byte[] src, int from, int to) {
    boolean empty = to - from == 2; // "{}"
    int headLength = empty ? head.length - 1 : head.length;
    byte[] out = new byte[headLength + to - from - 1];
    System.arraycopy(head, 0, out, 0, headLength);
    System.arraycopy(src, from + 1, out, headLength, to - from - 1);
    return out;
  }

  /** The same object with only what fabric8's store needs (see {@link SlimItemStore}). */
  WireObject slim() {
    ObjectMeta meta = new ObjectMeta();
    meta.setName(metadata.getName());
    meta.setNamespace(metadata.getNamespace());
    meta.setUid(metadata.getUid());
    meta.setResourceVersion(metadata.getResourceVersion());
    return new WireObject(apiVersion, kind, meta, Map.of(), null, apiVersion != null, kind != null);
  }

  /** A slim object's JSON: kind, apiVersion and the metadata it kept. */
  private byte[] slimJson() {
    Buffer out = new Buffer();
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
      writeIfSet(g, "name", metadata.getName());
      writeIfSet(g, "namespace", metadata.getNamespace());
      writeIfSet(g, "uid", metadata.getUid());
      writeIfSet(g, "resourceVersion", metadata.getResourceVersion());
      g.writeEndObject();
      g.writeEndObject();
    }
    return out.toByteArray();
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
    return new String(bytes(), StandardCharsets.UTF_8);
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
    Kept kept = new Kept();
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
        kept.kind = itemKind;
        kept.apiVersion = itemApiVersion;
        kept.kindInJson = true;
        kept.apiVersionInJson = true;
      }
      for (; name != null; name = p.nextName()) {
        JsonToken t = p.nextToken();
        if (put && (name.equals("kind") || name.equals("apiVersion"))) {
          p.skipChildren(); // written first already
          continue;
        }
        g.writeName(name);
        kept.property(name, t, p, g);
      }
      g.writeEndObject();
    }
    return kept.object(out.toByteArray());
  }

  /**
   * Reads one item of a page whose bytes are {@code page} (the parser at the item's START_OBJECT,
   * reading {@code page}), without re-writing it: its JSON is the item's bytes as sent, sliced out
   * of the page; only what is kept is decoded, the rest skipped. An item with neither {@code kind}
   * nor {@code apiVersion} gets {@code head} (the list's, see {@link #head}) in place of its '{'.
   */
  private static WireObject slice(JsonParser p, byte[] page, byte[] head, String kind, String api) {
    int from = (int) p.currentTokenLocation().getByteOffset();
    Kept kept = new Kept();
    for (String name = p.nextName(); name != null; name = p.nextName()) {
      kept.property(name, p.nextToken(), p, null);
    }
    int to = (int) p.currentLocation().getByteOffset();
    if (head == null || kept.kindInJson || kept.apiVersionInJson) {
      return kept.object(Arrays.copyOfRange(page, from, to));
    }
    kept.kind = kind;
    kept.apiVersion = api;
    kept.kindInJson = true;
    kept.apiVersionInJson = true;
    return kept.object(withHead(head, page, from, to));
  }

  /** What one pass over an object keeps, whether its JSON is copied or sliced. */
  private static final class Kept {
    String apiVersion;
    String kind;
    boolean apiVersionInJson;
    boolean kindInJson;
    final ObjectMeta meta = new ObjectMeta();
    final Map<String, Object> fields = new LinkedHashMap<>();

    /**
     * Reads the value of the top-level property {@code name} (the parser at its first token {@code
     * t}), copying it to {@code g} unless that is null.
     */
    void property(String name, JsonToken t, JsonParser p, JsonGenerator g) {
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

    WireObject object(byte[] json) {
      return new WireObject(apiVersion, kind, meta, fields, json, apiVersionInJson, kindInJson);
    }
  }

  /**
   * Reads {@code metadata}, keeping what fabric8 and {@link Extractors} read, copying it to {@code
   * g} unless that is null.
   */
  private static void metadata(JsonParser p, JsonGenerator g, ObjectMeta meta) {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      copy(p, g, false);
      return;
    }
    if (g != null) {
      g.writeStartObject();
    }
    for (String name = p.nextName(); name != null; name = p.nextName()) {
      if (g != null) {
        g.writeName(name);
      }
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
    if (g != null) {
      g.writeEndObject();
    }
  }

  /**
   * Reads the value at the parser's current token, copies it to {@code g} unless that is null and,
   * when {@code keep}, returns it as plain data (maps keep the order; numbers as Jackson reads
   * untyped JSON: Integer, Long, BigInteger, Double). Numbers are copied as the text they were sent
   * as. Neither copied nor kept, a value is skipped.
   */
  private static Object copy(JsonParser p, JsonGenerator g, boolean keep) {
    if (g == null) {
      if (keep) {
        return value(p);
      }
      p.skipChildren();
      return null;
    }
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
      default -> {
        // true, false, null; an embedded object (only from a token buffer, e.g. fabric8's
        // convertValue)
        g.copyCurrentEvent(p);
        return value(p);
      }
    }
  }

  /** The value at the parser's current token as plain data (as {@link #copy} keeps it). */
  private static Object value(JsonParser p) {
    switch (p.currentToken()) {
      case START_OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        for (String name = p.nextName(); name != null; name = p.nextName()) {
          p.nextToken();
          map.put(name, value(p));
        }
        return map;
      }
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          list.add(value(p));
        }
        return list;
      }
      case VALUE_STRING -> {
        return p.getString();
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        return p.getNumberValue();
      }
      case VALUE_TRUE -> {
        return Boolean.TRUE;
      }
      case VALUE_FALSE -> {
        return Boolean.FALSE;
      }
      case VALUE_EMBEDDED_OBJECT -> {
        return p.getEmbeddedObject();
      }
      default -> {
        return null;
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
      try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), value.bytes())) {
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
   * Reads a page from a token stream (a client whose serialization is not {@link
   * WireSerialization}): each item's JSON is copied as it is read (see {@link #page(JsonParser,
   * byte[])}).
   */
  static final class PageDecoder extends ValueDeserializer<Page> {
    @Override
    public Page deserialize(JsonParser p, DeserializationContext ctxt) {
      return page(p, null);
    }
  }

  /**
   * Reads a page of a list from its bytes as the API server sent them: each item's JSON is sliced
   * out of them, not re-written (see {@link #page(JsonParser, byte[])}).
   */
  static Page page(byte[] bytes) {
    try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("expected a JSON object, got " + p.currentToken());
      }
      return page(p, bytes);
    }
  }

  /**
   * Reads a page, the parser at its START_OBJECT (or at its first property name): the list's {@code
   * kind} and {@code apiVersion} (the API server writes them first) name its items' (see {@link
   * #read(JsonParser, String, String)}), so that an item's JSON is complete at once. With {@code
   * bytes} (what the parser reads), each item's JSON is sliced out of them; without, copied token
   * by token.
   */
  private static Page page(JsonParser p, byte[] bytes) {
    Page page = new Page();
    List<WireObject> items = new ArrayList<>();
    String name = p.currentToken() == JsonToken.START_OBJECT ? p.nextName() : p.currentName();
    for (; name != null; name = p.nextName()) {
      JsonToken t = p.nextToken();
      switch (name) {
        case "kind" -> page.setKind(string(value(p)));
        case "apiVersion" -> page.setApiVersion(string(value(p)));
        case "metadata" -> page.setMetadata(listMeta(p));
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
          String itemApiVersion = page.getApiVersion();
          byte[] head =
              bytes != null && itemKind != null && itemApiVersion != null
                  ? head(itemKind, itemApiVersion)
                  : null;
          while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
              continue;
            }
            if (p.currentToken() != JsonToken.START_OBJECT) {
              throw new IllegalArgumentException(
                  "expected a list item object, got " + p.currentToken());
            }
            items.add(
                bytes != null
                    ? slice(p, bytes, head, itemKind, itemApiVersion)
                    : read(p, itemKind, itemApiVersion));
          }
        }
        default -> p.skipChildren();
      }
    }
    page.setItems(items);
    return page;
  }

  /** A list's metadata: what fabric8's informer reads (and {@code remainingItemCount}). */
  private static ListMeta listMeta(JsonParser p) {
    ListMeta meta = new ListMeta();
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return meta;
    }
    for (String name = p.nextName(); name != null; name = p.nextName()) {
      p.nextToken();
      Object value = value(p);
      switch (name) {
        case "resourceVersion" -> meta.setResourceVersion(string(value));
        case "continue" -> meta.setContinue(string(value));
        case "selfLink" -> meta.setSelfLink(string(value));
        case "remainingItemCount" ->
            meta.setRemainingItemCount(value instanceof Number n ? n.longValue() : null);
        default -> {
          // not read by the informer
        }
      }
    }
    return meta;
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
