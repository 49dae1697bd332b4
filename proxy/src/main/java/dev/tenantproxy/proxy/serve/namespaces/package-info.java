/**
 * Namespaces served from the index: list, get and watch of {@code /api/v1/namespaces} for Capsule
 * users, with no upstream call. Everyone else, and every write or subresource, passes through.
 *
 * <h2>DESIGN: the watch hub</h2>
 *
 * <h3>Inputs, and the one subscription</h3>
 *
 * {@link dev.tenantproxy.proxy.serve.namespaces.NamespaceServing} subscribes ONCE to the index's
 * Namespace watch cache (every Namespace event, in resourceVersion order) and ONCE to its change
 * feed (which principals gained or lost which namespace, for Tenant changes as well as namespace
 * relabelling). Both arrive on the index's writer thread and are only queued there. Upstream load
 * is therefore the index's informers, whatever the number of watchers (invariant 5).
 *
 * <h3>Threading</h3>
 *
 * All hub state lives on ONE serial executor, the hub thread (a plain daemon thread, not an event
 * loop, so that fan-out work never delays request handling): the per-watch {@code WatchState} (what
 * was sent: name → last object sent), the index {@code principal → watches}, the index {@code name
 * → watches that hold it}, and per principal the last visibility change. No locks. Registration and
 * cancellation are queued to the same thread, so a new watch's initial state and the live events
 * that follow it are cut at one point: nothing is lost or repeated in between. The hub hands each
 * watch its messages through {@code WatchHub.Sink}; the sink ({@code WatchStream}) only does {@code
 * context.runOnContext}: rendering and writing happen on the watch's own event loop (invariant 7).
 * Views of the index are lock-free reads of immutable snapshots.
 *
 * <h3>Routing (no scan of all watchers)</h3>
 *
 * A Namespace event for {@code X} goes to the watches that hold {@code X} (they may need DELETED or
 * MODIFIED) plus the watches of the principals that own {@code X}'s tenant now (they may need ADDED
 * or MODIFIED). A visibility change goes to the watches of the changed principals. For each target
 * the decision is recomputed from the current view — {@code should = exists && canSee && selectors
 * match} against {@code sent} — so duplicate or reordered notifications converge: ADDED when it
 * becomes visible/matching, MODIFIED on a newer object, DELETED (the last object sent, at the
 * change's resourceVersion; or the deleted object) when it leaves, nothing otherwise.
 *
 * <h3>Transports</h3>
 *
 * A watch is a chunked HTTP response (one JSON line per event, flushed as its own chunk; kubectl,
 * client-go) or, when the request asks for a WebSocket upgrade (fabric8 informers), a WebSocket
 * with one text message per event. Both go through the same {@code WatchStream}.
 *
 * <h3>Buffering (invariant 6)</h3>
 *
 * Each watch counts messages queued to its context but not yet written plus lines held back while
 * the HTTP write queue is full ({@code writeQueueFull}, resumed by {@code drainHandler}). Above
 * {@code maxBufferedEvents} (default 1000), or above {@code WatchStream.MAX_PENDING_BYTES} (2 MiB)
 * of rendered lines held back (large objects), the watch gets an ERROR event with a 410 Expired
 * Status and ends; the client re-lists. The hub stops queueing to it at once.
 *
 * <h3>Resuming at resourceVersion N (the rule)</h3>
 *
 * <ol>
 *   <li>N older than the watch cache holds: ERROR 410 {@code too old resource version: N (M)}.
 *   <li>A visibility change for any of the caller's principals recorded AFTER N (the hub records
 *       each change at the watch cache's resourceVersion when it applies it): ERROR 410. The events
 *       since N cannot say what the caller saw at N, so an exact resume is impossible; the client
 *       re-lists, which is cheap (served from the index) and exact.
 *   <li>A change recorded exactly AT N is ambiguous (the list at N may or may not have included
 *       it): those namespaces are re-announced (ADDED if visible now, DELETED if not; both are
 *       idempotent for informers), so no re-list loop can occur in a quiet cluster.
 *   <li>Otherwise the caller's namespaces at N are taken to be the ones visible now (visibility did
 *       not change since N) that existed at N, and the cache's events after N are replayed through
 *       the same decision, then live events follow (those at or before N are skipped).
 * </ol>
 *
 * RV "" and "0" send the current visible, matching namespaces as ADDED, then live events; {@code
 * sendInitialEvents=true} adds a BOOKMARK with {@code k8s.io/initial-events-end: "true"} after
 * them. With {@code allowWatchBookmarks}, a BOOKMARK is requested every {@code bookmarkInterval}
 * through the hub thread, so it is ordered after every event it covers. {@code timeoutSeconds}
 * (default: random between 30 and 60 minutes, like the API server) ends the response cleanly.
 *
 * <h2>Lists</h2>
 *
 * See {@link dev.tenantproxy.proxy.serve.namespaces.NamespaceLister} for selectors, paging, the
 * continue token and resourceVersion semantics from a cache.
 */
package dev.tenantproxy.proxy.serve.namespaces;
