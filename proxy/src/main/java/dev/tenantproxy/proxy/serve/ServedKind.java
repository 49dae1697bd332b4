package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.cache.informer.TenancyIndex;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.render.TableColumns;
import dev.tenantproxy.filters.selector.FieldLabels;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.visibility.Visibility;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A kind the proxy serves from the index: what it is, where its objects are, how selectors and
 * Tables read it, and who sees which object. A descriptor holds data and one visibility rule, no
 * serving code; {@link KindService}, {@link Lister} and {@link WatchHub} serve every kind the same
 * way. Instances live in {@code serve/kinds}; see {@code package-info.java} for the design.
 */
public interface ServedKind {

  /** Group, version, kind, plural and scope (the informer module's name for the kind). */
  ResourceKind kind();

  /**
   * The watch cache holding the kind, synced: {@code index.namespaces()} for namespaces, {@code
   * index.serve(kind())} (an informer started on demand) for the others.
   */
  Future<WatchCache> cache(TenancyIndex index);

  /** The field selectors the API server accepts for the kind. */
  FieldLabels fieldLabels();

  /** The Table columns, identical to the API server's for the kind. */
  TableColumns columns();

  /** Whether {@code caller} may see {@code object} now. Pure. */
  boolean sees(TenancySnapshot snapshot, Caller caller, ServedObject object);

  /** Why {@code caller} sees {@code object} (for access reviews and explanations). */
  String reason(TenancySnapshot snapshot, Caller caller, ServedObject object);

  /**
   * The fan-out key: the principals that may see {@code object} now. An event of the object is
   * routed to the watches of these principals (plus the watches that hold the object), never to all
   * watches.
   */
  Collection<Principal> principalsSeeing(TenancySnapshot snapshot, ServedObject object);

  /**
   * Whether the proxy answers this caller's reads of the kind (else they pass through to the API
   * server as the caller, whose RBAC answers). Default: every Capsule user. A kind whose rules must
   * grant something (nodes: an owned tenant with a {@code spec.nodeSelector}) answers only when
   * they do, so a caller with nothing granted gets the API server's own 403, not an empty list.
   */
  default boolean serves(TenancySnapshot snapshot, Caller caller) {
    return Visibility.isCapsuleUser(snapshot, caller);
  }

  /**
   * Whether the proxy answers this caller's lists and watches of the kind too, not only its gets by
   * name (a caller whose only grant is a {@code clusterResources} rule with {@code operations:
   * [Get]} is served gets; its lists and watches pass through, and the API server answers them as
   * the caller, usually 403). Default: {@link #serves}.
   */
  default boolean servesLists(TenancySnapshot snapshot, Caller caller) {
    return serves(snapshot, caller);
  }

  /**
   * Whether {@code caller} may get {@code object} by name (a {@code [Get]}-only rule gives this,
   * not {@link #sees}). Default: {@link #sees}.
   */
  default boolean seesByName(TenancySnapshot snapshot, Caller caller, ServedObject object) {
    return sees(snapshot, caller, object);
  }

  /**
   * Whether a caller's view of the kind changes when a Tenant, ProxySetting or GlobalProxySettings
   * changes (the index's {@code RulesChange} feed: a tenant's {@code spec.nodeSelector}, its
   * owners, a {@code clusterResources} rule): the watches of the principals it names are then
   * re-decided over every object of the kind.
   */
  default boolean followsRulesChanges() {
    return false;
  }

  /**
   * Whether a caller's view of the kind changes without an event of the kind itself, reported by
   * the index's change feed ({@code VisibilityChange}: namespaces joining or leaving a tenant).
   * Kinds whose rule reads only the object itself (tenants: {@code status.owners}) need no feed.
   */
  default boolean followsChangeFeed() {
    return false;
  }

  /**
   * The names {@code caller} may see, sorted by name (the API server's list order). The default
   * scans the cache; a kind with an index of its own (namespaces) overrides it.
   */
  default SortedSet<String> visibleNames(TenancySnapshot snapshot, Caller caller, KindView view) {
    SortedSet<String> out = new TreeSet<>();
    for (String name : view.names()) {
      ServedObject o = view.get(name);
      if (o != null && sees(snapshot, caller, o)) {
        out.add(name);
      }
    }
    return out;
  }

  /**
   * Whether the kind's cache is started on the first read (an informer of its own, {@code
   * index.serve(kind)}); false for a cache the index always runs, attached as soon as it is synced.
   */
  default boolean startsOnDemand() {
    return true;
  }

  /** {@code plural} for the core group, else {@code plural.group} (as in error messages). */
  default String qualifiedResource() {
    ResourceKind k = kind();
    return k.group().isEmpty() ? k.plural() : k.plural() + "." + k.group();
  }

  /**
   * Whether the proxy executes {@code op} ({@code Update} or {@code Delete}) of {@code object} for
   * {@code caller} with its own identity (an owner grant): the one write decision, used by the
   * write filter that executes it and by the access reviews that report it. Default: never (the API
   * server answers the caller's writes as itself).
   */
  default dev.tenantproxy.filters.visibility.WriteDecision mayWrite(
      TenancySnapshot snapshot,
      Caller caller,
      dev.tenantproxy.filters.visibility.ServedObject object,
      dev.tenantproxy.filters.visibility.GrantOperation op) {
    return new dev.tenantproxy.filters.visibility.WriteDecision(
        false, "tenant-proxy does not write " + kind().displayName());
  }
}
