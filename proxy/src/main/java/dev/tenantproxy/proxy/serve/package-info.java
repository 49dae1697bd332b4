/**
 * The serving core: list, get and watch of any served kind for Capsule users, answered from the
 * index's watch caches with no upstream call; access reviews about served kinds answered from the
 * same registry. Everyone else, every write and every subresource passes through unchanged.
 *
 * <p>STATUS: the core below is in place; namespaces and tenants are its instances.
 *
 * <h2>DESIGN: one core, parameterized by a served-kind descriptor</h2>
 *
 * <h3>Packages (they follow the request path)</h3>
 *
 * <ul>
 *   <li>{@code serve} — the core, kind-agnostic: {@code ServedKinds} (the registry, the one {@code
 *       ProxyFilter} that claims a read), {@code KindService} (classify, list, get, watch for one
 *       kind), {@code Lister} (selectors, limit/continue, resourceVersion semantics), {@code
 *       ContinueToken}, {@code WatchHub} (one per kind), {@code WatchStream}/{@code WatchOutput}
 *       (chunked HTTP and WebSocket), {@code WatchMessage}, and {@code AccessReviewsFilter}.
 *   <li>{@code serve/kinds} — the descriptors, one small class per kind: {@code Namespaces} now,
 *       then {@code Tenants}, {@code Nodes}, {@code ClassKinds} (storage, ingress, priority,
 *       runtime classes share one rule with a different tenant spec path), {@code
 *       PersistentVolumes}. A descriptor holds data and one visibility rule, no serving code.
 * </ul>
 *
 * <h3>The descriptor ({@code ServedKind})</h3>
 *
 * <ul>
 *   <li>{@code ResourceKind kind()} — group, version, kind, plural resource, scope (the informer
 *       module's existing record, so the index and the proxy name a kind the same way). A kind
 *       served at several versions (tenants v1beta2 and v1beta1) is one descriptor with the extra
 *       versions listed; the request's version picks {@code apiVersion} in the rendering.
 *   <li>{@code Future<WatchCache> cache(TenancyIndex)} — the informer-cache watch cache holding it:
 *       {@code index.namespaces()} for namespaces (always running: tenancy needs it), {@code
 *       index.serve(kind)} for the others (started on the first request, then kept; until synced
 *       the request waits on the future, bounded by the index's sync timeout, then 503).
 *   <li>{@code fieldLabels} — the field selectors the API server accepts for the kind, and how to
 *       read each from a {@code ServedObject} ({@code metadata.name} for all; {@code status.phase}
 *       for namespaces; {@code spec.unschedulable} for nodes). An unknown field label is 400 with
 *       the API server's wording, checked before anything is read.
 *   <li>{@code TableColumns columns()} — the Table columns, identical to the API server's (built in
 *       ones from the filters module's render package; CRDs from their additionalPrinterColumns,
 *       copied into the repo, never read from ../shared).
 *   <li>{@code Visibility visibility()} — the rule: {@code boolean sees(TenancySnapshot, Caller,
 *       ServedObject)} plus {@code String reason(...)} (why it is visible, for access reviews and
 *       {@code explain}), and {@code Collection<Principal> principalsSeeing(TenancySnapshot,
 *       ServedObject)} used for routing. Pure functions of an immutable snapshot and the object.
 *   <li>{@code fanOutKey} — the key watch events are routed by. For namespaces and tenants it is
 *       the object (name → principals owning its tenant). For kinds whose visibility comes from
 *       tenant specs (nodes, classes) an object change is routed to the principals whose rule
 *       matches it, and a Tenant change (a {@code VisibilityChange} naming principals) re-decides
 *       those principals' watches of every kind: the hub's existing "recompute should against sent"
 *       decision makes both converge, so duplicate or reordered notifications stay harmless.
 * </ul>
 *
 * <h3>What generalizes, and what goes away</h3>
 *
 * <ul>
 *   <li>{@code NamespaceObject} → {@code ServedObject}: name, namespace (empty: all served kinds
 *       are cluster-scoped for now), resourceVersion, labels, the descriptor's extracted fields,
 *       and the JSON bytes exactly as the API server sent them (rendering keeps writing those
 *       cached bytes; no per-request re-serialization, so the namespace path is not slower).
 *   <li>{@code NamespaceEvent} → {@code ServedEvent}; {@code NamespaceView}/{@code
 *       IndexNamespaceView} → {@code KindView} (one implementation over a snapshot, a watch cache
 *       and the descriptor's rule); {@code NamespaceLister}/{@code NamespaceService}/{@code
 *       NamespaceServing}/{@code NamespaceRequest}/{@code NamespaceFilter} → {@code Lister}/{@code
 *       KindService}/{@code ServedKinds}/{@code ReadRequest}/{@code ObjectFilter}.
 *   <li>{@code Rendering.namespaces(...)} → {@code Rendering.of(kind, columns, format)}; the
 *       namespace factory stays as a one-line delegate so the filters module's callers and tests
 *       keep compiling.
 *   <li>Failures: list, get, watch set-up and WebSocket upgrade throw {@code KubeStatusException}
 *       and go through {@code server/StatusResponses} only. After a watch has started, the one
 *       ERROR-event writer ({@code WatchMessage.error(Status)}, written by {@code WatchStream} for
 *       both transports) carries it; nothing else writes a Status.
 * </ul>
 *
 * <h3>Access reviews from the registry</h3>
 *
 * A SelfSubjectAccessReview by a Capsule user whose resourceAttributes name a served kind (group +
 * resource, no subresource) and a verb of get/list/watch is answered by the proxy: allowed when the
 * caller can use the read at all (list/watch: always, the served list is the caller's view; get of
 * a name: the descriptor's rule says the caller sees it, else passed through so the API server's
 * answer stands and no existence is revealed). For a cluster-scoped kind the {@code namespace}
 * attribute is ignored: k9s v0.50.16 asks {@code list namespaces} with {@code namespace: default}
 * and must get "allowed". Anything else, and every non-Capsule caller, is forwarded unchanged. A
 * SelfSubjectRulesReview answer is forwarded and gets one rule appended per served kind.
 *
 * <h3>Threading and buffering</h3>
 *
 * Unchanged from {@code serve/namespaces} (see its note, which moves here with the code): one hub
 * thread per kind owns that kind's watch state, the sink only does {@code runOnContext}, buffers
 * are bounded by {@code maxBufferedEvents} and end with ERROR 410; the resume rule at
 * resourceVersion N applies per kind against that kind's watch cache and the caller's visibility
 * changes recorded by the hub.
 */
package dev.tenantproxy.proxy.serve;
