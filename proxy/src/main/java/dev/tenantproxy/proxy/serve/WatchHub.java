package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.visibility.Visibility;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one subscriber to one served kind's watch cache (and, for a kind that follows it, the index's
 * visibility change feed), fanning out to every open watch of the kind. See {@code
 * package-info.java} for the design (threading, routing, buffering, the resume rule).
 *
 * <p>All state is confined to one serial executor (the hub thread). Inputs may arrive on any
 * thread; they are queued to it. Output goes to each watch's {@link Sink}, which must only hand the
 * messages to the watch's own Vert.x context (never block).
 */
public final class WatchHub {
  private static final Logger LOG = LoggerFactory.getLogger(WatchHub.class);

  /** Receives the messages of one watch, on the hub thread; must not block. */
  public interface Sink {
    void deliver(List<WatchMessage> messages);
  }

  /** A handle on one registered watch; callable from any thread. */
  public final class Registration {
    private final Watcher watcher;

    private Registration(Watcher watcher) {
      this.watcher = watcher;
    }

    /** Stops delivering to this watch (the client went away, the watch timed out or overflowed). */
    public void cancel() {
      safely("cancelling a watch", () -> remove(watcher));
    }

    /** Asks for a BOOKMARK at the hub's current resourceVersion, in order with the events. */
    public void requestBookmark() {
      safely(
          "a bookmark",
          () -> {
            if (watcher.open) {
              watcher.sink.deliver(
                  List.of(new WatchMessage.Bookmark(Math.max(processedRv, watcher.minRv), false)));
            }
          });
    }
  }

  private static final class Watcher {
    final WatchState state;
    final List<Principal> principals;
    final Sink sink;
    long minRv;
    boolean open = true;

    Watcher(WatchState state, List<Principal> principals, Sink sink) {
      this.state = state;
      this.principals = principals;
      this.sink = sink;
    }
  }

  /** The last visibility change seen for one principal: its resourceVersion and the names. */
  private static final class ChangeMark {
    long rv;
    // at least as new as the change's etcd revision: rv, or the causing Tenant/Namespace's
    // resourceVersion when newer (what {@link #viewChangedAfter} compares with)
    long revision;
    final Set<String> names = new HashSet<>();
  }

  private final Supplier<KindView> views;
  private final Executor executor;
  private final String resource;

  // ---- hub-thread state ----
  private final Map<Principal, Set<Watcher>> byPrincipal = new HashMap<>();
  private final Map<String, Set<Watcher>> bySent = new HashMap<>();
  private final Map<Principal, ChangeMark> lastChange = new HashMap<>();
  private long processedRv;
  private final long historyStart;
  private final AtomicInteger open = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong failures =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * @param views the current view of the index and the watch cache (read on the hub thread)
   * @param executor a SERIAL executor: the hub thread
   * @param resourceVersion the watch cache's resourceVersion from which on this hub is fed every
   *     event (the {@code resourceVersion} its subscription to the cache started at)
   */
  public WatchHub(Supplier<KindView> views, Executor executor, long resourceVersion) {
    this.views = views;
    this.executor = executor;
    this.processedRv = resourceVersion;
    this.historyStart = resourceVersion;
    this.resource = views.get().kind().kind().plural();
  }

  /** The number of open watches (for metrics). */
  public int openWatches() {
    return open.get();
  }

  /** Hub tasks that failed (each ended every open watch with 410), for metrics and tests. */
  public long failures() {
    return failures.get();
  }

  /**
   * Runs a hub task on the hub thread; a task that throws (a bug) never kills the thread nor goes
   * unseen: it is logged and counted, and since the hub can no longer tell what each watcher has
   * been sent, every open watch ends with ERROR 410 Expired (its client re-lists, which is exact).
   * New watches are served as before.
   */
  private void safely(String what, Runnable task) {
    executor.execute(
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            failures.incrementAndGet();
            LOG.error("{} watch hub: {} failed; open watches end with 410", resource, what, e);
            expireAll();
          }
        });
  }

  private void expireAll() {
    Set<Watcher> all = new LinkedHashSet<>();
    byPrincipal.values().forEach(all::addAll);
    for (Watcher w : all) {
      try {
        if (w.open) {
          w.sink.deliver(
              List.of(
                  new WatchMessage.Error(
                      KubeStatusException.expired(
                          "the watch could not be kept current, list again"))));
        }
      } catch (RuntimeException e) {
        LOG.warn("{} watch hub: a watch could not be told to re-list", resource, e);
      }
      remove(w);
    }
  }

  // ---- inputs --------------------------------------------------------------------------------

  /** An event from the kind's watch cache, in resourceVersion order. Any thread. */
  public void onEvent(ServedEvent event) {
    safely(resource + " event " + event.object().name(), () -> applyEvent(event));
  }

  /**
   * The index says these principals' visibility of these objects changed (a tenant gained or lost a
   * namespace, a principal became or stopped being an owner). Any thread.
   */
  public void onVisibilityChange(Collection<Principal> principals, Collection<String> namespaces) {
    List<Principal> ps = List.copyOf(principals);
    List<String> ns = List.copyOf(namespaces);
    safely("visibility change", () -> applyVisibilityChange(ps, ns, null, 0));
  }

  /**
   * Like {@link #onVisibilityChange(Collection, Collection)} for one object, with the object the
   * index applied the change with (null if unknown or deleted): used when it is newer than the
   * watch cache's at the time the hub gets to it, so a watcher never gets an ADDED of an older
   * object followed by a MODIFIED.
   */
  public void onVisibilityChange(
      Collection<Principal> principals, String namespace, ServedObject current) {
    onVisibilityChange(principals, namespace, current, 0);
  }

  /**
   * Like {@link #onVisibilityChange(Collection, String, ServedObject)}, with the resourceVersion of
   * the object whose event made the change (a Tenant's is not in this kind's cache): the change is
   * recorded for {@link #viewChangedAfter} at that revision when it is newer.
   */
  public void onVisibilityChange(
      Collection<Principal> principals,
      String namespace,
      ServedObject current,
      long objectResourceVersion) {
    List<Principal> ps = List.copyOf(principals);
    safely(
        "visibility change",
        () -> applyVisibilityChange(ps, List.of(namespace), current, objectResourceVersion));
  }

  /**
   * Whether the view of a caller with these principals may differ between resourceVersion {@code
   * rv} and now: a visibility change of one of them was recorded after {@code rv}, or {@code rv} is
   * older than this hub's history (it records changes from the resourceVersion it started at). The
   * same record as a resumed watch's rule 2 (package DESIGN note), for readers that hold a view at
   * {@code rv} of something else (all-namespaces watches resumed at {@code rv}). Answered on the
   * hub thread.
   */
  public java.util.concurrent.CompletionStage<Boolean> viewChangedAfter(
      Collection<Principal> principals, long rv) {
    List<Principal> ps = List.copyOf(principals);
    java.util.concurrent.CompletableFuture<Boolean> answer =
        new java.util.concurrent.CompletableFuture<>();
    try {
      executor.execute(
          () -> {
            try {
              answer.complete(changedAfter(ps, rv));
            } catch (RuntimeException e) {
              answer.completeExceptionally(e);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      answer.completeExceptionally(e);
    }
    return answer;
  }

  private boolean changedAfter(List<Principal> principals, long rv) {
    if (rv < historyStart) {
      return true;
    }
    for (Principal p : principals) {
      ChangeMark mark = lastChange.get(p);
      if (mark != null && mark.revision > rv) {
        return true;
      }
    }
    return false;
  }

  /** Opens a watch; its first messages (initial ADDEDs, replayed events or an ERROR) follow. */
  public Registration watch(WatchSpec spec, Sink sink) {
    Watcher w =
        new Watcher(
            new WatchState(spec.caller(), spec.filter()),
            List.copyOf(Visibility.principalsOf(spec.caller())),
            sink);
    safely("registering a watch", () -> register(w, spec));
    return new Registration(w);
  }

  // ---- hub thread ----------------------------------------------------------------------------

  private void register(Watcher w, WatchSpec spec) {
    KindView view = views.get();
    List<WatchMessage> out = new ArrayList<>();
    try {
      if (spec.resumes()) {
        if (!resume(w, spec.resourceVersion(), view, out)) {
          w.open = false;
          w.sink.deliver(out);
          return;
        }
      } else {
        initial(w, view, out);
        if (spec.sendInitialEvents()) {
          out.add(new WatchMessage.Bookmark(Math.max(processedRv, view.resourceVersion()), true));
        }
      }
    } catch (RuntimeException e) {
      LOG.error("{} watch could not start", resource, e);
      w.open = false;
      w.sink.deliver(
          List.of(new WatchMessage.Error(KubeStatusException.internal("watch could not start"))));
      return;
    }
    for (Principal p : w.principals) {
      byPrincipal.computeIfAbsent(p, k -> new LinkedHashSet<>()).add(w);
    }
    for (String name : w.state.sentNames()) {
      bySent.computeIfAbsent(name, k -> new LinkedHashSet<>()).add(w);
    }
    open.incrementAndGet();
    if (!out.isEmpty()) {
      w.sink.deliver(out);
    }
  }

  private void initial(Watcher w, KindView view, List<WatchMessage> out) {
    Iterable<String> names =
        w.state
            .filter()
            .exactName()
            .<Iterable<String>>map(List::of)
            .orElseGet(() -> view.visible(w.state.caller()));
    for (String name : names) {
      ServedObject ns = view.get(name);
      if (ns == null || !view.sees(w.state.caller(), ns)) {
        continue;
      }
      WatchMessage.Event e = w.state.decide(name, ns, true, true, ns.resourceVersion());
      if (e != null) {
        out.add(e);
      }
    }
  }

  /**
   * Resumes after {@code rv}; false (with an ERROR in {@code out}) when that cannot be exact: the
   * cache no longer holds the events after rv, or the caller's visibility changed after rv.
   */
  private boolean resume(Watcher w, long rv, KindView view, List<WatchMessage> out) {
    List<ServedEvent> events;
    try {
      events = view.eventsSince(rv);
    } catch (KubeStatusException e) {
      out.add(new WatchMessage.Error(e));
      return false;
    }
    Set<String> ambiguous = new TreeSet<>();
    for (Principal p : w.principals) {
      ChangeMark mark = lastChange.get(p);
      if (mark == null) {
        continue;
      }
      if (mark.rv > rv) {
        out.add(tooOld(rv, mark.rv));
        return false;
      }
      if (mark.rv == rv) {
        ambiguous.addAll(mark.names);
      }
    }
    // What the client holds at rv: the visible namespaces that existed then (approximated, see
    // package-info), minus the ambiguous ones, which are re-announced below.
    Map<String, ServedEvent> firstAfter = new HashMap<>();
    for (ServedEvent e : events) {
      if (e.resourceVersion() <= processedRv) {
        firstAfter.putIfAbsent(e.object().name(), e);
      }
    }
    for (String name : view.visible(w.state.caller())) {
      if (ambiguous.contains(name) || !w.state.mayConcern(name)) {
        continue;
      }
      ServedEvent first = firstAfter.get(name);
      if (first != null) {
        if (first.type() != ServedEvent.Type.ADDED) {
          w.state.assumeSent(first.object().withResourceVersion(rv));
        }
        continue;
      }
      ServedObject ns = view.get(name);
      if (ns != null && w.state.filter().matches(ns)) {
        w.state.assumeSent(ns.resourceVersion() <= rv ? ns : ns.withResourceVersion(rv));
      }
    }
    for (ServedEvent e : events) {
      if (e.resourceVersion() > processedRv) {
        break;
      }
      String name = e.object().name();
      boolean exists = e.type() != ServedEvent.Type.DELETED;
      WatchMessage.Event m =
          w.state.decide(
              name,
              e.object(),
              exists,
              exists && view.sees(w.state.caller(), e.object()),
              e.resourceVersion());
      if (m != null) {
        out.add(m);
      }
    }
    for (String name : ambiguous) {
      ServedObject ns = view.get(name);
      if (ns == null || !w.state.mayConcern(name)) {
        continue;
      }
      if (view.sees(w.state.caller(), ns)) {
        WatchMessage.Event m = w.state.decide(name, ns, true, true, rv);
        if (m != null) {
          out.add(m);
        }
      } else if (!w.state.hasSent(name) && w.state.filter().matches(ns)) {
        out.add(
            new WatchMessage.Event(
                "DELETED", ns.withResourceVersion(Math.max(rv, ns.resourceVersion()))));
      }
    }
    w.minRv = rv;
    return true;
  }

  private static WatchMessage.Error tooOld(long requested, long oldest) {
    return new WatchMessage.Error(
        KubeStatusException.expired(
            "too old resource version: " + requested + " (" + oldest + ")"));
  }

  private void applyEvent(ServedEvent event) {
    long rv = event.resourceVersion();
    processedRv = Math.max(processedRv, rv);
    String name = event.object().name();
    KindView view = views.get();
    Set<Watcher> targets = new LinkedHashSet<>();
    Set<Watcher> holding = bySent.get(name);
    if (holding != null) {
      targets.addAll(holding);
    }
    for (Principal p : view.principalsSeeing(event.object())) {
      Set<Watcher> ws = byPrincipal.get(p);
      if (ws != null) {
        targets.addAll(ws);
      }
    }
    boolean exists = event.type() != ServedEvent.Type.DELETED;
    for (Watcher w : targets) {
      if (!w.open || rv < w.minRv || !w.state.mayConcern(name)) {
        continue;
      }
      boolean visible = exists && view.sees(w.state.caller(), event.object());
      WatchMessage.Event m = w.state.decide(name, event.object(), exists, visible, rv);
      if (m != null) {
        track(w, name);
        w.sink.deliver(List.of(m));
      }
    }
  }

  private void applyVisibilityChange(
      List<Principal> principals,
      List<String> namespaces,
      ServedObject hint,
      long objectResourceVersion) {
    KindView view = views.get();
    long rv = Math.max(processedRv, view.resourceVersion());
    Set<Watcher> targets = new LinkedHashSet<>();
    for (Principal p : principals) {
      ChangeMark mark = lastChange.computeIfAbsent(p, k -> new ChangeMark());
      if (mark.rv != rv) {
        mark.rv = rv;
        mark.names.clear();
      }
      mark.names.addAll(namespaces);
      mark.revision = Math.max(mark.revision, Math.max(rv, objectResourceVersion));
      Set<Watcher> ws = byPrincipal.get(p);
      if (ws != null) {
        targets.addAll(ws);
      }
    }
    for (Watcher w : targets) {
      if (!w.open) {
        continue;
      }
      List<WatchMessage> out = new ArrayList<>();
      for (String name : namespaces) {
        if (!w.state.mayConcern(name)) {
          continue;
        }
        ServedObject ns = view.get(name);
        if (hint != null
            && hint.name().equals(name)
            && (ns == null || hint.resourceVersion() > ns.resourceVersion())) {
          ns = hint;
        }
        boolean exists = ns != null;
        boolean visible = exists && view.sees(w.state.caller(), ns);
        WatchMessage.Event m = w.state.decide(name, exists ? ns : null, exists, visible, rv);
        if (m != null) {
          track(w, name);
          out.add(m);
        }
      }
      if (!out.isEmpty()) {
        w.sink.deliver(out);
      }
    }
  }

  /** Keeps the name → watchers-holding-it index in step with one watch's sent set. */
  private void track(Watcher w, String name) {
    if (w.state.hasSent(name)) {
      bySent.computeIfAbsent(name, k -> new LinkedHashSet<>()).add(w);
    } else {
      Set<Watcher> ws = bySent.get(name);
      if (ws != null) {
        ws.remove(w);
        if (ws.isEmpty()) {
          bySent.remove(name);
        }
      }
    }
  }

  private void remove(Watcher w) {
    if (!w.open) {
      return;
    }
    w.open = false;
    open.decrementAndGet();
    for (Principal p : w.principals) {
      Set<Watcher> ws = byPrincipal.get(p);
      if (ws != null) {
        ws.remove(w);
        if (ws.isEmpty()) {
          byPrincipal.remove(p);
        }
      }
    }
    for (String name : w.state.sentNames()) {
      Set<Watcher> ws = bySent.get(name);
      if (ws != null) {
        ws.remove(w);
        if (ws.isEmpty()) {
          bySent.remove(name);
        }
      }
    }
  }
}
