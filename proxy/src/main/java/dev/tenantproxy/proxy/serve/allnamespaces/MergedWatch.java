package dev.tenantproxy.proxy.serve.allnamespaces;

import dev.tenantproxy.filters.json.WatchFilter;
import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.proxy.serve.WatchOutput;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One all-namespaces watch: one upstream watch per visible namespace (made as the caller), merged
 * into one stream; namespaces joining the caller's view are watched from "now" (their objects
 * arrive as ADDED), namespaces leaving it are closed and every object sent from them gets a
 * DELETED. A watch from a client's resourceVersion {@code X} first lists each initial namespace at
 * {@code X} (what the client holds from it), so that those objects get their DELETED too. Confined
 * to the request's event loop. See the package DESIGN note.
 */
final class MergedWatch {

  /** Objects per page of a seed list. */
  static final int SEED_PAGE = 500;

  /** Lists one namespace as the caller (the seed: what the client holds from it). */
  @FunctionalInterface
  interface Seeder {
    Future<MergedList.Answer> list(String namespace, Map<String, String> params);
  }

  /** Opens one namespace's upstream watch as the caller. */
  @FunctionalInterface
  interface Opener {
    Future<HttpClientResponse> open(String namespace, Map<String, String> params);
  }

  /** What the client asked for. */
  record Params(
      Map<String, String> passThrough,
      String resourceVersion,
      boolean sendInitialEvents,
      boolean bookmarks,
      long timeoutMillis,
      long slowConsumerMillis,
      int maxEventBytes) {}

  /**
   * One namespace's upstream watch and what was sent from it: name → the smallest object a DELETED
   * of it needs (see {@link #deletable}), not the object.
   */
  private final class Source {
    final String namespace;
    final WatchFilter framing;
    final Map<String, byte[]> sent = new LinkedHashMap<>();
    HttpClientResponse response;
    long progress = -1;
    boolean initialDone;
    boolean closed;
    final boolean initial;

    Source(String namespace, boolean initial) {
      this.namespace = namespace;
      this.initial = initial;
      Predicate<dev.tenantproxy.filters.json.ItemMeta> own =
          m -> m.namespace().isEmpty() || m.namespace().equals(namespace);
      this.framing =
          WatchFilter.create(
              own, row -> row.object() == null || own.test(row.object()), params.maxEventBytes());
    }

    void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (response != null) {
        AllNamespaces.watchClosed();
        response.request().reset();
      }
    }
  }

  private final Vertx vertx;
  private final Opener opener;
  private final Seeder seeder;
  private final int concurrency;
  private int seedsInFlight;
  private final ArrayDeque<Runnable> seedQueue = new ArrayDeque<>();
  private KubeStatusException expired;
  private JsonArray seedColumns;
  private final List<byte[]> deletedBeforeStart = new ArrayList<>();
  private final Params params;
  private final WatchOutput out;
  private final Promise<Void> done = Promise.promise();
  private final Map<String, Source> sources = new TreeMap<>();
  private final Set<String> forbidden = new LinkedHashSet<>();
  private boolean ended;
  private boolean started;
  private boolean columnsSent;
  private boolean initialEndSent;
  private long lastBookmark = -1;
  private long slowTimer = -1;
  private long timeoutTimer = -1;
  private JsonObject bookmarkTemplate;
  private Runnable onEnd = () -> {};

  MergedWatch(
      Vertx vertx, Opener opener, Seeder seeder, int concurrency, Params params, WatchOutput out) {
    this.vertx = vertx;
    this.opener = opener;
    this.seeder = seeder;
    this.concurrency = Math.max(1, concurrency);
    this.params = params;
    this.out = out;
  }

  /** Runs {@code r} once when the watch ends (unsubscribe from the change feed, ...). */
  void onEnd(Runnable r) {
    this.onEnd = r;
  }

  Future<Void> done() {
    return done.future();
  }

  /**
   * Opens the initial namespaces' watches; {@code head} runs once every one has answered, with the
   * namespaces that refused (for a Warning), or fails with the first answer that is neither 200,
   * 403 nor 404 (the client gets it as the watch's answer).
   */
  Future<Set<String>> open(List<String> namespaces) {
    List<Future<?>> opening = new ArrayList<>();
    String rv = params.resourceVersion();
    boolean seed = !rv.isEmpty() && !rv.equals("0") && !params.sendInitialEvents();
    for (String ns : namespaces) {
      Source s = new Source(ns, true);
      sources.put(ns, s);
      opening.add(
          seed
              ? seed(s, "")
                  .compose(
                      seeded -> seeded ? openSource(s, rv, false) : Future.<Void>succeededFuture())
              : openSource(s, rv, params.sendInitialEvents()));
    }
    return Future.all(opening).map(v -> Set.copyOf(forbidden));
  }

  /**
   * Fills {@code s.sent} with what the client holds from the namespace at the client's
   * resourceVersion {@code X}: the namespace listed as the caller at {@code X} ({@code
   * resourceVersionMatch=Exact}, paginated). Completes with whether the namespace's watch is to be
   * opened (not when refused, gone, expired, or the watch ended meanwhile); fails with an answer
   * that is neither 200, 403, 404 nor 410.
   */
  private Future<Boolean> seed(Source s, String continueToken) {
    Map<String, String> p = new LinkedHashMap<>(params.passThrough());
    if (continueToken.isEmpty()) {
      p.put("resourceVersion", params.resourceVersion());
      p.put("resourceVersionMatch", "Exact");
    } else {
      p.put("continue", continueToken);
    }
    p.put("limit", Integer.toString(SEED_PAGE));
    return limited(() -> seeder.list(s.namespace, p))
        .compose(
            answer -> {
              if (s.closed || ended || expired != null) {
                return Future.succeededFuture(false);
              }
              switch (answer.status()) {
                case 200 -> {
                  NamespacePage page;
                  try {
                    page = NamespacePage.parse(answer.body(), s.namespace);
                  } catch (KubeStatusException e) {
                    return Future.failedFuture(e);
                  }
                  remember(s, page);
                  return page.continueToken().isEmpty()
                      ? Future.succeededFuture(true)
                      : seed(s, page.continueToken());
                }
                case 403 -> {
                  sources.remove(s.namespace, s);
                  forbidden.add(s.namespace);
                  retryLater(s.namespace);
                  return Future.succeededFuture(false);
                }
                case 404 -> {
                  sources.remove(s.namespace, s);
                  return Future.succeededFuture(false);
                }
                case 410 -> {
                  // X is compacted: the watch from X would answer ERROR 410; so does this one
                  expired = KubeStatusException.expired(statusMessage(answer.body()));
                  return Future.succeededFuture(false);
                }
                default -> {
                  return Future.failedFuture(
                      new UpstreamAnswer(answer.status(), answer.contentType(), answer.body()));
                }
              }
            })
        .recover(
            e -> {
              sources.remove(s.namespace, s);
              return Future.failedFuture(e);
            });
  }

  /** Runs {@code request} when fewer than {@code concurrency} seed requests are in flight. */
  private <T> Future<T> limited(Supplier<Future<T>> request) {
    Promise<T> result = Promise.promise();
    Runnable run =
        () -> {
          seedsInFlight++;
          Future<T> f;
          try {
            f = request.get();
          } catch (RuntimeException e) {
            f = Future.failedFuture(e);
          }
          f.onComplete(
              ar -> {
                seedsInFlight--;
                Runnable next = seedQueue.poll();
                if (next != null) {
                  next.run();
                }
                result.handle(ar);
              });
        };
    if (seedsInFlight < concurrency) {
      run.run();
    } else {
      seedQueue.add(run);
    }
    return result.future();
  }

  /** Remembers a seed page's objects as sent (each as the DELETED it may need). */
  private void remember(Source s, NamespacePage page) {
    boolean table = "Table".equals(page.kind());
    if (table && seedColumns == null && page.columnDefinitions() != null) {
      int[] c = page.columnDefinitions();
      seedColumns = new JsonArray(Buffer.buffer().appendBytes(page.body(), c[0], c[1] - c[0]));
    }
    // items of a List carry no kind / apiVersion: those of the list, without "List"
    String kind =
        page.kind().endsWith("List")
            ? page.kind().substring(0, page.kind().length() - "List".length())
            : page.kind();
    for (int[] e : page.elements()) {
      JsonObject element =
          new JsonObject(Buffer.buffer().appendBytes(page.body(), e[0], e[1] - e[0]));
      JsonObject object =
          table
              ? new JsonObject()
                  .put("kind", "Table")
                  .put("apiVersion", page.apiVersion())
                  .put("metadata", new JsonObject().put("resourceVersion", page.resourceVersion()))
                  .put("rows", new JsonArray().add(element))
              : element;
      if (!table) {
        if (object.getValue("kind") == null) {
          object.put("kind", kind);
        }
        if (object.getValue("apiVersion") == null) {
          object.put("apiVersion", page.apiVersion());
        }
      }
      s.sent.put(objectName(object), deletable(object));
    }
  }

  private static String statusMessage(byte[] body) {
    try {
      return new JsonObject(Buffer.buffer(body)).getString("message", "too old resource version");
    } catch (RuntimeException e) {
      return "too old resource version";
    }
  }

  /**
   * The part of an object a DELETED event needs, encoded: for an object its {@code apiVersion},
   * {@code kind} and {@code metadata.name / namespace / uid / resourceVersion} (clients key their
   * caches by namespace/name; fabric8 and client-go informers delete by that key, kubectl prints
   * it); for a Table event the Table with its one row (cells, and the row object's {@code metadata}
   * reduced the same way; no column definitions), at the row object's resourceVersion.
   */
  static byte[] deletable(JsonObject object) {
    if ("Table".equals(object.getString("kind"))) {
      JsonArray rows = object.getJsonArray("rows");
      JsonObject row = rows == null || rows.isEmpty() ? new JsonObject() : rows.getJsonObject(0);
      JsonObject slimRow = new JsonObject();
      if (row.getValue("cells") != null) {
        slimRow.put("cells", row.getValue("cells"));
      }
      String rv = object.getJsonObject("metadata", new JsonObject()).getString("resourceVersion");
      JsonObject rowObject = row.getJsonObject("object");
      if (rowObject != null) {
        JsonObject slim = slimObject(rowObject);
        slimRow.put("object", slim);
        String objectRv = slim.getJsonObject("metadata").getString("resourceVersion");
        rv = objectRv == null ? rv : objectRv;
      }
      JsonObject meta = new JsonObject();
      if (rv != null) {
        meta.put("resourceVersion", rv);
      }
      return new JsonObject()
          .put("kind", "Table")
          .put("apiVersion", object.getString("apiVersion", "meta.k8s.io/v1"))
          .put("metadata", meta)
          .put("rows", new JsonArray().add(slimRow))
          .toBuffer()
          .getBytes();
    }
    return slimObject(object).toBuffer().getBytes();
  }

  private static JsonObject slimObject(JsonObject object) {
    JsonObject meta = object.getJsonObject("metadata", new JsonObject());
    JsonObject slimMeta = new JsonObject();
    for (String field : new String[] {"name", "namespace", "uid", "resourceVersion"}) {
      if (meta.getValue(field) != null) {
        slimMeta.put(field, meta.getValue(field));
      }
    }
    JsonObject slim = new JsonObject();
    if (object.getValue("apiVersion") != null) {
      slim.put("apiVersion", object.getValue("apiVersion"));
    }
    if (object.getValue("kind") != null) {
      slim.put("kind", object.getValue("kind"));
    }
    return slim.put("metadata", slimMeta);
  }

  /**
   * The watch cannot continue the client's resourceVersion exactly: its only event, once started,
   * is ERROR with this Status (open no namespace then).
   */
  void expire(KubeStatusException status) {
    if (expired == null) {
      expired = status;
    }
  }

  /** Starts relaying (the response head is written). */
  void start() {
    started = true;
    out.drainHandler(v -> drained());
    if (params.timeoutMillis() > 0) {
      timeoutTimer = vertx.setTimer(params.timeoutMillis(), t -> end());
    }
    if (expired != null) {
      error(expired);
      return;
    }
    for (byte[] last : deletedBeforeStart) {
      send("DELETED", new JsonObject(Buffer.buffer(last)));
    }
    deletedBeforeStart.clear();
    for (Source s : new ArrayList<>(sources.values())) {
      relay(s);
    }
    maybeInitialEnd();
  }

  private Future<Void> openSource(Source s, String rv, boolean sendInitialEvents) {
    Map<String, String> p = new LinkedHashMap<>(params.passThrough());
    p.put("watch", "true");
    p.put("allowWatchBookmarks", "true");
    if (!rv.isEmpty()) {
      p.put("resourceVersion", rv);
    }
    if (sendInitialEvents) {
      p.put("sendInitialEvents", "true");
      p.put("resourceVersionMatch", "NotOlderThan");
    }
    return opener
        .open(s.namespace, p)
        .<Void>compose(
            resp -> {
              if (resp.statusCode() == 200) {
                resp.pause();
                if (s.closed || ended) {
                  resp.request().reset();
                  return Future.succeededFuture();
                }
                s.response = resp;
                AllNamespaces.watchOpened();
                if (started) {
                  relay(s);
                }
                return Future.succeededFuture();
              }
              return resp.body()
                  .<Void>compose(
                      body -> {
                        sources.remove(s.namespace);
                        if (resp.statusCode() == 403) {
                          if (s.initial) {
                            forbidden.add(s.namespace);
                          }
                          retryLater(s.namespace);
                          return Future.succeededFuture();
                        }
                        if (resp.statusCode() == 404) {
                          return Future.succeededFuture();
                        }
                        return Future.failedFuture(
                            new UpstreamAnswer(
                                resp.statusCode(),
                                resp.getHeader("Content-Type"),
                                body.getBytes()));
                      });
            })
        .recover(
            e -> {
              sources.remove(s.namespace);
              return Future.failedFuture(e);
            });
  }

  /** A non-200 answer to an upstream watch, relayed to the client before the stream starts. */
  static final class UpstreamAnswer extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String contentType;
    final transient byte[] body;

    UpstreamAnswer(int status, String contentType, byte[] body) {
      super("upstream answered " + status, null, false, false);
      this.status = status;
      this.contentType = contentType;
      this.body = body;
    }
  }

  private void relay(Source s) {
    HttpClientResponse resp = s.response;
    if (resp == null || s.closed) {
      return;
    }
    resp.handler(chunk -> onChunk(s, chunk));
    resp.endHandler(v -> sourceEnded(s));
    resp.exceptionHandler(e -> sourceEnded(s));
    if (!out.writeQueueFull()) {
      resp.resume();
    }
  }

  private void sourceEnded(Source s) {
    if (s.closed || ended) {
      return;
    }
    // the API server ended this namespace's watch (its timeout, a restart): end the merged watch
    // cleanly; the client watches again from the last resourceVersion it saw
    end();
  }

  private void onChunk(Source s, Buffer chunk) {
    if (s.closed || ended) {
      return;
    }
    byte[] kept;
    try {
      kept = s.framing.feed(chunk.getBytes());
    } catch (KubeStatusException e) {
      error(KubeStatusException.internal("the API server's watch stream is not JSON"));
      return;
    }
    int start = 0;
    for (int i = 0; i < kept.length; i++) {
      if (kept[i] == '\n') {
        if (i > start) {
          onEvent(s, new JsonObject(Buffer.buffer().appendBytes(kept, start, i - start)));
          if (ended || s.closed) {
            return;
          }
        }
        start = i + 1;
      }
    }
  }

  private void onEvent(Source s, JsonObject event) {
    String type = event.getString("type", "");
    JsonObject object = event.getJsonObject("object", new JsonObject());
    JsonObject meta = object.getJsonObject("metadata", new JsonObject());
    long rv = parseRv(meta.getString("resourceVersion"));
    switch (type) {
      case "BOOKMARK" -> {
        if (rv >= 0) {
          s.progress = Math.max(s.progress, rv);
        }
        if (bookmarkTemplate == null) {
          bookmarkTemplate = object.copy();
        }
        JsonObject annotations = meta.getJsonObject("annotations");
        if (annotations != null
            && "true".equals(annotations.getString("k8s.io/initial-events-end"))) {
          s.initialDone = true;
          maybeInitialEnd();
        } else {
          maybeBookmark();
        }
      }
      case "ERROR" -> {
        Integer code = object.getInteger("code");
        String message = object.getString("message", "");
        error(
            code != null && code == 410
                ? KubeStatusException.expired(message)
                : new KubeStatusException(
                    code == null ? 500 : code,
                    object.getString("reason", "InternalError"),
                    message,
                    null,
                    null,
                    null));
      }
      case "ADDED", "MODIFIED", "DELETED" -> {
        if (rv >= 0) {
          s.progress = Math.max(s.progress, rv);
        }
        String name = objectName(object);
        if (type.equals("DELETED")) {
          s.sent.remove(name);
        } else {
          s.sent.put(name, deletable(object));
        }
        send(type, object);
      }
      default -> {}
    }
  }

  private void send(String type, JsonObject object) {
    if ("Table".equals(object.getString("kind"))) {
      if (columnsSent) {
        object.putNull("columnDefinitions");
      } else {
        if (object.getValue("columnDefinitions") == null && seedColumns != null) {
          // a seeded DELETED is the first Table event: the columns of the seed list
          object.put("columnDefinitions", seedColumns.copy());
        }
        columnsSent = object.getValue("columnDefinitions") != null;
      }
    }
    write(new JsonObject().put("type", type).put("object", object));
  }

  private void write(JsonObject event) {
    if (ended) {
      return;
    }
    out.write(event.toBuffer().appendByte((byte) '\n'));
    if (out.writeQueueFull()) {
      for (Source s : sources.values()) {
        if (s.response != null) {
          s.response.pause();
        }
      }
      if (slowTimer < 0) {
        slowTimer =
            vertx.setTimer(
                params.slowConsumerMillis(),
                t -> {
                  slowTimer = -1;
                  if (out.writeQueueFull()) {
                    error(
                        KubeStatusException.expired(
                            "too old resource version: the client did not read its watch for "
                                + params.slowConsumerMillis()
                                + " ms; re-list"));
                  }
                });
      }
    }
  }

  private void drained() {
    if (ended) {
      return;
    }
    if (slowTimer >= 0) {
      vertx.cancelTimer(slowTimer);
      slowTimer = -1;
    }
    for (Source s : sources.values()) {
      if (s.response != null && !s.closed) {
        s.response.resume();
      }
    }
  }

  private long minProgress() {
    long min = Long.MAX_VALUE;
    for (Source s : sources.values()) {
      if (s.response == null || s.progress < 0) {
        return -1;
      }
      min = Math.min(min, s.progress);
    }
    return min == Long.MAX_VALUE ? -1 : min;
  }

  /** A merged BOOKMARK at the smallest resourceVersion every namespace has reached. */
  private void maybeBookmark() {
    if (!params.bookmarks() || (params.sendInitialEvents() && !initialEndSent)) {
      return;
    }
    long min = minProgress();
    if (min > lastBookmark) {
      lastBookmark = min;
      write(new JsonObject().put("type", "BOOKMARK").put("object", bookmark(min, false)));
    }
  }

  private void maybeInitialEnd() {
    if (!started || !params.sendInitialEvents() || initialEndSent) {
      return;
    }
    for (Source s : sources.values()) {
      if (s.initial && !s.initialDone) {
        return;
      }
    }
    initialEndSent = true;
    long min = Math.max(0, minProgress());
    lastBookmark = min;
    write(new JsonObject().put("type", "BOOKMARK").put("object", bookmark(min, true)));
  }

  private JsonObject bookmark(long rv, boolean initialEnd) {
    JsonObject o = bookmarkTemplate == null ? new JsonObject() : bookmarkTemplate.copy();
    JsonObject meta = new JsonObject().put("resourceVersion", Long.toString(rv));
    if (initialEnd) {
      meta.put("annotations", new JsonObject().put("k8s.io/initial-events-end", "true"));
    }
    o.put("metadata", meta);
    return o;
  }

  // ---- the caller's view changes ------------------------------------------------------------

  /**
   * The caller's RBAC refused the namespace's watch: try again later while the namespace stays
   * visible (Capsule grants the owners' RoleBindings just after a namespace joins a tenant, so the
   * first attempt of a joining namespace is often refused). Backs off from 200 ms to 30 s.
   */
  private void retryLater(String namespace) {
    long delay = retryDelays.merge(namespace, 200L, (old, x) -> Math.min(30_000L, old * 2));
    vertx.setTimer(
        delay,
        t -> {
          if (!ended && !sources.containsKey(namespace) && stillVisible.test(namespace)) {
            join(namespace);
          }
        });
  }

  private final Map<String, Long> retryDelays = new java.util.HashMap<>();
  private Predicate<String> stillVisible = ns -> false;

  /** Whether a namespace is (still) in the caller's view; for retries of refused namespaces. */
  void visibility(Predicate<String> visible) {
    this.stillVisible = visible;
  }

  /** The namespace is visible to the caller now: watch it from now (its objects as ADDED). */
  void join(String namespace) {
    if (ended || sources.containsKey(namespace)) {
      return;
    }
    Source s = new Source(namespace, false);
    sources.put(namespace, s);
    s.initialDone = true;
    openSource(s, "", false).onFailure(e -> sources.remove(namespace, s));
  }

  /** The namespace left the caller's view: close its watch, DELETED for what was sent from it. */
  void leave(String namespace) {
    Source s = sources.remove(namespace);
    if (s == null || ended) {
      return;
    }
    s.close();
    for (byte[] last : s.sent.values()) {
      if (started) {
        send("DELETED", new JsonObject(Buffer.buffer(last)));
      } else {
        // seeded, and left before the response head: written first once the watch starts
        deletedBeforeStart.add(last);
      }
    }
    s.sent.clear();
    maybeInitialEnd();
  }

  boolean watches(String namespace) {
    return sources.containsKey(namespace);
  }

  // ---- ending -------------------------------------------------------------------------------

  private void error(KubeStatusException status) {
    if (ended) {
      return;
    }
    JsonObject st = new JsonObject(Buffer.buffer(status.toStatusJson()));
    out.write(
        new JsonObject().put("type", "ERROR").put("object", st).toBuffer().appendByte((byte) '\n'));
    end();
  }

  /** Ends the watch cleanly (timeout, shutdown, an upstream end). */
  void end() {
    if (ended) {
      return;
    }
    out.end();
    stop();
  }

  /** The client went away: stop without writing. */
  void closed() {
    stop();
  }

  private void stop() {
    if (ended) {
      return;
    }
    ended = true;
    for (long t : new long[] {slowTimer, timeoutTimer}) {
      if (t >= 0) {
        vertx.cancelTimer(t);
      }
    }
    sources.values().forEach(Source::close);
    sources.clear();
    onEnd.run();
    done.tryComplete();
  }

  private static String objectName(JsonObject object) {
    if ("Table".equals(object.getString("kind"))) {
      var rows = object.getJsonArray("rows");
      if (rows != null && !rows.isEmpty()) {
        JsonObject row = rows.getJsonObject(0);
        JsonObject o = row.getJsonObject("object");
        if (o != null && o.getJsonObject("metadata") != null) {
          return o.getJsonObject("metadata").getString("name", "");
        }
        var cells = row.getJsonArray("cells");
        return cells == null || cells.isEmpty() ? "" : String.valueOf(cells.getValue(0));
      }
    }
    JsonObject meta = object.getJsonObject("metadata");
    return meta == null ? "" : meta.getString("name", "");
  }

  private static long parseRv(String rv) {
    if (rv == null) {
      return -1;
    }
    try {
      return Long.parseLong(rv);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
