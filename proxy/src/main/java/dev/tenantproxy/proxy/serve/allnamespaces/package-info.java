/**
 * All-namespaces reads for Capsule users ({@code kubectl get pods -A}, {@code -A -w}, k9s / Lens
 * "all namespaces", fabric8 / client-go {@code inAnyNamespace()} informers): a cluster-scope list
 * or watch of a namespaced kind is answered by merging per-namespace requests made AS THE CALLER
 * over the namespaces the tenancy index shows it. Everyone else passes through unchanged.
 *
 * <h2>DESIGN</h2>
 *
 * <h3>What is claimed</h3>
 *
 * {@link dev.tenantproxy.proxy.serve.allnamespaces.AllNamespacesFilter} claims a {@code GET}
 * without namespace, name or subresource, by a Capsule user (the index's rule), of a resource that
 * the API server's discovery lists as namespaced with the {@code list} (or {@code watch}) verb.
 * Discovery ({@code ApiResources}) is fetched per group/version with the proxy's credentials on
 * first use, kept 5 minutes ({@code --all-namespaces-discovery-ttl}), and refetched (at most every
 * 10 s, {@code --all-namespaces-discovery-miss-refresh}) when a resource is unknown, so a CRD
 * installed later is served without a restart. Nothing is hard-coded; cluster-scoped and unknown
 * kinds pass through (the API server answers as before).
 *
 * <h3>Security</h3>
 *
 * Every upstream request is made in the caller's name ({@code Upstream.send(method, uri, caller,
 * ...)}, which sends a request the API server did not process again: {@code Impersonate-*} or
 * {@code X-Remote-*}, as the pass-through's): the API server applies the caller's RBAC in each
 * namespace, and the proxy never reads a tenant object it was not asked for with the caller's
 * rights. Only namespaces the index makes visible are asked; an item (or Table row object) whose
 * namespace differs from the one asked is dropped. Protobuf-only clients get 406 (the merge is
 * JSON); JSON, {@code Table} (v1/v1beta1, {@code includeObject}) and {@code
 * PartialObjectMetadataList} are merged.
 *
 * <h3>Lists: one consistent snapshot</h3>
 *
 * Namespaces are read in sorted order. The first namespace is read with the client's {@code
 * resourceVersion}/{@code resourceVersionMatch}; its answer's resourceVersion {@code N} becomes the
 * list's, and every other namespace is read at {@code
 * resourceVersion=N&resourceVersionMatch=Exact}. resourceVersions are etcd revisions shared by
 * every namespace, so this is one snapshot at revision {@code N}, and a watch from {@code N}
 * continues it exactly. (Alternatives: reading each namespace "latest" would mix revisions, and a
 * watch from the largest of them could miss events of the others.) Until {@code N} is known one
 * request is in flight; then up to {@code concurrency} (8, {@code --all-namespaces-concurrency})
 * per list, answers consumed in namespace order.
 *
 * <h3>Paging</h3>
 *
 * With {@code limit=L}, namespace requests carry the limit still free when they are sent; an answer
 * with more items than still fit when its turn comes is asked again with the smaller limit. The
 * page ends at an upstream {@code continue} (the namespace has more) or when {@code L} items were
 * merged; its {@code continue} is a {@code MergeToken}: {@code {rv, namespace to resume in, the API
 * server's token for it}} — only data of the caller's own view. A forged token is harmless: its
 * namespace is only a position in the caller's sorted visible namespaces (one outside the view
 * resumes at the next visible one, without its upstream token), the upstream token is bound by the
 * API server to that namespace's key prefix, and all requests are the caller's. Pages can hold
 * fewer than {@code L} items (allowed by the API). {@code remainingItemCount} is never sent.
 *
 * <h3>Refusals and failures</h3>
 *
 * 403 in a namespace (the caller's RBAC does not allow the kind there): the namespace is left out
 * and named in a {@code Warning: 299 - "tenant-proxy: <resource> of namespaces a, b left out: the
 * caller may not list them there"} header (kubectl prints it on stderr). To put that header on the
 * response, a list is held until every namespace answered, up to 8 MiB ({@code
 * --all-namespaces-max-held-bytes}); beyond that the head is sent and the rest streams (refusals
 * known by then are in the header). 404 (namespace deleted meanwhile) is left out silently. Any
 * other upstream answer (400 bad selector, 410 expired continue, 5xx) is the client's answer,
 * unchanged, when the head is not yet sent; else the stream is reset. Upstream {@code Warning}s are
 * passed on.
 *
 * <h3>Watches</h3>
 *
 * {@code MergedWatch}: one upstream watch per visible namespace (always with {@code
 * allowWatchBookmarks}), merged into one chunked response or WebSocket. The response head waits
 * until every initial namespace's upstream watch answered, so that it can carry the {@code Warning}
 * naming the refused ones, on the {@code 101} of a WebSocket too (Vert.x writes the response's
 * headers into the handshake; the upgrade is made only then, the request stays paused meanwhile,
 * and the watch writes to the WebSocket through a {@code WatchOutput.Deferred} bound at the
 * upgrade). An upstream answer other than 200/403/404 is the client's answer instead. The client's
 * {@code resourceVersion} (e.g. {@code N} from the merged list) is given to every initial
 * namespace. The watch subscribes to the index's change feed BEFORE reading the visible set; each
 * change is re-decided against the current snapshot (watching vs. visible), so duplicates or
 * reordering converge:
 *
 * <ul>
 *   <li>a namespace joining is watched from "now" (no resourceVersion): the API server sends its
 *       objects as ADDED (nothing was sent from it before, so no duplicates);
 *   <li>a namespace leaving: its upstream watch is reset and a DELETED of the last object sent is
 *       written for every object still sent from it (the watch remembers name → last object per
 *       namespace, like an informer's store, reduced to what a DELETED needs: see "What a watch
 *       remembers" below);
 *   <li>a refused (403) namespace watch is retried with backoff (200 ms doubling to 30 s) while it
 *       stays visible: Capsule creates the owners' RoleBindings just after a namespace joins.
 * </ul>
 *
 * Bookmarks: the upstream bookmarks advance each namespace's progress; the client (when it asked
 * for bookmarks) gets a BOOKMARK at the smallest progress over all namespaces whenever it grows —
 * resuming there replays at most events already sent (harmless for informers), never loses one.
 * WatchList ({@code sendInitialEvents=true}) is passed to each initial namespace; their
 * initial-events-end bookmarks are swallowed and one is sent once every initial namespace has sent
 * its own, at the smallest progress. An upstream ERROR (e.g. 410 Expired) becomes one ERROR event
 * and ends the merged watch (the client re-lists); an upstream watch that ends (the API server's
 * timeout) ends the merged watch cleanly (the client re-watches). {@code timeoutSeconds} (default:
 * random 1–2x {@code --min-watch-timeout}, 30–60 min, as every served watch) ends it cleanly.
 *
 * <h3>What the client holds: the seed</h3>
 *
 * A client that watches from a resourceVersion {@code X} (informers and {@code kubectl get -w}
 * after their list; also a re-watch from a bookmark) holds every object of its view at {@code X},
 * and none of them came through this watch. So that a namespace leaving gets a DELETED for those
 * too, a watch from {@code X} (non-empty, not {@code "0"}, not {@code sendInitialEvents}) first
 * lists each initial namespace as the caller, exactly as the merged list does (same impersonation,
 * Accept, so a Table watch remembers Table rows, and selectors), at {@code
 * resourceVersion=X&resourceVersionMatch=Exact}, 500 per page with {@code continue}; the merged
 * list read every namespace at one revision, so {@code X} is valid for each unless compacted. Only
 * then is that namespace's watch opened from {@code X}, so its events after {@code X} update what
 * the seed put there. The seed requests of one watch are at most {@code
 * --all-namespaces-concurrency} in flight and count as upstream requests. Seed answers: 403 is the
 * watch's 403 (left out, named in the Warning, retried), 404 leaves the namespace out, 410 ({@code
 * X} compacted) is one ERROR 410 as soon as the watch starts (what a watch from {@code X} gives),
 * anything else is the client's answer. A namespace leaving before the response head is written has
 * its DELETEDs written first once it is. Cost: one list per visible namespace per watch from a
 * resourceVersion, the same as the list the client made just before. Namespaces joining later are
 * watched from "now" and send their objects as ADDED, unchanged.
 *
 * <h3>Resuming after the view changed (the rule)</h3>
 *
 * The seed lists the namespaces visible when the watch starts. A client resuming from {@code X} (an
 * informer re-watching after a dropped connection or an API server restart) holds its view at
 * {@code X}: a namespace that left it since would get no DELETED (it is neither listed nor
 * watched), and one that joined since would be seeded as if the client held its objects, so they
 * would never arrive. Neither can be made exact from the events after {@code X}, so a watch from
 * {@code X} (the seed's condition, {@code X} a number) first asks whether the caller's view changed
 * after {@code X}, and then:
 *
 * <ol>
 *   <li>changed, or unknown: the watch opens no namespace, makes no upstream request, and its only
 *       event is ERROR with a 410 Expired Status {@code too old resource version: X (the caller's
 *       namespaces changed since; list again)} — the API server's answer to a too-old
 *       resourceVersion, so client-go, fabric8 and kubectl re-list (exact). The Status names no
 *       namespace or tenant.
 *   <li>unchanged: the watch goes on as above (seed, then the namespaces' watches from {@code X}).
 * </ol>
 *
 * Who answers: the namespaces served kind's watch hub ({@code WatchHub.viewChangedAfter}), which
 * already records, per principal, the last visibility change from the index's change feed to decide
 * its own resumed watches (rule 2 of {@code serve/package-info.java}); the same record, one reader
 * more. "After {@code X}" compares with the change's revision: the namespace watch cache's
 * resourceVersion when the hub applied it, or the resourceVersion of the Namespace or Tenant whose
 * event made it ({@code VisibilityChange.objectResourceVersion}) when newer — a Tenant event is not
 * in the namespace cache, so its own revision is what a list taken just before it must be compared
 * with. A change exactly at {@code X} counts as before {@code X} (the list at {@code X} already
 * reflected it; as in the hub's rule). "Unknown": {@code X} older than the hub's first revision
 * (the record starts when the proxy does), namespaces not served yet, or the question failed. Joins
 * count as well as leaves: a re-list is exact and cheap, a missed object is not. The caller's
 * visible set is read before the question and again after the answer; if it differs, the view
 * changed while asking, which also gives 410. The record is per principal (the caller's user and
 * groups) and keeps the last change only: a change before {@code X} never causes a 410, any change
 * after {@code X} does, whichever of the principal's namespaces it concerned (at worst a needless
 * re-list, never a missed change). Residual window (known limit): the index publishes a snapshot
 * and then, on the same writer thread, tells the hub; a watch that reads the caller's visible set
 * and asks the hub in the microseconds between the two sees the change in neither, and its later
 * feed notification finds the namespace not watched.
 *
 * <h3>What a watch remembers</h3>
 *
 * Per object sent (or seeded), only what its DELETED needs, encoded: for an object {@code
 * apiVersion}, {@code kind} (for list items, from the list's kind without {@code List}) and {@code
 * metadata.name / namespace / uid / resourceVersion} — clients key their caches by namespace/name
 * (fabric8's and client-go's informers delete by that key; kubectl prints it); for a Table event
 * the Table with its one row: the row's {@code cells} and its object's metadata reduced the same
 * way, no column definitions, at the object's resourceVersion. The DELETED carries the last
 * resourceVersion seen for the object. When a seeded DELETED is the watch's first Table event it
 * gets the seed list's column definitions (held once per watch). So a watcher holds about 170 bytes
 * of JSON per object of its view (a ConfigMap's key with a UUID and a 6-digit resourceVersion: 173
 * bytes) plus the map entry, not a copy of every object.
 *
 * <p>Known limit: events of different namespaces are interleaved in arrival order, not in global
 * resourceVersion order. A client that resumes from the resourceVersion of the last EVENT it saw
 * (rather than a bookmark) may miss an event of another namespace that was in flight at that
 * moment; with bookmarks on (client-go and fabric8 informers) the window is one bookmark interval.
 *
 * <h3>Back-pressure and bounds</h3>
 *
 * Lists: at most {@code concurrency} upstream pages in memory per list; no new upstream request
 * while the client's write queue is full. Watches: when the client's write queue is full every
 * upstream response of that watch is paused (TCP/HTTP-2 flow control pushes back to the API
 * server), so nothing is buffered in the proxy beyond one chunk per namespace; a client that has
 * not drained for 30 s ({@code --all-namespaces-slow-consumer-timeout}) gets ERROR 410 and the
 * watch ends. One upstream event is at most 16 MiB ({@code --all-namespaces-max-event-bytes}).
 *
 * <h3>Threading</h3>
 *
 * A merged list or watch lives on its request's event loop: upstream requests are opened from
 * there, so their callbacks run there too; change-feed notifications are delivered there by the
 * index ({@code onVisibilityChange(context, ...)}). No locks, no blocking.
 *
 * <h3>Upstream cost</h3>
 *
 * A list costs one request per visible namespace (plus one discovery request per group/version
 * every 5 min); a watch holds one upstream watch per visible namespace for its lifetime (HTTP/2
 * streams multiplexed over the proxy's pooled connections). See docs/benchmarks (L8).
 */
package dev.tenantproxy.proxy.serve.allnamespaces;
