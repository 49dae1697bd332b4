/**
 * The serving core: list, get and watch of any served kind for Capsule users, answered from the
 * index's watch caches with no upstream call; access reviews about served kinds answered from the
 * same registry. Everyone else, every write and every subresource passes through unchanged.
 *
 * <h2>DESIGN: one core, parameterized by a served-kind descriptor</h2>
 *
 * <h3>Packages (they follow the request path)</h3>
 *
 * <ul>
 *   <li>{@code serve} — the core, kind-agnostic: {@link dev.tenantproxy.proxy.serve.ServedKinds}
 *       (the registry: one entry per kind with its hub thread and service; the one serving filter
 *       {@code ServingFilter} and the {@link dev.tenantproxy.proxy.serve.AccessReviewsFilter} read
 *       it), {@link dev.tenantproxy.proxy.serve.KindService} (classify, list, get, watch of one
 *       kind), {@link dev.tenantproxy.proxy.serve.Lister} (selectors, limit/continue,
 *       resourceVersion semantics), {@code ContinueToken}, {@link
 *       dev.tenantproxy.proxy.serve.WatchHub} (one per kind), {@code WatchStream}/{@code
 *       WatchOutput} (chunked HTTP and WebSocket), {@link dev.tenantproxy.proxy.serve.WatchMessage}
 *       (with the one ERROR-event writer), {@link dev.tenantproxy.proxy.serve.ServedObject}, {@link
 *       dev.tenantproxy.proxy.serve.KindView} over a snapshot and a watch cache.
 *   <li>{@code serve/kinds} — the descriptors, one small class per kind: {@code Namespaces}, {@code
 *       Tenants}, and the kinds the filters module's cluster-scoped rules decide ({@code
 *       ClusterVisibility}): {@code Nodes}, {@code StorageClasses}, {@code IngressClasses}, {@code
 *       PriorityClasses}, {@code RuntimeClasses}, {@code PersistentVolumes}, each one instance of
 *       {@code ClusterRuleKind} (resource, {@code ClusterKind}, field labels, Table columns). A
 *       descriptor holds data and one visibility rule, no serving code. The one namespace-only
 *       filter, {@code ForeignNamespaceWritesFilter} (writes to other tenants' namespaces answered
 *       404), lives beside its descriptor.
 * </ul>
 *
 * <h3>The descriptor ({@link dev.tenantproxy.proxy.serve.ServedKind})</h3>
 *
 * <ul>
 *   <li>{@code ResourceKind kind()} — group, version, kind, plural resource, scope (the informer
 *       module's record, so the index and the proxy name a kind the same way). The request's group,
 *       version and resource must match it. (Tenants are served from the index at v1beta2; v1beta1
 *       reads are {@code kinds/TenantsV1beta1Filter}'s.)
 *   <li>{@code Future<WatchCache> cache(TenancyIndex)} — the watch cache holding it: {@code
 *       index.namespaces()} for namespaces (always running: tenancy needs it; attached as soon as
 *       it is synced), {@code index.serve(kind)} for the others ({@code startsOnDemand}: started on
 *       the first read by a Capsule user, off the event loop; the read waits for the first list,
 *       bounded by the index's sync timeout, and passes through if it fails).
 *   <li>{@code fieldLabels()} — the field selectors the API server accepts ({@code metadata.name},
 *       {@code name}, {@code status.phase} for namespaces; {@code metadata.name}, {@code
 *       metadata.namespace} for custom resources). An unknown label is 400 with the API server's
 *       wording, checked before anything is read. Values come from the watch cache's extracted
 *       fields ({@code ServedObject.field}).
 *   <li>{@code columns()} — the Table columns, identical to the API server's (built-in kinds from
 *       the filters module's render package; CRDs as Name + their additionalPrinterColumns through
 *       {@code TableColumns.customResource}, the facts copied into the descriptor).
 *   <li>The visibility rule: {@code sees(snapshot, caller, object)}, {@code reason(...)} (why, for
 *       access reviews and {@code explain}), {@code visibleNames(...)} (sorted candidates for a
 *       list; the default scans the cache) — pure functions of an immutable snapshot and the
 *       object.
 *   <li>The fan-out key: {@code principalsSeeing(snapshot, object)} — an event of an object goes to
 *       the watches that hold it plus the watches of these principals, never to all watches — and
 *       {@code followsChangeFeed()}: whether a caller's view also changes without an event of the
 *       kind (namespaces: a tenant gains or loses a namespace, reported by the index's {@code
 *       VisibilityChange} feed). For kinds whose visibility comes from tenant specs (nodes,
 *       classes), {@code followsRulesChanges()}: the index's {@code RulesChange} feed (published
 *       after the snapshot of each Tenant, ProxySetting or GlobalProxySettings change, naming the
 *       owners / subjects before and after) re-decides the watches of those principals over every
 *       object of the kind: the hub's "recompute should against sent" decision makes duplicate or
 *       reordered notifications harmless.
 *   <li>{@code serves(snapshot, caller)} — whether the proxy answers this caller at all (default:
 *       every Capsule user). Nodes answer only callers their rules grant something ({@code
 *       CallerView.grantsAnything}); the others pass through and get the API server's 403, not an
 *       empty list. Access reviews and the rules review follow the same answer.
 * </ul>
 *
 * Tenants read their rule from the object itself ({@code status.owners}), not from the snapshot:
 * the index applies a Tenant event to the watch cache (which hands it to the hub) before it
 * publishes the snapshot of the same event, so a snapshot-based rule could decide an event with the
 * owners before it. From the object, each event carries its own answer: an owner added gets ADDED,
 * an owner removed DELETED (the hub holds the tenant in the watch's sent set), no feed needed.
 *
 * <h3>Failures</h3>
 *
 * List, get, watch set-up and the WebSocket upgrade throw {@code KubeStatusException} (anything
 * else is a bug) and are answered by {@code server/StatusResponses} (the one mapping: a {@code
 * KubeStatusException} as it is, anything else logged and 500). Once a watch has started (head
 * written), the same Status is written as the watch's ERROR event by {@code
 * WatchMessage.errorLine}, the one writer used by both transports, the hub's 410s and overflow.
 *
 * <h3>Access reviews from the registry</h3>
 *
 * A SelfSubjectAccessReview by a Capsule user whose resourceAttributes name a served kind (group +
 * resource, any version, no subresource) and a verb of get/list/watch is answered by the proxy:
 * allowed for list and watch (the served list is the caller's view), and for a named get when the
 * descriptor's rule says the caller sees the object (else passed through so the API server's answer
 * stands and no existence is revealed). Served kinds are cluster-scoped, so the {@code namespace}
 * attribute is ignored: k9s v0.50.16 asks {@code list namespaces} with {@code namespace: default}
 * and gets "allowed". Anything else, and every non-Capsule caller, is forwarded unchanged. A
 * SelfSubjectRulesReview answer is forwarded and gets one rule appended per served kind ({@code
 * get} only for a caller served gets by name only). Before deciding, the registry is asked to
 * {@code prepare} the kind named (a kind found by discovery, below), so a review about a kind no
 * one has read yet agrees with the read.
 *
 * <h3>Kinds found by discovery, and gets-only callers</h3>
 *
 * {@code clusterResources} rules can name any cluster-scoped kind. {@link
 * dev.tenantproxy.proxy.serve.ServedKinds} serves such a kind when a Capsule user whose rules name
 * it reads it: {@link dev.tenantproxy.proxy.serve.KindDiscovery} ({@code kinds/DiscoveredKinds},
 * over the API server's discovery shared with the all-namespaces reads) builds one more {@code
 * ClusterRuleKind} for it, and from there it is an entry like any other (hub thread, informer
 * started on demand, rules-change feed). Such a kind is not stopped when no rule names it any more
 * (its reads then pass through); instead their number is bounded ({@code MAX_DISCOVERED_KINDS}) and
 * only a caller whose rules name a kind creates it. A descriptor's kind (any version) is never
 * rediscovered. Rules give {@code List} (list, watch, get) or {@code Get} (get by name only):
 * {@link dev.tenantproxy.proxy.serve.ServedKind#servesLists} and {@link
 * dev.tenantproxy.proxy.serve.ServedKind#seesByName} split the two, so a caller with {@code
 * [Get]}-only rules is served gets while its lists and watches pass through to the API server.
 *
 * <h3>Access reviews of Lens / Freelens (decided)</h3>
 *
 * At connect Lens (and Freelens, its fork) asks a SelfSubjectAccessReview {@code {verb: watch,
 * resource: *}} without namespace or group (so group {@code ""}) and keeps the answer as {@code
 * isGlobalWatchEnabled}. Its only use: when the "all namespaces" view was loaded by one
 * cluster-scope list (which Lens does whenever every namespace is selected, whatever the answer), a
 * namespaced kind's store opens ONE cluster-scope watch if the answer is yes, and otherwise watches
 * the namespaces it loaded one by one, which in that case are none: the view is never updated.
 * Cluster-scoped kinds are always watched at cluster scope, whatever the answer. The API server
 * says no to an owner. Through the proxy a Capsule user's cluster-scope list and watch of EVERY
 * namespaced kind works (answered with its own namespaces, its RBAC applied in each), while of the
 * cluster-scoped kinds only those served to it work. Answering no would leave Lens's all-namespaces
 * views frozen although the watches it would open work; answering yes changes nothing for
 * cluster-scoped kinds (Lens watches them anyway; one not served gets the API server's 403 as
 * before). So a Capsule user's {@code list} or {@code watch} review of resource {@code *} in group
 * {@code ""} or {@code *} at cluster scope (no namespace, name or subresource) is answered {@code
 * allowed: true} by the proxy, with a {@code reason} that states the limit (namespaced kinds and
 * the served cluster-scoped kinds; others are the API server's). Other groups' {@code *} and {@code
 * get}/writes of {@code *} are forwarded. {@code kubectl auth can-i watch '*'} therefore says yes
 * for an owner through the proxy: the same claim as {@code can-i list pods -A}, which is yes
 * although the answer holds only the caller's namespaces.
 *
 * <p>Lens then asks a SelfSubjectRulesReview for each namespace it listed (through the proxy: the
 * caller's own) and shows a kind in its menu when some namespace's rules allow {@code list} of its
 * group and resource (a rule without groups or resources counts as {@code *}; an {@code incomplete}
 * answer shows everything). The rules review stays the API server's answer for that namespace, as
 * the caller (its namespaced rules are exactly what works there), plus one {@code get, list, watch}
 * rule per cluster-scoped kind the proxy serves the caller, so Lens shows Namespaces, and Nodes /
 * Storage Classes / ... only when they are served to the caller, as they then work; no rule is
 * added for namespaced kinds (a kind the caller's RBAC refuses in every namespace stays hidden,
 * although its all-namespaces list would answer an empty list with a Warning). {@code
 * e2e/.../allnamespaces/LensStartupIT} replays these requests.
 *
 * <h2>DESIGN: the watch hub (one per kind)</h2>
 *
 * <h3>Inputs, and the one subscription</h3>
 *
 * {@code ServedKinds} subscribes each kind's hub ONCE to the kind's watch cache (every event, in
 * resourceVersion order) and, for a kind that follows it, ONCE to the index's change feed (which
 * principals gained or lost which namespace, for Tenant changes as well as namespace relabelling).
 * Both arrive on the index's writer thread and are only queued there. Upstream load is therefore
 * the index's informers, whatever the number of watchers (invariant 5).
 *
 * <h3>Threading</h3>
 *
 * All hub state lives on ONE serial executor per kind, the hub thread (a plain daemon thread, not
 * an event loop, so that fan-out work never delays request handling): the per-watch {@code
 * WatchState} (what was sent: name → last object sent), the index {@code principal → watches}, the
 * index {@code name → watches that hold it}, and per principal the last visibility change. No
 * locks. Registration and cancellation are queued to the same thread, so a new watch's initial
 * state and the live events that follow it are cut at one point: nothing is lost or repeated in
 * between. The hub hands each watch its messages through {@code WatchHub.Sink}; the sink ({@code
 * WatchStream}) only does {@code context.runOnContext}: rendering and writing happen on the watch's
 * own event loop (invariant 7). Views of the index are lock-free reads of immutable snapshots.
 *
 * <h3>Routing (no scan of all watchers)</h3>
 *
 * An event for {@code X} goes to the watches that hold {@code X} (they may need DELETED or
 * MODIFIED) plus the watches of the principals that may see {@code X} now (the descriptor's fan-out
 * key; they may need ADDED or MODIFIED). A visibility change goes to the watches of the changed
 * principals. For each target the decision is recomputed from the current view — {@code should =
 * exists && sees && selectors match} against {@code sent} — so duplicate or reordered notifications
 * converge: ADDED when it becomes visible/matching, MODIFIED on a newer object, DELETED (the last
 * object sent, at the change's resourceVersion; or the deleted object) when it leaves, nothing
 * otherwise.
 *
 * <h3>Transports</h3>
 *
 * A watch is a chunked HTTP response (one JSON line per event, flushed as its own chunk; kubectl,
 * client-go) or, when the request asks for a WebSocket upgrade (fabric8 informers), a WebSocket
 * with one text message per event. Both go through the same {@code WatchStream}. Rendering writes
 * the cached JSON bytes of each object (no re-serialization), for every kind.
 *
 * <h3>Buffering (invariant 6)</h3>
 *
 * Each watch counts messages queued to its context but not yet written plus lines held back while
 * the HTTP write queue is full ({@code writeQueueFull}, resumed by {@code drainHandler}). Above
 * {@code maxBufferedEvents} (default 1000), or above {@code WatchMemory.perWatch()} of rendered
 * lines held back (large objects), the watch gets an ERROR event with a 410 Expired Status and
 * ends; the client re-lists. The hub stops queueing to it at once. All watches of all kinds share
 * one {@code WatchMemory} budget; when it is full the watch holding the most is ended first (see
 * its DESIGN note), so a watch only briefly behind survives a burst that a stalled one does not.
 *
 * <h3>Resuming at resourceVersion N (the rule)</h3>
 *
 * <ol>
 *   <li>N older than the watch cache holds: ERROR 410 {@code too old resource version: N (M)}.
 *   <li>A visibility change for any of the caller's principals recorded AFTER N (the hub records
 *       each change-feed change at the watch cache's resourceVersion when it applies it): ERROR
 *       410. The events since N cannot say what the caller saw at N, so an exact resume is
 *       impossible; the client re-lists, which is cheap (served from the index) and exact.
 *   <li>A change recorded exactly AT N is ambiguous (the list at N may or may not have included
 *       it): those objects are re-announced (ADDED if visible now, DELETED if not; both are
 *       idempotent for informers), so no re-list loop can occur in a quiet cluster.
 *   <li>Otherwise the caller's objects at N are taken to be the ones visible now (visibility did
 *       not change since N) that existed at N, and the cache's events after N are replayed through
 *       the same decision, then live events follow (those at or before N are skipped).
 * </ol>
 *
 * The record of rule 2 has one more reader: {@code WatchHub.viewChangedAfter(principals, rv)},
 * asked by all-namespaces watches resumed at {@code rv} (whose clients hold the objects of the
 * namespaces they saw at {@code rv}; see "Resuming after the view changed" in {@code
 * serve/allnamespaces}). For it each change is also kept at the resourceVersion of the Namespace or
 * Tenant whose event made it when that is newer than the cache's (a Tenant event is not in the
 * namespace cache), and a {@code rv} older than the hub's first resourceVersion counts as changed.
 *
 * <p>For a kind whose rule reads the object (tenants), a change of ownership is an event of the
 * kind itself and is replayed like any other; a tenant that became the caller's after N is then
 * sent as MODIFIED rather than ADDED (informers and kubectl treat both as "present"; known
 * limitation).
 *
 * <p>RV "" and "0" send the current visible, matching objects as ADDED, then live events; {@code
 * sendInitialEvents=true} adds a BOOKMARK with {@code k8s.io/initial-events-end: "true"} after
 * them. With {@code allowWatchBookmarks}, a BOOKMARK is requested every {@code bookmarkInterval}
 * through the hub thread, so it is ordered after every event it covers. {@code timeoutSeconds}
 * (default: random between 30 and 60 minutes, like the API server) ends the response cleanly.
 *
 * <h2>Lists</h2>
 *
 * See {@link dev.tenantproxy.proxy.serve.Lister} for selectors, paging, the continue token and
 * resourceVersion semantics from a cache.
 */
package dev.tenantproxy.proxy.serve;
