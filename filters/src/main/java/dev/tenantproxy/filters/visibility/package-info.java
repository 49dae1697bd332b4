/**
 * Visibility decisions over a {@link dev.tenantproxy.filters.tenancy.TenancySnapshot}: is the
 * caller a Capsule user, which tenants it owns, which namespaces it may see ({@link
 * dev.tenantproxy.filters.visibility.Visibility}); which cluster-scoped objects it may see and why
 * ({@link dev.tenantproxy.filters.visibility.ClusterVisibility}). Pure and lock-free.
 *
 * <h2>DESIGN: cluster-scoped kinds — one mechanism, rules OR together</h2>
 *
 * Every rule is a {@code ClusterRule}: a matcher over an object's name and labels ({@link
 * dev.tenantproxy.filters.visibility.ServedObject}), the accesses it gives (List and/or Get), and
 * the principals it applies to, each with the grant that made it apply. {@code Rules} builds them
 * from the snapshot for one {@link dev.tenantproxy.filters.visibility.ClusterKind}; {@link
 * dev.tenantproxy.filters.visibility.CallerView} keeps those that apply to one caller, and {@link
 * dev.tenantproxy.filters.visibility.ClusterVisibility#principalsSeeing} unions the principals of
 * those that select one object. Both read the same rules, so "does alice see node-3" and "who sees
 * node-3" cannot disagree (a property test checks it). An object is visible when <b>any</b> rule
 * selects it: rules never narrow each other, and a rule never widens beyond what it selects.
 *
 * <p>The rules, per kind (a tenant's rules apply to the principals of its {@code status.owners}):
 *
 * <ul>
 *   <li><b>nodes</b>: labels contain every entry of {@code spec.nodeSelector}; a tenant without a
 *       nodeSelector gives no nodes. <b>No grant needed</b> (capsule-proxy v0.14 lists them without
 *       one, and users rely on it).
 *   <li><b>storageclasses, ingressclasses, priorityclasses, runtimeclasses</b>: name in {@code
 *       allowed}, name matched by {@code allowedRegex} (unanchored, as Go's {@code MatchString}),
 *       labels matched by {@code matchLabels}/{@code matchExpressions}, or name equal to {@code
 *       default}, of {@code spec.storageClasses}, {@code spec.ingressOptions.allowedClasses},
 *       {@code spec.priorityClasses}, {@code spec.runtimeClasses}. They apply only to owners
 *       holding a <b>{@code List} grant</b> for the kind in that tenant ({@code
 *       spec.owners[].proxySettings: {kind: StorageClasses, operations: [List]}}), as in
 *       capsule-proxy: a migrating admin's users see exactly what they saw before. We kept the
 *       grant (instead of showing every class the spec allows) because class objects carry
 *       provisioner parameters an admin may not want every owner to read.
 *   <li><b>persistentvolumes</b>: label {@code capsule.clastix.io/tenant} names the tenant; needs a
 *       {@code PersistentVolumes} {@code List} grant (as capsule-proxy; PVs carry backend details).
 *   <li><b>tenants</b>: the tenants the caller owns; no grant.
 *   <li><b>any cluster-scoped kind</b> (these included): a {@code clusterResources} rule {@code
 *       {apiGroups, resources, operations, selector}} of a ProxySetting (for its subjects, when its
 *       namespace belongs to a tenant) or of a GlobalProxySettings (for its subjects). {@code "*"}
 *       matches any group / resource, {@code ""} is the core group; operations {@code List}
 *       (implies Get) or {@code Get} (by name only), none = both; the selector is required. Several
 *       rules OR together (capsule-proxy ANDs different keys: a known flaw, not copied).
 * </ul>
 *
 * <p>Selectors written in these objects are stricter than the API server's: an empty selector
 * selects <b>nothing</b> (not everything), an invalid one (unknown operator, {@code In} without
 * values, ...) selects nothing, an invalid {@code allowedRegex} matches nothing; explanations say
 * so. A ProxySetting subject whose deprecated {@code proxySettings} grant {@code List} for a kind
 * gets the rules of the ProxySetting's tenant for that kind, as an owner with that grant would.
 *
 * <p><b>Nothing granted means nothing served</b>: when no rule gives a caller List (or Get) of a
 * kind ({@link dev.tenantproxy.filters.visibility.CallerView#grantsAnything}), the proxy does not
 * answer itself: the request goes to the API server as the caller and its own RBAC answers (usually
 * 403 Forbidden) — never capsule-proxy's 400. A caller with a rule that selects nothing gets an
 * empty list.
 *
 * <p><b>Writes</b> ({@link dev.tenantproxy.filters.visibility.CallerView#mayWrite}): {@code Update}
 * allows PUT/PATCH and {@code Delete} DELETE of an object that is visible to the caller <i>and</i>
 * selected by the rules of a tenant in which the caller holds that grant; an {@code Update} or
 * {@code Delete} grant alone does not make anything visible, and {@code clusterResources} rules
 * never allow writes.
 */
package dev.tenantproxy.filters.visibility;
