package dev.tenantproxy.filters.json.impl;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import dev.tenantproxy.filters.json.ItemMeta;
import dev.tenantproxy.filters.json.TableRow;
import dev.tenantproxy.filters.json.WatchFilter;
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
  private final WatchFilter.Decider decider;
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

  /** An event the decider could not decide yet: its bytes stay buffered until {@link #retry}. */
  private boolean deferred;

  private long deferredEnd;
  private boolean ending;

  public WatchStream(Predicate<ItemMeta> objects, Predicate<TableRow> rows, int maxEventBytes) {
    this(objects, rows, null, maxEventBytes);
  }

  /** A stream whose object events are decided (kept, dropped, retyped) by {@code decider}. */
  public WatchStream(WatchFilter.Decider decider, int maxEventBytes) {
    this(o -> false, r -> false, decider, maxEventBytes);
  }

  private WatchStream(
      Predicate<ItemMeta> objects,
      Predicate<TableRow> rows,
      WatchFilter.Decider decider,
      int maxEventBytes) {
    if (maxEventBytes <= 0) {
      throw new IllegalArgumentException("maxEventBytes must be positive: " + maxEventBytes);
    }
    this.objects = objects;
    this.rows = rows;
    this.decider = decider;
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
    if (failed || ended || deferred) {
      throw new IllegalStateException(
          failed
              ? "watch stream already failed"
              : ended ? "watch stream ended" : "an event waits for retry()");
    }
    if (length == 0) {
      return new byte[0];
    }
    append(chunk, off, length);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      feeder.feedInput(chunk, off, off + length);
      fed += length;
      drainAndRelease(out);
    } catch (IOException e) {
      // no real I/O happens here: every IOException is about the bytes (JSON or encoding errors)
      throw fail(Json.malformed("watch event", parser.currentLocation().getByteOffset()));
    } catch (KubeStatusException e) {
      throw fail(e);
    }
    return out.toByteArray();
  }

  /** Emits every complete event fed; an unfinished one may not exceed {@code maxEventBytes}. */
  private void drainAndRelease(ByteArrayOutputStream out) throws IOException {
    drain(out);
    if (!deferred && eventStart >= 0 && fed - eventStart > maxEventBytes) {
      throw tooLarge();
    }
    release();
  }

  /** Whether an event waits for {@link #retry} (no {@link #feed} nor {@link #end} until then). */
  public boolean deferred() {
    return deferred;
  }

  /**
   * Decides the deferred event again and, once it is decided, the rest of what was fed; returns the
   * bytes to send now (possibly empty; {@link #deferred} tells whether an event still waits).
   */
  public byte[] retry() {
    if (!deferred || failed) {
      return new byte[0];
    }
    deferred = false;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!emit((int) (eventStart - base), (int) (deferredEnd - eventStart), out)) {
        deferred = true;
        return out.toByteArray();
      }
      eventStart = -1;
      drainAndRelease(out);
    } catch (IOException e) {
      throw fail(Json.malformed("watch event", parser.currentLocation().getByteOffset()));
    } catch (KubeStatusException e) {
      throw fail(e);
    }
    return out.toByteArray();
  }

  public byte[] end() {
    if (deferred) {
      throw new IllegalStateException("an event waits for retry()");
    }
    if (ended) {
      return new byte[0];
    }
    ended = true;
    ending = true; // nothing is deferred from here: an event the decider cannot decide is dropped
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
            if (!emit((int) (eventStart - base), (int) (end - eventStart), out)) {
              deferred = true;
              deferredEnd = end;
              return; // the parser stays after this event; retry() goes on from here
            }
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

  /** Relays or drops one event; false when the decider defers it (nothing written then). */
  private boolean emit(int off, int length, ByteArrayOutputStream out) throws IOException {
    if (length > maxEventBytes) {
      throw tooLarge();
    }
    WatchEvent event = WatchEvent.read(buf, off, length);
    switch (event.type()) {
      case "BOOKMARK", "ERROR" -> forward(off, length, out);
      default -> {
        if (decider != null) {
          if (!decide(event, off, length, out)) {
            return false;
          }
        } else if (event.isTable()) {
          emitTable(event, off, length, out);
        } else if (objects.test(event.meta())) {
          forward(off, length, out);
        }
      }
    }
    seen++;
    return true;
  }

  /**
   * One object event through the decider: an object, or a Table with exactly one row (the API
   * server's watch events; a Table event with several rows is dropped, one without rows passes).
   */
  private boolean decide(WatchEvent event, int off, int length, ByteArrayOutputStream out)
      throws IOException {
    List<TableRow> all = event.isTable() ? event.rows() : null;
    if (all != null && (all.size() > 1 || (all.size() == 1 && all.get(0) == null))) {
      emitTable(event, off, length, out, r -> false);
      return true;
    }
    if (all != null && all.isEmpty()) {
      emitTable(event, off, length, out, r -> true);
      return true;
    }
    ItemMeta object;
    if (all == null) {
      object = event.meta();
    } else {
      TableRow row = all.get(0);
      object = row.object() != null ? row.object() : new ItemMeta("", row.name(), null);
    }
    String type = decider.decide(event.type(), object, event.resourceVersion());
    if (WatchFilter.Decider.LATER.equals(type)) {
      if (!ending) {
        return false;
      }
      type = null;
    }
    if (type == null) {
      if (all != null) {
        emitTable(event, off, length, out, r -> false);
      }
      return true;
    }
    if (type.equals(event.type())) {
      if (all != null) {
        emitTable(event, off, length, out, r -> true);
      } else {
        forward(off, length, out);
      }
      return true;
    }
    boolean inject =
        all != null && !columnsSent && event.columnDefinitions() == null && pendingColumns != null;
    byte[] columns = inject ? pendingColumns : null;
    if (inject) {
      byte[] table = TableEventRewriter.rewrite(buf, off, length, new boolean[] {true}, columns);
      out.write(retype(table, 0, table.length, type));
    } else {
      out.write(retype(buf, off, length, type));
    }
    out.write('\n');
    forwarded++;
    if (all != null) {
      columnsSent |= columns != null || event.columnDefinitions() != null;
      pendingColumns = null;
    }
    return true;
  }

  private void emitTable(WatchEvent event, int off, int length, ByteArrayOutputStream out)
      throws IOException {
    emitTable(event, off, length, out, rows);
  }

  private void emitTable(
      WatchEvent event, int off, int length, ByteArrayOutputStream out, Predicate<TableRow> rows)
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

  /**
   * The event in {@code buf[off, off+length)} with its top-level {@code type} value replaced; every
   * other byte as it was (no re-encoding: numbers and escapes stay the API server's).
   */
  static byte[] retype(byte[] buf, int off, int length, String type) throws IOException {
    try (JsonParser p = Json.FACTORY.createParser(buf, off, length)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if (field.equals("type") && t == JsonToken.VALUE_STRING) {
          int start = (int) p.currentTokenLocation().getByteOffset();
          p.getText(); // the string is read lazily: its end is known once it is read
          int end = (int) p.currentLocation().getByteOffset();
          ByteArrayOutputStream out = new ByteArrayOutputStream(length + 16);
          out.write(buf, off, start);
          out.write(('"' + type + '"').getBytes(StandardCharsets.UTF_8));
          out.write(buf, off + end, length - end);
          return out.toByteArray();
        }
        p.skipChildren();
      }
    }
    throw Json.malformed("watch event", 0);
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
