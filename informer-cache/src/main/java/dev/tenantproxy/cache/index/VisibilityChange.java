package dev.tenantproxy.cache.index;

import dev.tenantproxy.cache.watchcache.CachedObject;
import dev.tenantproxy.filters.tenancy.NamespaceInfo;
import dev.tenantproxy.filters.tenancy.Principal;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What one applied event changed for one namespace: which principals could see it before and after
 * (as {@link Principal}s: owners of the tenant it belongs to), and the namespace before and after.
 *
 * <p>A watcher whose caller matches a principal in {@link #gained()} sends ADDED (of {@code
 * currentObject}), in {@link #lost()} DELETED (of {@code currentObject}, or {@code previousObject}
 * when the namespace is gone), and in {@link #kept()} MODIFIED when {@link #objectChanged()} (or
 * DELETED when {@link #deleted()}). Note that a caller can match several principals (user and
 * groups): decide on the union, i.e. visible-before = any of its principals in {@code before}.
 *
 * @param revision the snapshot revision this change belongs to
 * @param cause what kind of object changed: a namespace itself, or a tenant's owners/namespaces
 * @param previous the namespace before the event ({@code null} if it did not exist)
 * @param current the namespace after the event ({@code null} if it was deleted)
 * @param previousObject the namespace's JSON before (from the namespace watch cache), or null
 * @param currentObject the namespace's JSON after, or null
 * @param objectResourceVersion the {@code metadata.resourceVersion} of the Namespace or Tenant
 *     whose event made this change (an etcd revision; 0 when unknown): the change is at least this
 *     new, which the namespace watch cache's resourceVersion alone does not say for a Tenant event
 */
public record VisibilityChange(
    long revision,
    Cause cause,
    String namespace,
    Set<Principal> before,
    Set<Principal> after,
    NamespaceInfo previous,
    NamespaceInfo current,
    CachedObject previousObject,
    CachedObject currentObject,
    long objectResourceVersion) {

  /** Why visibility was re-evaluated. */
  public enum Cause {
    NAMESPACE,
    TENANT
  }

  public VisibilityChange {
    before = Set.copyOf(before);
    after = Set.copyOf(after);
  }

  /** Principals that can see the namespace now but could not before. */
  public Set<Principal> gained() {
    Set<Principal> s = new LinkedHashSet<>(after);
    s.removeAll(before);
    return s;
  }

  /** Principals that could see the namespace before but cannot now. */
  public Set<Principal> lost() {
    Set<Principal> s = new LinkedHashSet<>(before);
    s.removeAll(after);
    return s;
  }

  /** Principals that could see the namespace before and still can. */
  public Set<Principal> kept() {
    Set<Principal> s = new LinkedHashSet<>(before);
    s.retainAll(after);
    return s;
  }

  /** Whether the namespace object itself changed (a MODIFIED for those who keep seeing it). */
  public boolean objectChanged() {
    return cause == Cause.NAMESPACE && current != null && previous != null;
  }

  /** Whether the namespace was deleted by this event. */
  public boolean deleted() {
    return cause == Cause.NAMESPACE && current == null;
  }
}
