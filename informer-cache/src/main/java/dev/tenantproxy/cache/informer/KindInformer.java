package dev.tenantproxy.cache.informer;

import dev.tenantproxy.cache.watchcache.CachedObject;
import dev.tenantproxy.cache.watchcache.EventType;
import dev.tenantproxy.filters.tenancy.TenancyObject;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.internal.HasMetadataOperationsImpl;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thin wrapper around one fabric8 shared informer of one kind, decoding into {@link WireObject}
 * (see package-info): converts every callback into an immutable change on fabric8's thread and
 * hands it to the writer; logs and retries on errors; reports health.
 */
final class KindInformer {
  private static final Logger LOG = LoggerFactory.getLogger(KindInformer.class);

  /** How long a synced informer may be without an open watch before the index is not ready. */
  static final Duration WATCH_GRACE = Duration.ofSeconds(2);

  private final ResourceKind kind;
  private final boolean required;
  private final KubernetesClient client;
  private final IndexWriter writer;
  private final LongSupplier nanoTime;
  private final long pageSize;
  private volatile SharedIndexInformer<WireObject> informer;
  private volatile Generation generation;
  private volatile String lastError;
  private volatile Instant lastErrorAt;
  // nanoTime since when the synced informer has had no open watch; UNSET while it has one (not -1
  // or "< 0": System.nanoTime() may be negative, its origin is arbitrary)
  private static final long UNSET = Long.MIN_VALUE;
  private volatile long unwatchedSince = UNSET;
  // nanoTime of fabric8's latest reported failure; UNSET before the first
  private volatile long failedAt = UNSET;

  KindInformer(
      ResourceKind kind,
      boolean required,
      KubernetesClient client,
      IndexWriter writer,
      int pageSize) {
    this(kind, required, client, writer, pageSize, System::nanoTime);
  }

  /** As above, with the clock {@link #following()} measures the grace by (tests). */
  KindInformer(
      ResourceKind kind,
      boolean required,
      KubernetesClient client,
      IndexWriter writer,
      int pageSize,
      LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.kind = kind;
    this.pageSize = pageSize;
    this.required = required;
    this.client = client;
    this.writer = writer;
  }

  ResourceKind kind() {
    return kind;
  }

  boolean required() {
    return required;
  }

  /** Starts a fresh informer; the future completes when its first list has been applied. */
  synchronized CompletableFuture<Void> start() {
    if (generation != null && !generation.stopped) {
      return generation.synced;
    }
    Generation g = new Generation(kind);
    // as client.genericKubernetesResources(context), but decoding into WireObject (package-info)
    var operation =
        new HasMetadataOperationsImpl<>(
            client, kind.context(), WireObject.class, WireObject.Page.class);
    SharedIndexInformer<WireObject> inf =
        kind.namespaced()
            ? operation.inAnyNamespace().withLimit(pageSize).runnableInformer(0)
            : operation.withLimit(pageSize).runnableInformer(0);
    inf.itemStore(new SlimItemStore());
    inf.addEventHandler(new Handler(g));
    inf.exceptionHandler(this::onException);
    generation = g;
    informer = inf;
    inf.start();
    return g.synced;
  }

  synchronized void stop() {
    Generation g = generation;
    if (g != null) {
      g.stopped = true;
      g.synced.cancel(false);
    }
    SharedIndexInformer<WireObject> inf = informer;
    if (inf != null) {
      inf.stop();
    }
  }

  boolean synced() {
    Generation g = generation;
    return g != null && !g.stopped && g.synced.isDone() && !g.synced.isCompletedExceptionally();
  }

  /**
   * Synced and following its watch: false once a synced informer has been without an open watch for
   * {@link #WATCH_GRACE} (the API server is down or unreachable: the index ages), true again as
   * soon as fabric8 watches again. A normal watch restart (server timeout) is shorter than the
   * grace and does not flap readiness. A loss is dated from the failure fabric8 reported for it
   * when that is at most the grace old, else from the first call that sees it: a failure of an
   * earlier loss that ended while nobody asked must not date a later one. Called on an event loop:
   * reads volatile state only.
   */
  boolean following() {
    if (!synced()) {
      return false;
    }
    SharedIndexInformer<WireObject> inf = informer;
    if (inf != null && inf.isWatching()) {
      unwatchedSince = UNSET;
      return true;
    }
    long now = nanoTime.getAsLong();
    long since = unwatchedSince;
    if (since == UNSET) {
      // the loss started at the failure fabric8 reported for it, if that is recent; an older
      // failure belongs to an earlier loss that ended unobserved (nobody asked while it watched)
      long failed = failedAt;
      since = failed != UNSET && now - failed < WATCH_GRACE.toNanos() ? failed : now;
      unwatchedSince = since;
    }
    return now - since < WATCH_GRACE.toNanos();
  }

  InformerHealth health() {
    Generation g = generation;
    SharedIndexInformer<WireObject> inf = informer;
    Instant listed = g == null ? null : g.lastListAt;
    Instant failed = lastErrorAt;
    boolean retrying = failed != null && (listed == null || failed.isAfter(listed));
    return new InformerHealth(
        kind.displayName(),
        required,
        synced(),
        inf != null && inf.isWatching(),
        retrying,
        lastError,
        failed);
  }

  private boolean onException(boolean started, Throwable t) {
    String message = describe(t);
    lastError = message;
    lastErrorAt = Instant.now();
    failedAt = nanoTime.getAsLong();
    LOG.warn("informer for {}: {} (retrying)", kind.displayName(), message);
    return true;
  }

  private String describe(Throwable failure) {
    Throwable t = failure;
    while (!(t instanceof KubernetesClientException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof KubernetesClientException k) {
      if (k.getCode() == 404) {
        return "the API server does not serve "
            + kind.displayName()
            + " (404 Not Found): is its CustomResourceDefinition installed?";
      }
      if (k.getCode() == 403) {
        return "forbidden to list/watch "
            + kind.displayName()
            + " (403): grant the proxy's identity list and watch on it";
      }
    }
    return failure.getClass().getSimpleName() + ": " + failure.getMessage();
  }

  private IndexWriter.Change convert(WireObject r) {
    TenancyObject model = Extractors.model(kind, r);
    CachedObject object = null;
    if (writer.cache(kind) != null) {
      object = Extractors.cached(kind, r, r.json(kind));
    }
    return new IndexWriter.Change(Extractors.key(r), model, object);
  }

  /** fabric8 calls these on its own (serialized) thread for this informer. */
  private final class Handler implements ResourceEventHandler<WireObject> {
    private final Generation g;

    Handler(Generation g) {
      this.g = g;
    }

    @Override
    public void onAdd(WireObject r) {
      handle(EventType.ADDED, r);
    }

    @Override
    public void onUpdate(WireObject old, WireObject r) {
      handle(EventType.MODIFIED, r);
    }

    @Override
    public void onDelete(WireObject r, boolean finalStateUnknown) {
      handle(EventType.DELETED, r);
    }

    @Override
    public void onBeforeList(String resourceVersion) {
      writer.submitBeginList(g);
    }

    @Override
    public void onList(String resourceVersion, boolean empty) {
      writer.submitEndList(g, resourceVersion);
    }

    private void handle(EventType type, WireObject r) {
      try {
        writer.submit(g, type, convert(r));
      } catch (RuntimeException e) {
        lastError = "cannot read " + kind.plural() + " " + Extractors.key(r) + ": " + e;
        lastErrorAt = Instant.now();
        LOG.error("informer for {}: skipping an event it cannot read", kind.displayName(), e);
      }
    }
  }
}
