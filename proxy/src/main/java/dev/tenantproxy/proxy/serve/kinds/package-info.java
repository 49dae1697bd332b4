/**
 * The served-kind descriptors (one per kind, data and one visibility rule each) and the two write
 * filters that sit beside them.
 *
 * <h2>DESIGN: owner-granted writes of cluster-scoped kinds ({@link
 * dev.tenantproxy.proxy.serve.kinds.ClusterWritesFilter})</h2>
 *
 * <p>capsule-proxy lets an owner holding an {@code Update} / {@code Delete} grant ({@code
 * spec.owners[].proxySettings}) write the nodes, classes and volumes it sees. The owner has no RBAC
 * for that, so the write must be sent with the proxy's own identity; that makes the proxy's
 * decision the only authorization, and it is made in one filter for every rule-driven kind ({@code
 * ClusterRuleKind}), never per kind:
 *
 * <ol>
 *   <li><b>Which requests</b>: {@code PUT}, {@code PATCH}, {@code DELETE} of one object by name, of
 *       the served group/version/resource, no subresource, by a Capsule user. Everything else
 *       (status subresources, {@code deletecollection}, other versions, upgrades) is not this
 *       filter's: it continues down the onion and reaches the API server as the caller.
 *   <li><b>Grant first, object second</b>: a caller holding no grant of the operation for the kind
 *       ({@code CallerView#holdsGrant}) costs nothing (no upstream read) and gets the API server's
 *       answer as itself. A caller holding one gets the object read fresh with the proxy's
 *       credentials (the watch cache may lag a relabel; writes are rare, one GET is cheap), then
 *       {@code CallerView#mayWrite}: not visible or missing is the API server's own 404 (the same
 *       bytes for both: no existence leak, and nothing is forwarded); visible but no granting
 *       tenant selects it goes to the API server as the caller (its 403).
 *   <li><b>Execution is the pass-through's</b>: the filter only attaches {@link
 *       dev.tenantproxy.proxy.server.AsProxy} and continues. The pass-through then omits {@code
 *       Impersonate-*} (the client's credentials and impersonation headers are stripped as for
 *       every request), streams body and answer with back-pressure, and keeps query and content
 *       type, so every patch type, {@code dryRun}, {@code fieldManager} and server-side apply
 *       behave as for an admin. One forwarding path, not a second copy of it.
 *   <li><b>The proxy's own refusal</b> (its ClusterRole lacks the verb) would name its
 *       ServiceAccount in the API server's message: the pass-through drops that answer and fails
 *       with the Status carried in {@code AsProxy} — the API server's wording for the caller, plus
 *       why.
 *   <li><b>Audit</b>: decision {@code executed}, {@code upstreamAs=proxy}, the grant text; the
 *       caller is the audit line's user (the API server's own audit log sees only the proxy).
 * </ol>
 *
 * <p><b>A write that takes the object out of the caller's view is executed</b>, as capsule-proxy
 * does. Refusing it would mean a dry run of every write, a second visibility decision on its
 * result, and still a race with other writers between that and the real write (closing it would
 * need a resourceVersion precondition the client did not ask for, turning a patch into a
 * conflict-prone update). The grant is about the object as it is when written; README states the
 * consequence (an {@code Update} grant on nodes or volumes lets an owner hand one to another pool
 * or tenant).
 *
 * <p>Known limits: the read and the write are two requests (a concurrent relabel between them is
 * not seen); admission webhooks see the proxy's identity.
 *
 * <h2>DESIGN: v1beta1 tenant reads ({@link dev.tenantproxy.proxy.serve.kinds.TenantsV1beta1Filter})
 * </h2>
 *
 * <p>The index holds tenants in v1beta2 only; a v1beta1 Tenant (made by Capsule's conversion
 * webhook) has other fields, so the proxy never converts: the objects come from the API server in
 * v1beta1, read with the proxy's identity, and only the filtering is the proxy's. Which tenants a
 * caller owns comes from the index ({@code status.owners} of the v1beta2 objects, the rule of
 * {@code Tenants}), never from the v1beta1 body.
 *
 * <ul>
 *   <li><b>get</b>: owned names go the {@code AsProxy} route of the writes (one forwarding path);
 *       any other name fails with the same 404 as a missing tenant before anything is forwarded.
 *   <li><b>list</b>: served unpaged and filtered ({@code ListFilter} / {@code TableFilter}, which
 *       drop {@code remainingItemCount}). Paging a filtered upstream list would hand out pages
 *       whose sizes and {@code continue} tokens follow the hidden tenants; tenants are few, so the
 *       whole list is read (bounded) and filtered, and a {@code continue} is refused (400).
 *   <li><b>watch</b>: the upstream watch of all tenants, read as the proxy, relayed through {@code
 *       WatchFilter.deciding} with {@code OwnershipTransitions}; back-pressure by pausing the
 *       upstream, ended cleanly on graceful shutdown. Ownership changes mid-watch become ADDED /
 *       DELETED (below).
 *   <li><b>Upgrades</b> (a WebSocket watch, list or get) are never this filter's: {@code
 *       ForwardHeaders.isUpgrade}, the one check {@code ClusterWritesFilter} and the pass-through
 *       use, sends them down the onion to the API server as the caller. Serving a WebSocket here
 *       would need a second WebSocket relay beside {@code WatchOutput}; a get by name must never be
 *       an upgrade executed as the proxy.
 *   <li>A Capsule user owning no tenant gets an empty list (as for v1beta2); anyone else passes
 *       through unchanged.
 * </ul>
 *
 * <h3>DESIGN: ownership transitions of the v1beta1 watch ({@code OwnershipTransitions})</h3>
 *
 * <p>The served kinds turn a change of the caller's view into ADDED / DELETED in the watch hub
 * ({@code WatchHub} / {@code WatchState}: "should = visible now" against "sent"), fed by a watch
 * cache of the kind and the index's change feeds. That mechanism was not reused as it is, because
 * its input is an index watch cache: serving v1beta1 through it would mean a second informer
 * holding every tenant in v1beta1 (the index holds v1beta2 only; v1beta1 objects come from
 * Capsule's conversion webhook and must not be converted by the proxy), and the v1beta2 rule reads
 * {@code status.owners} from the object, which a v1beta1 object lacks. The filter keeps its design
 * (one upstream watch per caller, read as the proxy) and applies the same rule per event:
 *
 * <ul>
 *   <li>Per watch, the set of names the client holds ({@code held}; seeded with the owned tenants
 *       for a watch continuing a list from a {@code resourceVersion}, empty when the API server
 *       sends the initial events). Owned and not held: ADDED (the API server's MODIFIED retyped);
 *       owned and held: the API server's type; not owned and held: DELETED with the event's current
 *       object; neither: dropped. {@code WatchFilter.deciding} splices the new type into the event
 *       and leaves every other byte as the API server sent it; Table events are decided on their
 *       one row, and columns of dropped first events are carried as before.
 *   <li>Every ownership change the index models is a Tenant change ({@code status.owners} merges
 *       spec owners, groups and service accounts), so it arrives in this watch as that tenant's
 *       event. The index sees the same change on its own informer, possibly later: an ADDED /
 *       MODIFIED whose resourceVersion is newer than the index's {@code TenantInfo} of that tenant
 *       is deferred ({@code Decider.LATER}: the filter keeps the rest of the stream, pauses the
 *       upstream and retries every 10 ms) until the index has it, at most 2 s, then decided on the
 *       index as it is. An event for a tenant the index no longer holds (deleted meanwhile) waits
 *       that bound too; rare, and only delayed.
 *   <li>The owned set is computed once per index snapshot (the supplier's object identity), not per
 *       event.
 * </ul>
 *
 * <p>Limits: held is "owned when the watch starts", so a tenant listed by the client but no longer
 * owned by then is not DELETED (the hub has the same approximation and answers 410 when it knows;
 * this filter keeps no history); a DELETED carries the tenant's current v1beta1 object rather than
 * the one last sent.
 */
package dev.tenantproxy.proxy.serve.kinds;
