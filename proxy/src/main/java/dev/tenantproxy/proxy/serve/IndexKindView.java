package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.cache.watchcache.CachedObject;
import dev.tenantproxy.cache.watchcache.EventType;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.cache.watchcache.WatchEvent;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.visibility.Visibility;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SortedSet;

/**
 * A {@link KindView} over one {@link TenancySnapshot} (who sees what, through the kind's rule) and
 * the kind's {@link WatchCache} (the objects). Both are lock-free reads; the snapshot is taken once
 * per view.
 */
public final class IndexKindView implements KindView {
  private final ServedKind kind;
  private final TenancySnapshot snapshot;
  private final WatchCache cache;

  public IndexKindView(ServedKind kind, TenancySnapshot snapshot, WatchCache cache) {
    this.kind = kind;
    this.snapshot = snapshot;
    this.cache = cache;
  }

  @Override
  public ServedKind kind() {
    return kind;
  }

  @Override
  public TenancySnapshot snapshot() {
    return snapshot;
  }

  @Override
  public long resourceVersion() {
    return cache.resourceVersion();
  }

  @Override
  public ServedObject get(String name) {
    CachedObject o = cache.get(name);
    return o == null ? null : toServed(o);
  }

  @Override
  public Collection<String> names() {
    return cache.keys();
  }

  @Override
  public boolean isCapsuleUser(Caller caller) {
    return Visibility.isCapsuleUser(snapshot, caller);
  }

  @Override
  public boolean serves(Caller caller) {
    return kind.serves(snapshot, caller);
  }

  @Override
  public boolean servesLists(Caller caller) {
    return kind.servesLists(snapshot, caller);
  }

  @Override
  public boolean seesByName(Caller caller, ServedObject object) {
    return kind.seesByName(snapshot, caller, object);
  }

  @Override
  public SortedSet<String> visible(Caller caller) {
    return kind.visibleNames(snapshot, caller, this);
  }

  @Override
  public boolean sees(Caller caller, ServedObject object) {
    return kind.sees(snapshot, caller, object);
  }

  @Override
  public Collection<Principal> principalsSeeing(ServedObject object) {
    return kind.principalsSeeing(snapshot, object);
  }

  @Override
  public List<ServedEvent> eventsSince(long resourceVersion) {
    List<WatchEvent> events = cache.since(resourceVersion);
    List<ServedEvent> out = new ArrayList<>(events.size());
    for (WatchEvent e : events) {
      out.add(toEvent(e));
    }
    return out;
  }

  /** The serving form of a cached object (no copies: its maps are immutable already). */
  public static ServedObject toServed(CachedObject o) {
    return new ServedObject(
        o.name(), Math.max(0, o.resourceVersionNumber()), o.labels(), o.fields(), o.json());
  }

  /**
   * The serving form of a watch-cache event. The object carries the event's position as its
   * resourceVersion only when they differ (a re-list's synthetic event), so that the order the hub
   * sees is the cache's.
   */
  public static ServedEvent toEvent(WatchEvent e) {
    ServedObject o = toServed(e.object());
    ServedEvent.Type type =
        switch (e.type()) {
          case ADDED -> ServedEvent.Type.ADDED;
          case MODIFIED -> ServedEvent.Type.MODIFIED;
          case DELETED -> ServedEvent.Type.DELETED;
        };
    if (e.type() == EventType.DELETED && o.resourceVersion() < e.resourceVersion()) {
      o = o.withResourceVersion(e.resourceVersion());
    }
    return new ServedEvent(type, o);
  }
}
