package dev.tenantproxy.filters.json.impl;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import dev.tenantproxy.filters.json.ItemMeta;
import dev.tenantproxy.filters.json.TableRow;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/** The state machine behind {@code WatchFilter}; see the package documentation. */
public final class WatchStream {
  private final Predicate<ItemMeta> objects;
  private final Predicate<TableRow> rows;
  private final int maxEventBytes;

  private final JsonParser parser;
  private final ByteArrayFeeder feeder;

  private static final byte[] EMPTY = new byte[0];

  /**
   * Bytes not yet released: buf[0] is absolute stream offset {@code base}. Empty between events: a
   * proxy holds thousands of mostly idle upstream watches, and an 8 KiB buffer each was a quarter
   * of an idle watch's heap (L8); a busy stream allocates one array per chunk instead.
   */
  private byte[] buf = EMPTY;

  private int len;
  private long base;
  private long fed;
  private int depth;
  private long eventStart = -1;
  private boolean failed;
  private boolean ended;

  private boolean columnsSent;
  private byte[] pendingColumns;
  private long seen;
  private long forwarded;

  public WatchStream(Predicate<ItemMeta> objects, Predicate<TableRow> rows, int maxEventBytes) {
    if (maxEventBytes <= 0) {
      throw new IllegalArgumentException("maxEventBytes must be positive: " + maxEventBytes);
    }
    this.objects = objects;
    this.rows = rows;
    this.maxEventBytes = maxEventBytes;
    try {
      this.parser = Json.FACTORY.createNonBlockingByteArrayParser();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
  }

  public long seen() {
    return seen;
  }

  public long forwarded() {
    return forwarded;
  }

  public byte[] feed(byte[] chunk, int off, int length) {
    if (failed || ended) {
      throw new IllegalStateException(
          failed ? "watch stream already failed" : "watch stream ended");
    }
    if (length == 0) {
      return new byte[0];
    }
    append(chunk, off, length);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      feeder.feedInput(chunk, off, off + length);
      fed += length;
      drain(out);
      if (eventStart >= 0 && fed - eventStart > maxEventBytes) {
        throw tooLarge();
      }
      release();
    } catch (IOException e) {
      // no real I/O happens here: every IOException is about the bytes (JSON or encoding errors)
      throw fail(Json.malformed("watch event", parser.currentLocation().getByteOffset()));
    } catch (KubeStatusException e) {
      throw fail(e);
    }
    return out.toByteArray();
  }

  public byte[] end() {
    if (ended) {
      return new byte[0];
    }
    ended = true;
    feeder.endOfInput();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      drain(out);
    } catch (IOException e) {
      throw fail(Json.malformed("watch event", parser.currentLocation().getByteOffset()));
    } catch (KubeStatusException e) {
      throw fail(e);
    }
    if (eventStart >= 0 || depth != 0) {
      throw fail(KubeStatusException.badRequest("unable to decode watch event: truncated event"));
    }
    return out.toByteArray();
  }

  private KubeStatusException tooLarge() {
    return KubeStatusException.internal("watch event larger than " + maxEventBytes + " bytes");
  }

  private KubeStatusException fail(KubeStatusException e) {
    failed = true;
    return e;
  }

  private void drain(ByteArrayOutputStream out) throws IOException {
    JsonToken t;
    while ((t = parser.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
      switch (t) {
        case START_OBJECT, START_ARRAY -> {
          if (depth == 0) {
            if (t != JsonToken.START_OBJECT) {
              throw Json.malformed("watch event", parser.currentTokenLocation().getByteOffset());
            }
            // the async parser reports a '{' token at the position after it
            eventStart = parser.currentLocation().getByteOffset() - 1;
          }
          depth++;
        }
        case END_OBJECT, END_ARRAY -> {
          depth--;
          if (depth == 0) {
            long end = parser.currentLocation().getByteOffset();
            emit((int) (eventStart - base), (int) (end - eventStart), out);
            eventStart = -1;
          }
        }
        default -> {
          if (depth == 0) {
            throw Json.malformed("watch event", parser.currentTokenLocation().getByteOffset());
          }
        }
      }
    }
  }

  private void emit(int off, int length, ByteArrayOutputStream out) throws IOException {
    if (length > maxEventBytes) {
      throw tooLarge();
    }
    seen++;
    WatchEvent event = WatchEvent.read(buf, off, length);
    switch (event.type()) {
      case "BOOKMARK", "ERROR" -> forward(off, length, out);
      default -> {
        if (event.isTable()) {
          emitTable(event, off, length, out);
        } else if (objects.test(event.meta())) {
          forward(off, length, out);
        }
      }
    }
  }

  private void emitTable(WatchEvent event, int off, int length, ByteArrayOutputStream out)
      throws IOException {
    List<TableRow> all = event.rows();
    boolean[] keep = new boolean[all.size()];
    int kept = 0;
    for (int i = 0; i < keep.length; i++) {
      keep[i] = all.get(i) != null && rows.test(all.get(i));
      kept += keep[i] ? 1 : 0;
    }
    if (kept == 0 && !all.isEmpty()) {
      if (!columnsSent && pendingColumns == null && event.columnDefinitions() != null) {
        pendingColumns = event.columnDefinitions();
      }
      return;
    }
    boolean inject = !columnsSent && event.columnDefinitions() == null && pendingColumns != null;
    if (kept == all.size() && !inject) {
      columnsSent |= event.columnDefinitions() != null;
      forward(off, length, out);
      return;
    }
    byte[] columns = inject ? pendingColumns : null;
    out.write(TableEventRewriter.rewrite(buf, off, length, keep, columns));
    out.write('\n');
    forwarded++;
    columnsSent |= inject || event.columnDefinitions() != null;
    pendingColumns = null;
  }

  private void forward(int off, int length, ByteArrayOutputStream out) {
    out.write(buf, off, length);
    out.write('\n');
    forwarded++;
  }

  private void append(byte[] chunk, int off, int length) {
    if (len + length > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + length));
    }
    System.arraycopy(chunk, off, buf, len, length);
    len += length;
  }

  /** Drops bytes no event needs any more (between events only whitespace remains). */
  private void release() {
    long keepFrom = eventStart >= 0 ? eventStart : fed;
    int drop = (int) (keepFrom - base);
    if (drop <= 0) {
      return;
    }
    System.arraycopy(buf, drop, buf, 0, len - drop);
    len -= drop;
    base = keepFrom;
    if (len == 0) {
      buf = EMPTY;
    } else if (buf.length > 65536 && len < buf.length / 4) {
      buf = Arrays.copyOf(buf, Math.max(8192, len * 2));
    }
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /** Rewrites a Table event with only the kept rows and, optionally, injected columns. */
  static final class TableEventRewriter {
    private TableEventRewriter() {}

    static byte[] rewrite(byte[] buf, int off, int length, boolean[] keep, byte[] columns)
        throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream(length);
      try (JsonParser p = Json.FACTORY.createParser(buf, off, length);
          JsonGenerator g = Json.FACTORY.createGenerator(out)) {
        p.nextToken();
        g.writeStartObject();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken t = p.nextToken();
          g.writeFieldName(field);
          if (field.equals("object") && t == JsonToken.START_OBJECT) {
            copyTable(p, g, keep, columns);
          } else {
            g.copyCurrentStructure(p);
          }
        }
        g.writeEndObject();
      }
      return out.toByteArray();
    }

    private static void copyTable(JsonParser p, JsonGenerator g, boolean[] keep, byte[] columns)
        throws IOException {
      g.writeStartObject();
      boolean wroteColumns = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if (field.equals("rows") && t == JsonToken.START_ARRAY) {
          g.writeFieldName(field);
          g.writeStartArray();
          int i = 0;
          while (p.nextToken() != JsonToken.END_ARRAY) {
            if (i < keep.length && keep[i]) {
              g.copyCurrentStructure(p);
            } else {
              p.skipChildren();
            }
            i++;
          }
          g.writeEndArray();
        } else if (field.equals("columnDefinitions") && columns != null) {
          p.skipChildren();
          g.writeFieldName(field);
          g.writeRawValue(utf8(columns));
          wroteColumns = true;
        } else if (field.equals("metadata") && t == JsonToken.START_OBJECT) {
          g.writeFieldName(field);
          g.writeStartObject();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            if (f.equals("remainingItemCount")) {
              p.skipChildren();
            } else {
              g.writeFieldName(f);
              g.copyCurrentStructure(p);
            }
          }
          g.writeEndObject();
        } else {
          g.writeFieldName(field);
          g.copyCurrentStructure(p);
        }
      }
      if (columns != null && !wroteColumns) {
        g.writeFieldName("columnDefinitions");
        g.writeRawValue(utf8(columns));
      }
      g.writeEndObject();
    }
  }
}
