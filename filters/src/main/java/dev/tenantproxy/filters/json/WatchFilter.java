package dev.tenantproxy.filters.json;

import dev.tenantproxy.filters.json.impl.WatchStream;
import java.nio.ByteBuffer;
import java.util.function.Predicate;

/**
 * Filters one JSON watch stream ({@code {"type":..,"object":..}} events, arriving in chunks whose
 * boundaries are unrelated to event boundaries). Feed each chunk, write what {@link #feed} returns
 * (possibly nothing), call {@link #end()} when the upstream ends. Not thread-safe: one instance per
 * stream, used from one context. See the package documentation for the design.
 *
 * <p>Kept events are forwarded byte for byte (plus a {@code \n}); BOOKMARK and ERROR events always
 * pass; Table events keep their visible rows and carry the column definitions of a dropped first
 * event.
 *
 * <p>Failures (after which the instance is unusable): {@link
 * dev.tenantproxy.filters.status.KubeStatusException} 400 for malformed JSON or a truncated last
 * event, 500 when one event exceeds {@code maxEventBytes}. The stream comes from the upstream API
 * server, so the caller ends the watch (e.g. with an ERROR event) rather than passing a 400 on.
 */
public final class WatchFilter {
  private final WatchStream stream;

  private WatchFilter(WatchStream stream) {
    this.stream = stream;
  }

  /**
   * A filter for a watch of plain objects (including {@code PartialObjectMetadata}) and of Table
   * events.
   *
   * @param objects decides on the event object's metadata
   * @param rows decides on each row of a Table event (an event whose rows are all dropped is
   *     dropped)
   * @param maxEventBytes the largest single event accepted
   */
  public static WatchFilter create(
      Predicate<ItemMeta> objects, Predicate<TableRow> rows, int maxEventBytes) {
    return new WatchFilter(new WatchStream(objects, rows, maxEventBytes));
  }

  /**
   * A filter using one predicate for both objects and Table rows; a row without object is judged by
   * {@code new ItemMeta("", firstCell, {})} (namespaces: the first cell is the name).
   */
  public static WatchFilter create(Predicate<ItemMeta> visible, int maxEventBytes) {
    return create(
        visible,
        row ->
            visible.test(row.object() != null ? row.object() : new ItemMeta("", row.name(), null)),
        maxEventBytes);
  }

  /** Consumes a chunk and returns the bytes to send now (possibly empty). */
  public byte[] feed(byte[] chunk) {
    return stream.feed(chunk, 0, chunk.length);
  }

  public byte[] feed(byte[] chunk, int offset, int length) {
    return stream.feed(chunk, offset, length);
  }

  /** Consumes the buffer's remaining bytes (its position moves to its limit). */
  public byte[] feed(ByteBuffer chunk) {
    if (chunk.hasArray()) {
      int off = chunk.arrayOffset() + chunk.position();
      int n = chunk.remaining();
      chunk.position(chunk.limit());
      return stream.feed(chunk.array(), off, n);
    }
    byte[] copy = new byte[chunk.remaining()];
    chunk.get(copy);
    return stream.feed(copy, 0, copy.length);
  }

  /** The upstream ended: returns the last bytes to send; fails if an event was cut short. */
  public byte[] end() {
    return stream.end();
  }

  /** Events seen so far. */
  public long seen() {
    return stream.seen();
  }

  /** Events forwarded so far. */
  public long forwarded() {
    return stream.forwarded();
  }
}
