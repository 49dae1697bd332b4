/**
 * Streaming JSON transforms that remove what a caller may not see: {@link
 * dev.tenantproxy.filters.json.ListFilter} (items of a List), {@link
 * dev.tenantproxy.filters.json.TableFilter} (rows of a Table) and {@link
 * dev.tenantproxy.filters.json.WatchFilter} (events of a watch stream). Predicates see a small
 * metadata view ({@link dev.tenantproxy.filters.json.ItemMeta}, {@link
 * dev.tenantproxy.filters.json.TableRow}) extracted while streaming; no whole-body trees are built.
 *
 * <h2>DESIGN: the watch-stream transformer</h2>
 *
 * <p><b>Framing.</b> The API server writes one JSON object per event followed by {@code \n}, but
 * chunks arrive cut anywhere, and client-go's decoder does not need the newline. So events are not
 * split on newlines: every chunk is fed to Jackson's non-blocking parser, which reports tokens as
 * soon as they are complete and {@code NOT_AVAILABLE} when it needs more bytes. The transformer
 * only counts nesting depth: a root {@code START_OBJECT} starts an event (its absolute byte offset
 * is remembered), the matching {@code END_OBJECT} ends it. Anything else at the root is malformed.
 *
 * <p><b>Buffering.</b> The raw bytes of the chunks are appended to one growable array whose first
 * byte has a known absolute offset. After each chunk, everything before the current event's start
 * (or everything, between events) is released, so memory is bounded by one event plus one chunk.
 * When the current event exceeds {@code maxEventBytes} the stream fails at once (500), before the
 * event completes, so a huge or endless event cannot grow the buffer.
 *
 * <p><b>Deciding.</b> A complete event is scanned once with a blocking parser over its bytes for
 * {@code type}, {@code object.kind}, {@code object.metadata} (name, namespace, labels) and, for
 * {@code Table} objects, each row's object metadata / first cell and the raw bytes of non-null
 * {@code columnDefinitions}. BOOKMARK and ERROR events always pass. An object event passes when the
 * predicate accepts its metadata. A kept event is forwarded byte for byte from the buffer plus
 * {@code \n} — no re-encoding, so kept events are exactly what the API server sent.
 *
 * <p><b>Tables.</b> With {@code as=Table} each event object is a Table whose first event carries
 * {@code columnDefinitions} and later ones {@code null}. Rows are filtered individually; an event
 * with no visible row is dropped. If a dropped event carried the column definitions before any
 * event was forwarded, they are kept (raw bytes) and written into the first forwarded Table event;
 * only such an event, or one whose rows were partly dropped, is re-encoded (token by token, rows
 * skipped by index, {@code remainingItemCount} dropped).
 *
 * <p><b>What the transformer does not do.</b> It does not itself synthesize ADDED/DELETED when an
 * object enters or leaves a caller's visibility: that needs the per-watch record of what was sent
 * and lives with the caller (the watch hub, which sees the change feed). {@code
 * WatchFilter.deciding} lets such a caller decide each event instead of a predicate: relay it, drop
 * it, relay it under another type (only the top-level {@code type} value is spliced; the object's
 * bytes stay the API server's), or defer it ({@code LATER}: the event's bytes and everything fed
 * after it wait, unparsed past the event, until {@code retry()}). It never quotes the body in its
 * errors.
 *
 * <p><b>Failures.</b> Every failure is a {@link
 * dev.tenantproxy.filters.status.KubeStatusException}: 400 for malformed JSON or an event cut short
 * at {@code end()}, 500 for an oversized event. The bodies come from the upstream API server;
 * callers end the watch (ERROR event or close) instead of forwarding a 400.
 */
package dev.tenantproxy.filters.json;
