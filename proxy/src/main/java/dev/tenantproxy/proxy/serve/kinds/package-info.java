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
 *       WatchFilter} with the predicate "owned now" (the snapshot when the event is relayed);
 *       back-pressure by pausing the upstream, ended cleanly on graceful shutdown. NOT done: an
 *       ownership change mid-watch is not mapped to ADDED/DELETED (the v1beta2 hub does it from the
 *       index's events; here it would need the v1beta1 object fetched upstream and event types
 *       rewritten). Every ownership change is a Tenant update, so the tenant's own MODIFIED event
 *       comes, but it is decided on the snapshot of that moment, which may lag it by the index's
 *       delay: it may be missed (owner added) or relayed once more (owner removed).
 *   <li>A Capsule user owning no tenant gets an empty list (as for v1beta2); anyone else passes
 *       through unchanged.
 * </ul>
 */
package dev.tenantproxy.proxy.serve.kinds;
