package dev.tenantproxy.filters.render;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * What rendering needs of one cached object's JSON, found by one parse and remembered per object:
 * whether it is one complete JSON object, where its {@code metadata} value lies, and the cells a
 * Table row shows ({@code metadata.name}, {@code metadata.creationTimestamp} parsed, {@code
 * status.phase}).
 *
 * <p>DESIGN: the cached JSON of an object version is an immutable {@code byte[]} that every list
 * and watch event of that version shares, so its parts are remembered by array identity in a {@link
 * WeakHashMap} (arrays hash by identity): an entry goes when the watch cache drops the version. The
 * parts never reference the array (that would keep the key alive). Valid objects are then written
 * verbatim ({@link #raw}) instead of being parsed and re-generated per request.
 */
record ObjectParts(
    boolean valid,
    int metadataStart,
    int metadataEnd,
    String name,
    java.time.Instant created,
    String phase) {

  private static final ObjectParts INVALID = new ObjectParts(false, -1, -1, "", null, "");
  private static final Map<byte[], ObjectParts> CACHE =
      Collections.synchronizedMap(new WeakHashMap<>());

  /** The parts of {@code json}, parsed on first use. */
  static ObjectParts of(byte[] json) {
    ObjectParts parts = CACHE.get(json);
    if (parts == null) {
      parts = parse(json);
      CACHE.put(json, parts);
    }
    return parts;
  }

  /** Objects whose parts are remembered (for tests). */
  static int cached() {
    return CACHE.size();
  }

  private static ObjectParts parse(byte[] json) {
    try (JsonParser p = ObjectJson.FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return INVALID;
      }
      int metadataStart = -1;
      int metadataEnd = -1;
      String name = "";
      String created = "";
      String phase = "";
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("metadata") && value == JsonToken.START_OBJECT) {
          metadataStart = (int) p.currentTokenLocation().getByteOffset();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            if (f.equals("name") && v == JsonToken.VALUE_STRING) {
              name = p.getText();
            } else if (f.equals("creationTimestamp") && v == JsonToken.VALUE_STRING) {
              created = p.getText();
            } else {
              p.skipChildren();
            }
          }
          metadataEnd = (int) p.currentTokenLocation().getByteOffset() + 1;
        } else if (field.equals("status") && value == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            if (f.equals("phase") && v == JsonToken.VALUE_STRING) {
              phase = p.getText();
            } else {
              p.skipChildren();
            }
          }
        } else {
          p.skipChildren();
        }
      }
      // the object must end here, with nothing but whitespace after it
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        return INVALID;
      }
      if (metadataStart < 0 || metadataEnd > json.length || json[metadataEnd - 1] != '}') {
        metadataStart = -1;
        metadataEnd = -1;
      }
      return new ObjectParts(true, metadataStart, metadataEnd, name, instant(created), phase);
    } catch (IOException | RuntimeException e) {
      return INVALID;
    }
  }

  private static java.time.Instant instant(String timestamp) {
    try {
      return timestamp.isEmpty() ? null : java.time.Instant.parse(timestamp);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  /** The Age cell at {@code now}, as {@link TableColumns#age} computes it. */
  String age(java.time.Instant now) {
    return created == null
        ? "<unknown>"
        : HumanDuration.format(java.time.Duration.between(created, now));
  }

  /** Writes the whole object: verbatim when valid, else by parsing (which reports the error). */
  static void writeObject(byte[] json, JsonGenerator g) throws IOException {
    if (of(json).valid()) {
      g.writeRawValue(raw(json, 0, json.length));
    } else {
      ObjectJson.copyObject(json, g);
    }
  }

  /** Writes the {@code metadata} value: verbatim when found, else as {@link ObjectJson} does. */
  static void writeMetadata(byte[] json, JsonGenerator g) throws IOException {
    ObjectParts parts = of(json);
    if (parts.valid() && parts.metadataStart() >= 0) {
      g.writeRawValue(raw(json, parts.metadataStart(), parts.metadataEnd()));
    } else {
      ObjectJson.copyField(json, "metadata", g);
    }
  }

  /** A slice of valid JSON as a raw value for {@link JsonGenerator#writeRawValue}. */
  static SerializableString raw(byte[] json, int from, int to) {
    return new RawJson(json, from, to);
  }

  private record RawJson(byte[] json, int from, int to) implements SerializableString {
    @Override
    public String getValue() {
      return new String(json, from, to - from, StandardCharsets.UTF_8);
    }

    @Override
    public int charLength() {
      return getValue().length();
    }

    @Override
    public char[] asQuotedChars() {
      return JsonStringEncoder.getInstance().quoteAsString(getValue());
    }

    @Override
    public byte[] asUnquotedUTF8() {
      return from == 0 && to == json.length ? json : java.util.Arrays.copyOfRange(json, from, to);
    }

    @Override
    public byte[] asQuotedUTF8() {
      return JsonStringEncoder.getInstance().quoteAsUTF8(getValue());
    }

    @Override
    public int appendQuotedUTF8(byte[] buffer, int offset) {
      return append(asQuotedUTF8(), buffer, offset);
    }

    @Override
    public int appendQuoted(char[] buffer, int offset) {
      char[] q = asQuotedChars();
      if (offset + q.length > buffer.length) {
        return -1;
      }
      System.arraycopy(q, 0, buffer, offset, q.length);
      return q.length;
    }

    @Override
    public int appendUnquotedUTF8(byte[] buffer, int offset) {
      int length = to - from;
      if (offset + length > buffer.length) {
        return -1;
      }
      System.arraycopy(json, from, buffer, offset, length);
      return length;
    }

    @Override
    public int appendUnquoted(char[] buffer, int offset) {
      String s = getValue();
      if (offset + s.length() > buffer.length) {
        return -1;
      }
      s.getChars(0, s.length(), buffer, offset);
      return s.length();
    }

    @Override
    public int writeQuotedUTF8(OutputStream out) throws IOException {
      byte[] q = asQuotedUTF8();
      out.write(q);
      return q.length;
    }

    @Override
    public int writeUnquotedUTF8(OutputStream out) throws IOException {
      out.write(json, from, to - from);
      return to - from;
    }

    @Override
    public int putQuotedUTF8(ByteBuffer buffer) {
      return put(asQuotedUTF8(), 0, buffer);
    }

    @Override
    public int putUnquotedUTF8(ByteBuffer buffer) {
      int length = to - from;
      if (length > buffer.remaining()) {
        return -1;
      }
      buffer.put(json, from, length);
      return length;
    }

    private static int append(byte[] src, byte[] buffer, int offset) {
      if (offset + src.length > buffer.length) {
        return -1;
      }
      System.arraycopy(src, 0, buffer, offset, src.length);
      return src.length;
    }

    private static int put(byte[] src, int from, ByteBuffer buffer) {
      if (src.length - from > buffer.remaining()) {
        return -1;
      }
      buffer.put(src, from, src.length - from);
      return src.length - from;
    }
  }
}
