package dev.tenantproxy.cache.index;

import dev.tenantproxy.cache.watchcache.CachedObject;
import dev.tenantproxy.cache.watchcache.EventType;
import dev.tenantproxy.filters.tenancy.NamespaceInfo;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancyObject;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Applies one event to a snapshot and computes the visibility changes it causes. Pure: no I/O, no
 * shared state; the single writer calls it and publishes the result.
 */
public final class TenancyReducer {

  /** The next snapshot (same object when nothing changed) and its visibility changes. */
  public record Result(TenancySnapshot snapshot, List<VisibilityChange> changes) {
    public boolean changed(TenancySnapshot before) {
      return snapshot != before;
    }
  }

  private TenancyReducer() {}

  /** {@link #apply(TenancySnapshot, EventType, TenancyObject, Function, Function)} without JSON. */
  public static Result apply(TenancySnapshot current, EventType type, TenancyObject object) {
    return apply(current, type, object, ns -> null, ns -> null);
  }

  /**
   * Applies {@code type} of {@code object} to {@code current}. An ADDED/MODIFIED whose
   * resourceVersion equals the stored one, and a DELETED of something absent, change nothing (the
   * same snapshot is returned). Otherwise the result has revision {@code current.revision() + 1}.
   *
   * @param previousObject namespace name → its JSON before this event (for the change feed)
   * @param currentObject namespace name → its JSON after this event
   */
  public static Result apply(
      TenancySnapshot current,
      EventType type,
      TenancyObject object,
      Function<String, CachedObject> previousObject,
      Function<String, CachedObject> currentObject) {
    TenancyObject stored = current.current(object);
    if (type == EventType.DELETED ? stored == null : isSameVersion(stored, object)) {
      return new Result(current, List.of());
    }
    TenancySnapshot next =
        (type == EventType.DELETED ? current.without(object) : current.with(object))
            .withRevision(current.revision() + 1);
    List<VisibilityChange> changes = new ArrayList<>();
    Owners ownersBefore = new Owners(current);
    Owners ownersAfter = new Owners(next);
    if (object instanceof NamespaceInfo ns) {
      VisibilityChange c =
          change(
              current,
              next,
              ownersBefore,
              ownersAfter,
              VisibilityChange.Cause.NAMESPACE,
              ns.name(),
              previousObject,
              currentObject,
              revisionOf(ns));
      if (!c.before().isEmpty() || !c.after().isEmpty()) {
        changes.add(c);
      }
    } else if (object instanceof TenantInfo tenant) {
      TenantInfo old = current.tenant(tenant.name());
      TenantInfo now = next.tenant(tenant.name());
      Set<String> candidates = new TreeSet<>(current.namespacesOfTenant(tenant.name()));
      candidates.addAll(next.namespacesOfTenant(tenant.name()));
      if (old != null) {
        candidates.addAll(old.statusNamespaces());
      }
      if (now != null) {
        candidates.addAll(now.statusNamespaces());
      }
      for (String ns : candidates) {
        VisibilityChange c =
            change(
                current,
                next,
                ownersBefore,
                ownersAfter,
                VisibilityChange.Cause.TENANT,
                ns,
                previousObject,
                currentObject,
                revisionOf(tenant));
        if (!c.before().equals(c.after())) {
          changes.add(c);
        }
      }
    }
    return new Result(next, List.copyOf(changes));
  }

  /** The principals that can see {@code namespace} in {@code snapshot}: its tenant's owners. */
  public static Set<Principal> principalsSeeing(TenancySnapshot snapshot, String namespace) {
    String tenant = snapshot.tenantOfNamespace(namespace);
    TenantInfo t = tenant == null ? null : snapshot.tenant(tenant);
    return t == null ? Set.of() : t.ownerPrincipals();
  }

  private static VisibilityChange change(
      TenancySnapshot before,
      TenancySnapshot after,
      Owners ownersBefore,
      Owners ownersAfter,
      VisibilityChange.Cause cause,
      String ns,
      Function<String, CachedObject> previousObject,
      Function<String, CachedObject> currentObject,
      long objectResourceVersion) {
    NamespaceInfo prev = before.namespace(ns);
    NamespaceInfo cur = after.namespace(ns);
    return new VisibilityChange(
        after.revision(),
        cause,
        ns,
        ownersBefore.seeing(ns),
        ownersAfter.seeing(ns),
        prev,
        cur,
        prev == null ? null : previousObject.apply(ns),
        cur == null ? null : currentObject.apply(ns),
        objectResourceVersion);
  }

  /** An object's resourceVersion as a number (etcd revisions are), 0 when it is not one. */
  private static long revisionOf(TenancyObject object) {
    try {
      return Long.parseLong(object.resourceVersion());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Owner principals per tenant of one snapshot, computed once per event. */
  private static final class Owners {
    private final TenancySnapshot snapshot;
    private final Map<String, Set<Principal>> byTenant = new HashMap<>(4);

    Owners(TenancySnapshot snapshot) {
      this.snapshot = snapshot;
    }

    Set<Principal> seeing(String namespace) {
      String tenant = snapshot.tenantOfNamespace(namespace);
      if (tenant == null) {
        return Set.of();
      }
      return byTenant.computeIfAbsent(
          tenant,
          t -> {
            TenantInfo info = snapshot.tenant(t);
            return info == null ? Set.of() : Set.copyOf(info.ownerPrincipals());
          });
    }
  }

  private static boolean isSameVersion(TenancyObject stored, TenancyObject incoming) {
    return stored != null
        && !incoming.resourceVersion().isEmpty()
        && Objects.equals(stored.resourceVersion(), incoming.resourceVersion());
  }
}
