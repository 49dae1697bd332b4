/**
 * fabric8 informers feeding the event-sourced tenancy index. Public API: {@link
 * dev.tenantproxy.cache.informer.TenancyIndex} (create/start/stop, snapshot, change feed, watch
 * caches, health), {@link dev.tenantproxy.cache.informer.TenancyIndexOptions}, {@link
 * dev.tenantproxy.cache.informer.ResourceKind}, {@link
 * dev.tenantproxy.cache.informer.InformerHealth}, {@link
 * dev.tenantproxy.cache.informer.IndexMetrics}; everything else is package-private.
 *
 * <h2>DESIGN: one writer, immutable snapshots</h2>
 *
 * <ul>
 *   <li><b>Threads.</b> fabric8 calls each informer's handler on its own serialized executor (not a
 *       Vert.x event loop). The handler converts the informed object into plain immutable data
 *       there (tenancy model record + JSON for watch caches; conversion is pure and runs in
 *       parallel across informers) and hands an immutable change to <i>one</i> dedicated daemon
 *       thread, {@code tenancy-index-writer} (a single-thread executor). We chose a plain thread
 *       over a Vert.x context so that applying events never competes with, or blocks, an event
 *       loop, and so that ordering does not depend on which context a caller is on.
 *   <li><b>Order.</b> Changes of one informer reach the writer in fabric8's order; changes of
 *       different informers interleave in arrival order. Every change is applied to the current
 *       snapshot by the pure {@code TenancyReducer}; when anything changed the writer publishes the
 *       next snapshot (revision + 1) through an {@code AtomicReference}, then tells the change-feed
 *       listeners. Readers never lock and always see a snapshot in which a namespace and its
 *       tenant's owners are from the same revision.
 *   <li><b>Change feed.</b> Listeners run on the writer thread and must not block; {@link
 *       dev.tenantproxy.cache.informer.TenancyIndex#onVisibilityChange(io.vertx.core.Context,
 *       io.vertx.core.Handler)} hops to the subscriber's context for it.
 *   <li><b>Re-lists and restarts.</b> fabric8 (8.0) reports {@code onBeforeList} before and {@code
 *       onList(rv)} after each list. A list is paged ({@code
 *       TenancyIndexOptions.listPageSize(kind)}); each page's objects reach the handler before the
 *       next page is asked for, and {@code onList} comes after the last page, so the sync (and
 *       readiness) still means the whole list was applied. Diffs of a re-list arrive as ordinary
 *       adds, updates and deletes; the watch cache marks the gap (see {@code WatchCache}). {@code
 *       stop()} stops the informers and keeps the state; {@code start()} creates fresh informers,
 *       whose first list reports every object: objects equal to the kept ones (same RV) change
 *       nothing, changed ones become MODIFIED, and at the end of that first list the writer deletes
 *       every kept object the list did not confirm. So a restart neither loses nor duplicates
 *       state.
 *   <li><b>Decoding once.</b> The informers keep fabric8's list/watch machinery (paging, relist on
 *       410, back-off, {@code isWatching}) but not its generic model: each informer is a {@code
 *       HasMetadataOperationsImpl} (what {@code client.genericKubernetesResources(context)} builds)
 *       over {@code WireObject} and its list type. A list page reaches the index's serialization
 *       ({@code TenancyIndex.serialization()}, {@code WireSerialization}) as the bytes fabric8
 *       read; one streaming pass per object keeps the metadata fabric8 and the extractors read
 *       (name, namespace, uid, resourceVersion, labels, ownerReferences) and the other top-level
 *       fields ({@code spec}, {@code status}) as plain maps, skips the rest, and takes the object's
 *       JSON as a slice of the page: byte for byte what the API server sent. (With a client built
 *       without that serialization, or for a token source such as a watch event's tree, the same
 *       pass copies every token into a per-thread buffer instead: same keys in the same order,
 *       numbers as their text, strings re-escaped only where JSON requires.) So there is no {@code
 *       GenericKubernetesResource}, no typed {@code ObjectMeta} tree (managedFields, annotations
 *       are copied, never built), and no re-encoding to JSON for the watch cache. Items of lists of
 *       built-in kinds come without {@code kind}/{@code apiVersion}: the page's decoder names them
 *       from the list's own ({@code NamespaceList}: {@code Namespace}) and puts them first, as a
 *       GET returns them, so each object's JSON is made once ({@code WireObject.json(kind)} still
 *       adds them to an object decoded alone without them). Watch events still pass fabric8's
 *       {@code WatchEvent} decoding (a JSON tree, typed for built-in kinds) and its {@code
 *       convertValue} into {@code WireObject} (the same one pass, over the tree): registering
 *       {@code WireObject} for the informed kinds on the client's serialization would skip that,
 *       but would change what every other user of a shared client (the e2e tests' admin client)
 *       decodes. {@code WireObject} also encodes back (tokens of its JSON), so fabric8's {@code
 *       asJson} and {@code convertValue} work on it.
 *   <li><b>Errors.</b> The exception handler logs, records the error for health (a 404 is reported
 *       as a missing CRD) and always asks fabric8 to retry (with its back-off). {@code start()}
 *       fails after the sync timeout naming the unhealthy informers; they keep retrying.
 * </ul>
 */
package dev.tenantproxy.cache.informer;
