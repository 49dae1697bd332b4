package dev.tenantproxy.proxy.rbacsync;

import dev.tenantproxy.cache.informer.TenancyIndex;
import dev.tenantproxy.cache.watchcache.Subscription;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one ClusterRole and one ClusterRoleBinding per tenant in step with the tenancy index, so
 * that tenant owners talking straight to the API server can get, list and watch exactly their
 * namespaces by name (which is what {@code kubectl delete namespace}'s wait needs). See the package
 * DESIGN note.
 *
 * <pre>{@code
 * RbacSync sync = RbacSync.start(client, index, options);   // index started by the caller
 * ...
 * sync.close();
 * }</pre>
 */
public final class RbacSync implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RbacSync.class);

  private final KubernetesClient client;
  private final TenancyIndex index;
  private final RbacSyncOptions options;
  private final ScheduledExecutorService worker;
  private final AtomicBoolean queued = new AtomicBoolean();
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong reconciles = new AtomicLong();

  /** What our own writes returned, used while the informers have not seen them yet. */
  private final Map<String, HasMetadata> written = new ConcurrentHashMap<>();

  private volatile boolean leading;
  private volatile boolean closed;
  private volatile boolean dirty = true;
  private volatile long reconciledRevision = -1;

  /** After a failed reconcile the revision poll waits (100 ms doubling to 30 s); worker only. */
  private volatile long retryAtNanos;

  private int failures;
  private SharedIndexInformer<ClusterRole> roles;
  private SharedIndexInformer<ClusterRoleBinding> bindings;
  private Subscription changeFeed;
  private volatile CompletableFuture<?> election;

  private RbacSync(KubernetesClient client, TenancyIndex index, RbacSyncOptions options) {
    this.client = client;
    this.index = index;
    this.options = options;
    this.worker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tenant-proxy-rbac-sync");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts watching the managed objects and running for leadership; reconciles while leading.
   * {@code index} must be started by the caller (it may still be syncing). Does not block.
   */
  public static RbacSync start(
      KubernetesClient client, TenancyIndex index, RbacSyncOptions options) {
    RbacSync s = new RbacSync(client, index, options);
    s.begin();
    return s;
  }

  private void begin() {
    ResourceEventHandler<HasMetadata> trigger =
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(HasMetadata obj) {
            changed();
          }

          @Override
          public void onUpdate(HasMetadata oldObj, HasMetadata newObj) {
            changed();
          }

          @Override
          public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) {
            // deleted (by hand or by the garbage collector): forget our copy so it is re-created
            written.remove(key(obj));
            changed();
          }
        };
    roles =
        client
            .rbac()
            .clusterRoles()
            .withLabel(DesiredRbac.MANAGED_BY_LABEL, DesiredRbac.MANAGED_BY_VALUE)
            .inform(cast(trigger), 0);
    bindings =
        client
            .rbac()
            .clusterRoleBindings()
            .withLabel(DesiredRbac.MANAGED_BY_LABEL, DesiredRbac.MANAGED_BY_VALUE)
            .inform(cast(trigger), 0);
    changeFeed = index.onVisibilityChange(change -> changed());
    // a tenant's owners can change without any namespace visibility change (no namespaces yet):
    // the revision poll catches every published snapshot; it costs one volatile read per tick
    worker.scheduleWithFixedDelay(this::tick, 100, 100, TimeUnit.MILLISECONDS);
    worker.scheduleWithFixedDelay(
        this::changed,
        options.resyncPeriod().toMillis(),
        options.resyncPeriod().toMillis(),
        TimeUnit.MILLISECONDS);
    runForLeadership();
  }

  @SuppressWarnings("unchecked")
  private static <T extends HasMetadata> ResourceEventHandler<T> cast(
      ResourceEventHandler<HasMetadata> h) {
    return (ResourceEventHandler<T>) (ResourceEventHandler<?>) h;
  }

  private void runForLeadership() {
    if (closed) {
      return;
    }
    var config =
        new LeaderElectionConfigBuilder()
            .withName(options.leaseName())
            .withLock(
                new LeaseLock(options.leaseNamespace(), options.leaseName(), options.identity()))
            .withLeaseDuration(options.leaseDuration())
            .withRenewDeadline(options.renewDeadline())
            .withRetryPeriod(options.retryPeriod())
            .withReleaseOnCancel(true)
            .withLeaderCallbacks(
                new LeaderCallbacks(
                    () -> {
                      LOG.info("rbac-sync: {} is the leader, reconciling", options.identity());
                      leading = true;
                      changed();
                    },
                    () -> {
                      LOG.info("rbac-sync: {} stopped leading", options.identity());
                      leading = false;
                    },
                    leader -> LOG.info("rbac-sync: leader is {}", leader)))
            .build();
    CompletableFuture<?> f = client.leaderElector().withConfig(config).build().start();
    election = f;
    // fabric8's elector ends after leadership is lost (or on an error): run again
    f.whenComplete(
        (v, e) -> {
          leading = false;
          if (e != null && !closed) {
            LOG.warn("rbac-sync: leader election ended: {}", e.toString());
          }
          if (!closed) {
            try {
              worker.schedule(
                  this::runForLeadership, options.retryPeriod().toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException ignored) {
              // closing
            }
          }
        });
  }

  /** Something changed: queue one reconcile (coalescing: at most one queued at any time). */
  private void changed() {
    dirty = true;
    if (!closed && queued.compareAndSet(false, true)) {
      try {
        worker.execute(this::reconcileSafely);
      } catch (RejectedExecutionException e) {
        queued.set(false); // closing
      }
    }
  }

  private void tick() {
    if (index.snapshot().revision() != reconciledRevision
        && System.nanoTime() - retryAtNanos >= 0) {
      changed();
    }
  }

  /** A reconcile failed: retry from the revision poll after a growing pause (bounded). */
  private void backOff() {
    dirty = true;
    failures = Math.min(failures + 1, 9);
    long ms = Math.min(100L << failures, 30_000L);
    retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
  }

  private void reconcileSafely() {
    queued.set(false);
    try {
      reconcile();
    } catch (RuntimeException e) {
      // the worker must survive: the next tick retries (dirty stays set)
      LOG.warn("rbac-sync: reconcile failed, retrying: {}", e.toString());
      backOff();
    }
  }

  private void reconcile() {
    if (closed
        || !leading
        || !index.isReady()
        || !roles.hasSynced()
        || !bindings.hasSynced()
        || !dirty) {
      return;
    }
    dirty = false;
    TenancySnapshot s = index.snapshot();
    reconciles.incrementAndGet();
    boolean failed = false;
    SortedMap<String, ClusterRole> wantRoles = DesiredRbac.roles(s, options.tenantObjects());
    Map<String, ClusterRole> haveRoles = byName(roles.getStore().list());
    SortedMap<String, ClusterRoleBinding> wantBindings = DesiredRbac.bindings(s);
    Map<String, ClusterRoleBinding> haveBindings = byName(bindings.getStore().list());
    // roles before bindings (a binding never points at a missing role) ...
    for (ClusterRole want : wantRoles.values()) {
      ClusterRole have =
          newest(
              ClusterRole.class,
              want.getMetadata().getName(),
              haveRoles.get(want.getMetadata().getName()));
      failed |= !write(() -> putRole(want, have), want);
    }
    for (ClusterRoleBinding want : wantBindings.values()) {
      ClusterRoleBinding have =
          newest(
              ClusterRoleBinding.class,
              want.getMetadata().getName(),
              haveBindings.get(want.getMetadata().getName()));
      failed |= !write(() -> putBinding(want, have), want);
    }
    // ... and bindings before roles when removing
    for (ClusterRoleBinding have : haveBindings.values()) {
      if (!wantBindings.containsKey(have.getMetadata().getName())) {
        failed |=
            !write(
                () -> {
                  client.rbac().clusterRoleBindings().resource(have).delete();
                  written.remove(key(have));
                  return true;
                },
                have);
      }
    }
    for (ClusterRole have : haveRoles.values()) {
      if (!wantRoles.containsKey(have.getMetadata().getName())) {
        failed |=
            !write(
                () -> {
                  client.rbac().clusterRoles().resource(have).delete();
                  written.remove(key(have));
                  return true;
                },
                have);
      }
    }
    if (failed) {
      backOff();
    } else {
      failures = 0;
      retryAtNanos = System.nanoTime();
      reconciledRevision = s.revision();
    }
  }

  private boolean putRole(ClusterRole want, ClusterRole have) {
    if (have == null) {
      try {
        remember(client.rbac().clusterRoles().resource(want).create());
        return true;
      } catch (KubernetesClientException e) {
        ClusterRole existing =
            e.getCode() == 409
                ? client.rbac().clusterRoles().withName(want.getMetadata().getName()).get()
                : null;
        if (existing == null) {
          throw e;
        }
        // exists without our label (removed by hand), so the informer cannot see it: take it back
        return putRole(want, existing);
      }
    }
    if (DesiredRbac.same(want, have)) {
      return false;
    }
    want.getMetadata().setResourceVersion(have.getMetadata().getResourceVersion());
    remember(client.rbac().clusterRoles().resource(want).update());
    return true;
  }

  private boolean putBinding(ClusterRoleBinding want, ClusterRoleBinding have) {
    if (have == null) {
      try {
        remember(client.rbac().clusterRoleBindings().resource(want).create());
        return true;
      } catch (KubernetesClientException e) {
        ClusterRoleBinding existing =
            e.getCode() == 409
                ? client.rbac().clusterRoleBindings().withName(want.getMetadata().getName()).get()
                : null;
        if (existing == null) {
          throw e;
        }
        return putBinding(want, existing);
      }
    }
    if (DesiredRbac.same(want, have)) {
      return false;
    }
    if (!want.getRoleRef().equals(have.getRoleRef())) {
      // roleRef is immutable: replace the binding
      client.rbac().clusterRoleBindings().resource(have).delete();
      writes.incrementAndGet();
      remember(client.rbac().clusterRoleBindings().resource(want).create());
      return true;
    }
    want.getMetadata().setResourceVersion(have.getMetadata().getResourceVersion());
    remember(client.rbac().clusterRoleBindings().resource(want).update());
    return true;
  }

  /** Runs one write; a conflict or failure is logged and retried by the next reconcile. */
  private boolean write(java.util.function.BooleanSupplier op, HasMetadata object) {
    try {
      if (op.getAsBoolean()) {
        writes.incrementAndGet();
      }
      return true;
    } catch (KubernetesClientException e) {
      LOG.warn(
          "rbac-sync: writing {} {} failed ({}), will retry: {}",
          object.getKind(),
          object.getMetadata().getName(),
          e.getCode(),
          e.getMessage());
      return false;
    }
  }

  private void remember(HasMetadata object) {
    written.put(key(object), object);
  }

  private static String key(HasMetadata o) {
    return o.getClass().getSimpleName() + "/" + o.getMetadata().getName();
  }

  /**
   * The informer's object, or what our last write returned when that is newer (the informer has not
   * delivered it yet): comparing with a stale copy would write again and fail with a conflict.
   */
  private <T extends HasMetadata> T newest(Class<T> type, String name, T fromStore) {
    HasMetadata ours = written.get(type.getSimpleName() + "/" + name);
    T mine = type.isInstance(ours) ? type.cast(ours) : null;
    if (fromStore == null) {
      // created by us and not delivered yet; or never created, or deleted (then mine is null)
      return mine;
    }
    return mine != null && rv(mine) > rv(fromStore) ? mine : fromStore;
  }

  private static long rv(HasMetadata o) {
    try {
      return Long.parseLong(o.getMetadata().getResourceVersion());
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private static <T extends HasMetadata> Map<String, T> byName(Iterable<T> objects) {
    Map<String, T> out = new HashMap<>();
    for (T o : objects) {
      out.put(o.getMetadata().getName(), o);
    }
    return out;
  }

  /** Whether this replica currently holds the lease (and so is the one that writes). */
  public boolean isLeader() {
    return leading;
  }

  /** API writes (create, update, delete) this replica has made. */
  public long writes() {
    return writes.get();
  }

  /** Reconciles run (each compares the whole desired state with the managed objects). */
  public long reconciles() {
    return reconciles.get();
  }

  /** The index revision last reconciled without a failed write, or -1. */
  public long reconciledRevision() {
    return reconciledRevision;
  }

  /** Stops writing, releases the lease, stops the informers; leaves the objects in place. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    leading = false;
    CompletableFuture<?> f = election;
    if (f != null) {
      f.cancel(true); // with releaseOnCancel the lease is released, so a peer takes over at once
    }
    if (changeFeed != null) {
      changeFeed.close();
    }
    worker.shutdown();
    try {
      worker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (roles != null) {
      roles.close();
    }
    if (bindings != null) {
      bindings.close();
    }
  }
}
