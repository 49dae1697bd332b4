/**
 * Direct mode: RBAC kept in sync from the tenancy index, so tenant owners that talk straight to the
 * API server (CI, GitOps agents, scripts) can get, list and watch exactly their namespaces by name.
 * Public API: {@link dev.tenantproxy.proxy.rbacsync.RbacSync}, {@link
 * dev.tenantproxy.proxy.rbacsync.RbacSyncOptions}, {@link
 * dev.tenantproxy.proxy.rbacsync.RbacSyncProcess}.
 *
 * <h2>DESIGN: level-based reconcile of one desired state</h2>
 *
 * <ul>
 *   <li><b>Desired state.</b> {@code DesiredRbac} maps one immutable {@code TenancySnapshot} to one
 *       ClusterRole and one ClusterRoleBinding per tenant, both named {@code
 *       tenant-proxy-direct:<tenant>}: {@code get, list, watch} on {@code namespaces} with {@code
 *       resourceNames} = the namespaces the snapshot says belong to the tenant (the index's
 *       membership rule), bound to every principal of {@code status.owners}. The API server
 *       authorizes a list or watch with {@code fieldSelector=metadata.name=N} as a request for name
 *       N, which is what kubectl's deletion wait sends. A tenant without namespaces gets no
 *       namespace rule (an empty {@code resourceNames} would mean every name). A namespace is in
 *       the snapshot until its Namespace object is gone, so a Terminating namespace stays in the
 *       role until the deletion finishes; it leaves the role when the object disappears or its
 *       claim moves to another tenant.
 *   <li><b>Reconcile.</b> One thread ({@code tenant-proxy-rbac-sync}, a single-thread scheduled
 *       executor) compares the desired state of the current snapshot with the managed objects
 *       (fabric8 informers selecting on the {@code app.kubernetes.io/managed-by} label) and writes
 *       only what differs: create, update (with the observed resourceVersion), delete. It is
 *       idempotent: a reconcile with nothing to do makes no API call. fabric8 calls block, so they
 *       run only on that thread, never on an event loop or an informer thread; a failed write is
 *       logged and retried by the next reconcile, the revision poll backing off (100 ms doubling to
 *       30 s) while failures persist; any exception is caught so the thread survives. An object
 *       that exists without the managed-by label (removed by hand, so invisible to the informers)
 *       answers the create with 409: it is read and taken back.
 *   <li><b>Triggers, coalesced.</b> The index's change feed (namespace gained/lost), informer
 *       events on the managed objects (so a hand edit or a hand delete is reverted), a 100 ms poll
 *       of the snapshot revision (an owner change of a tenant without namespaces publishes a new
 *       revision but no visibility change) and a periodic resync. Triggers only set a flag and
 *       queue at most one reconcile (the queue is bounded at one task): a burst of a thousand
 *       events costs one or two reconciles, and the callbacks (index writer thread, fabric8
 *       informer threads) never block.
 *   <li><b>Our own writes.</b> Between a write and the informer delivering it, the informer's copy
 *       is stale; comparing with it would write again and fail with a conflict. The last object
 *       each write returned is kept and used when its resourceVersion is newer.
 *   <li><b>One writer.</b> fabric8's {@code LeaderElector} with a {@code LeaseLock}: only the
 *       leader reconciles; others keep their informers warm and take over within the lease
 *       duration. {@code close()} releases the lease. After losing the lease the elector is run
 *       again.
 *   <li><b>Garbage collection.</b> Every object has its Tenant as controlling ownerReference, so
 *       the API server's garbage collector deletes them with the Tenant even when rbac-sync is not
 *       running; rbac-sync also deletes managed objects of tenants no longer in the snapshot.
 * </ul>
 */
package dev.tenantproxy.proxy.rbacsync;
