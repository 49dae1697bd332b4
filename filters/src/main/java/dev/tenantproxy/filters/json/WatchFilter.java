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

  /**
   * Decides each object event of a {@link #deciding} filter: relayed as it is, under another type
   * (the caller's view changed: an object entering it is ADDED, one leaving it DELETED), dropped,
   * or not yet decidable. Called on the filter's context, in stream order.
   */
  @FunctionalInterface
  public interface Decider {
    /** The answer that defers the event: nothing more is relayed until {@link #retry}. */
    String LATER = "LATER";

    /**
     * @param type the event's type as the API server sent it ({@code ADDED}, {@code MODIFIED},
     *     {@code DELETED})
     * @param object the event object's metadata (a Table event's one row: its object, or its first
     *     cell as the name)
     * @param resourceVersion the event object's {@code metadata.resourceVersion} (a Table event:
     *     the Table's); "" when absent
     * @return the type to relay the event with, null to drop it, or {@link #LATER}
     */
    String decide(String type, ItemMeta object, String resourceVersion);
  }

  /**
   * A filter whose object events are decided one at a time by {@code decider}, which may retype
   * them or defer them ({@link Decider#LATER}: {@link #deferred} is then true, and the caller holds
   * further chunks and calls {@link #retry} until it is false). A Table event is decided on its one
   * row (the API server sends one per event); one with several rows is dropped. Column definitions
   * of dropped Table events are carried into the first relayed one, as for {@link #create}. An
   * event still undecidable at {@link #end()} is dropped.
   */
  public static WatchFilter deciding(Decider decider, int maxEventBytes) {
    return new WatchFilter(new WatchStream(decider, maxEventBytes));
  }

  /** Whether an event waits for {@link #retry} (then neither {@link #feed} nor {@link #end}). */
  public boolean deferred() {
    return stream.deferred();
  }

  /** Decides the deferred event again and goes on; returns the bytes to send now. */
  public byte[] retry() {
    return stream.retry();
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
