package dev.tenantproxy.proxy.serve.allnamespaces;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.request.ListOptions;
import dev.tenantproxy.filters.request.ResourceRequest;
import dev.tenantproxy.filters.request.ResponseFormat;
import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.visibility.Visibility;
import dev.tenantproxy.proxy.serve.WatchOutput;
import dev.tenantproxy.proxy.server.Decision;
import dev.tenantproxy.proxy.server.FilterChain;
import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.server.ProxyFilter;
import dev.tenantproxy.proxy.server.RequestAttributes;
import dev.tenantproxy.proxy.upstream.RequestBody;
import dev.tenantproxy.proxy.upstream.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.function.Supplier;

/**
 * The serving filter for all-namespaces reads: a Capsule user's cluster-scope {@code GET} of a
 * namespaced kind (found in the API server's discovery) is answered by merging per-namespace
 * requests made as the caller over the namespaces the index shows it. Everything else (other
 * callers, named objects, namespaced paths, cluster-scoped or unknown kinds, subresources, writes)
 * goes on down the onion unchanged. See the package DESIGN note.
 */
public final class AllNamespacesFilter implements ProxyFilter {
  private final Supplier<TenancySnapshot> snapshots;
  private final ApiResources resources;
  private final Upstream upstream;
  private final AllNamespaces.Options options;
  private final UpstreamCounter counter;
  private final VisibilityFeed feed;
  private final ViewHistory history;
  private final Map<MergedWatch, io.vertx.core.Context> openWatches =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Ends every open merged watch cleanly, each on its own context (graceful shutdown). */
  public void endAllWatches() {
    openWatches.forEach((w, context) -> context.runOnContext(v -> w.end()));
  }

  /** Merged watches open right now. */
  public int openWatches() {
    return openWatches.size();
  }

  /** Tells a watch that a namespace's visibility may have changed (on the watch's context). */
  public interface VisibilityFeed {
    /**
     * @return closes the subscription
     */
    Runnable subscribe(
        io.vertx.core.Context context, java.util.function.Consumer<String> namespace);
  }

  /**
   * Whether a caller's view of namespaces may have changed after a resourceVersion: a namespace
   * left (or joined) it later, or the history does not reach back that far (the namespaces watch
   * hub's record, {@code WatchHub.viewChangedAfter}). See the package DESIGN note, "Resuming".
   */
  public interface ViewHistory {
    java.util.concurrent.CompletionStage<Boolean> changedAfter(Caller caller, long resourceVersion);
  }

  /** Counts the upstream requests this filter makes (for metrics and the benchmark). */
  public interface UpstreamCounter {
    void upstreamRequest();
  }

  AllNamespacesFilter(
      Supplier<TenancySnapshot> snapshots,
      ApiResources resources,
      Upstream upstream,
      AllNamespaces.Options options,
      UpstreamCounter counter,
      VisibilityFeed feed,
      ViewHistory history) {
    this.feed = feed;
    this.history = history;
    this.snapshots = snapshots;
    this.resources = resources;
    this.upstream = upstream;
    this.options = options;
    this.counter = counter;
  }

  /**
   * Whether a Capsule user's {@code verb} (list or watch) of {@code group/resource} at cluster
   * scope is served here (the kind is namespaced and the API server lists / watches it); for access
   * reviews. {@code version} may be empty (the group's preferred version is used). Resource {@code
   * *} with group {@code ""} or {@code *} (Lens's {@code watch *}) stands for every namespaced
   * kind.
   */
  public Future<Boolean> serves(String group, String version, String resource, String verb) {
    if (!verb.equals("list") && !verb.equals("watch")) {
      return Future.succeededFuture(false);
    }
    if (resource.equals("*")) {
      // every namespaced kind of the core group (or of every group) at cluster scope: each one the
      // API server's discovery lists is served (see the access reviews' DESIGN note for the
      // cluster-scoped kinds "*" also names)
      return Future.succeededFuture(group.isEmpty() || group.equals("*"));
    }
    return resources
        .namespacedInGroup(group, version, resource)
        .map(
            found ->
                found.isPresent()
                    && (verb.equals("list") ? found.get().lists() : found.get().watches()));
  }

  /**
   * The discovery this filter reads (shared with the cluster-scoped kinds served on demand, so one
   * cache of the API server's discovery serves both).
   */
  public ApiResources discovery() {
    return resources;
  }

  @Override
  public Future<Void> handle(ProxyExchange exchange, FilterChain chain) {
    Caller caller = exchange.caller();
    RequestAttributes a = exchange.attributes();
    HttpServerRequest req = exchange.request();
    if (caller == null
        || req.method() != HttpMethod.GET
        || !a.resourceRequest()
        || !a.namespace().isEmpty()
        || !a.name().isEmpty()
        || !a.subresource().isEmpty()
        || a.resource().isEmpty()) {
      return chain.next(exchange);
    }
    TenancySnapshot snapshot = snapshots.get();
    if (snapshot == null || !Visibility.isCapsuleUser(snapshot, caller)) {
      return chain.next(exchange);
    }
    return resources
        .namespaced(a.apiGroup(), a.apiVersion(), a.resource())
        .compose(
            found -> {
              if (found.isEmpty() || !(a.isWatch() ? found.get().watches() : found.get().lists())) {
                return chain.next(exchange);
              }
              return a.isWatch()
                  ? watch(exchange, caller, found.get())
                  : list(exchange, snapshot, caller, found.get());
            });
  }

  private Future<Void> list(
      ProxyExchange exchange, TenancySnapshot snapshot, Caller caller, ApiResources.Resource kind) {
    HttpServerRequest req = exchange.request();
    exchange.decide(Decision.SERVED);
    exchange.resumeRequest();
    ResourceRequest rr;
    try {
      rr = jsonRequest(req);
    } catch (KubeStatusException e) {
      return exchange.fail(e);
    }
    ResponseFormat format = rr.format();
    ListOptions o = rr.listOptions();
    SortedSet<String> visible = Visibility.visibleNamespaces(snapshot, caller);
    MergeToken resume = null;
    List<String> order = new ArrayList<>(visible);
    if (!o.continueToken().isEmpty()) {
      try {
        resume = MergeToken.decode(o.continueToken());
      } catch (KubeStatusException e) {
        return exchange.fail(e);
      }
      order = new ArrayList<>(visible.tailSet(resume.namespace()));
    }
    Map<String, String> params = new LinkedHashMap<>();
    if (!o.labelSelectorRaw().isEmpty()) {
      params.put("labelSelector", o.labelSelectorRaw());
    }
    if (!o.fieldSelectorRaw().isEmpty()) {
      params.put("fieldSelector", o.fieldSelectorRaw());
    }
    String includeObject = rr.query().first("includeObject");
    if (includeObject != null && format.isTable()) {
      params.put("includeObject", includeObject);
    }
    if (o.timeoutSeconds() != null) {
      params.put("timeoutSeconds", Long.toString(o.timeoutSeconds()));
    }
    MergedList.Plan plan =
        new MergedList.Plan(
            order,
            resume,
            o.limit(),
            resume == null ? o.resourceVersion() : "",
            resume == null ? o.resourceVersionMatch() : "",
            params,
            kind.resource(),
            emptyEnvelope(kind, format));
    String accept = upstreamAccept(format);
    String userAgent = req.getHeader(HttpHeaders.USER_AGENT);
    MergedList.Fetcher fetcher = (ns, p) -> fetch(kind, ns, p, caller, accept, userAgent);
    return new MergedList(
            exchange.response(),
            req.version() != io.vertx.core.http.HttpVersion.HTTP_2,
            fetcher,
            plan,
            options.concurrency(),
            options.maxHeldBytes())
        .run();
  }

  /**
   * The request, classified; merged answers are written as JSON (or a Table in JSON), so a client
   * that accepts only protobuf gets the API server's 406.
   */
  private static ResourceRequest jsonRequest(HttpServerRequest req) throws KubeStatusException {
    ResourceRequest rr =
        ResourceRequest.classify(
            req.method().name(),
            req.path(),
            req.query(),
            req.getHeader(HttpHeaders.ACCEPT),
            req.getHeader(HttpHeaders.CONTENT_TYPE));
    if (rr.format().binaryOnly()) {
      throw KubeStatusException.notAcceptable(
          "only the following media types are accepted: application/json");
    }
    return rr;
  }

  private Future<Void> watch(ProxyExchange exchange, Caller caller, ApiResources.Resource kind) {
    HttpServerRequest req = exchange.request();
    exchange.decide(Decision.SERVED);
    // a WebSocket upgrade reads the (empty) request itself once the upstream watches answered, so
    // that the 101 can carry the Warning; every other request is resumed now
    boolean webSocket = "websocket".equalsIgnoreCase(req.getHeader(HttpHeaders.UPGRADE));
    if (!webSocket) {
      exchange.resumeRequest();
    }
    ResourceRequest rr;
    try {
      rr = jsonRequest(req);
    } catch (KubeStatusException e) {
      exchange.resumeRequest();
      return exchange.fail(e);
    }
    ResponseFormat format = rr.format();
    ListOptions o = rr.listOptions();
    if (o.isWatchList() && !o.allowWatchBookmarks()) {
      exchange.resumeRequest();
      return exchange.fail(
          KubeStatusException.badRequest(
              "allowWatchBookmarks: Forbidden: allowWatchBookmarks must be set to true when"
                  + " sendInitialEvents is set"));
    }
    Map<String, String> params = new LinkedHashMap<>();
    if (!o.labelSelectorRaw().isEmpty()) {
      params.put("labelSelector", o.labelSelectorRaw());
    }
    if (!o.fieldSelectorRaw().isEmpty()) {
      params.put("fieldSelector", o.fieldSelectorRaw());
    }
    String includeObject = rr.query().first("includeObject");
    if (includeObject != null && format.isTable()) {
      params.put("includeObject", includeObject);
    }
    long timeout =
        o.timeoutSeconds() != null && o.timeoutSeconds() > 0
            ? o.timeoutSeconds() * 1000
            : options.minWatchTimeout().toMillis()
                + java.util.concurrent.ThreadLocalRandom.current()
                    .nextLong(Math.max(1, options.minWatchTimeout().toMillis()));
    MergedWatch.Params wp =
        new MergedWatch.Params(
            params,
            o.resourceVersion(),
            o.isWatchList(),
            o.allowWatchBookmarks(),
            timeout,
            options.slowConsumer().toMillis(),
            options.maxEventBytes());
    String accept = upstreamAccept(format);
    String userAgent = req.getHeader(HttpHeaders.USER_AGENT);
    MergedWatch.Opener opener = (ns, p) -> openWatch(kind, ns, p, caller, accept, userAgent);
    MergedWatch.Seeder seeder = (ns, p) -> fetch(kind, ns, p, caller, accept, userAgent);
    io.vertx.core.Context context = exchange.context();
    Promise<Void> done = Promise.promise();
    HttpServerResponse response = req.response();
    // the WebSocket exists only after the upgrade: the watch writes to it once bound (it writes
    // nothing before start())
    WatchOutput.Deferred deferred = webSocket ? new WatchOutput.Deferred() : null;
    MergedWatch w =
        new MergedWatch(
            context.owner(),
            opener,
            seeder,
            options.concurrency(),
            wp,
            webSocket ? deferred : WatchOutput.of(response));
    response.closeHandler(v -> w.closed());
    resumable(o.resourceVersion(), o.isWatchList())
        .map(rv -> begin(w, context, caller, rv))
        .orElseGet(() -> begin(w, context, caller))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                exchange.resumeRequest();
                if (ar.cause() instanceof MergedWatch.UpstreamAnswer ua && !response.closed()) {
                  response
                      .setStatusCode(ua.status)
                      .putHeader(
                          HttpHeaders.CONTENT_TYPE,
                          ua.contentType == null ? "application/json" : ua.contentType)
                      .end(Buffer.buffer(ua.body))
                      .onComplete(x -> done.tryComplete());
                } else {
                  done.tryFail(ar.cause());
                }
                return;
              }
              if (response.closed()) {
                w.closed();
                done.tryComplete();
                return;
              }
              if (w.done().isComplete()) {
                // ended (shutdown) before its head: a watch that ended at once
                exchange.resumeRequest();
                if (!response.ended()) {
                  response.end();
                }
                done.tryComplete();
                return;
              }
              // namespaces the caller's RBAC refused: on the response head, the 101 of a
              // WebSocket included (kubectl ignores headers there; other clients may read them)
              if (!ar.result().isEmpty()) {
                response.putHeader(
                    "Warning", MergedList.forbiddenWarning(kind.resource(), ar.result()));
              }
              if (webSocket) {
                req.toWebSocket()
                    .onFailure(
                        e -> {
                          w.closed();
                          done.tryFail(
                              KubeStatusException.badRequest(
                                  "websocket upgrade failed: " + e.getMessage()));
                        })
                    .onSuccess(
                        ws -> {
                          deferred.bind(WatchOutput.of(ws));
                          ws.closeHandler(v -> w.closed());
                          ws.exceptionHandler(e -> w.closed());
                          w.start();
                          w.done().onComplete(x -> done.tryComplete());
                        });
                return;
              }
              response.setStatusCode(200);
              if (req.version() != io.vertx.core.http.HttpVersion.HTTP_2) {
                response.setChunked(true);
              }
              response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
              response.putHeader(HttpHeaders.CACHE_CONTROL, "no-cache, private");
              response.writeHead();
              w.start();
              w.done().onComplete(x -> done.tryComplete());
            });
    return done.future();
  }

  /**
   * The client's resourceVersion when the watch resumes from it (the client holds its view at that
   * revision; the seed's condition), else empty. A resourceVersion that is not a number is left to
   * the API server (its answer to the seed).
   */
  static java.util.Optional<Long> resumable(String resourceVersion, boolean watchList) {
    if (resourceVersion.isEmpty() || resourceVersion.equals("0") || watchList) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(Long.parseLong(resourceVersion));
    } catch (NumberFormatException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * A watch resumed at {@code rv}: the caller's visible namespaces are read, the namespaces hub is
   * asked whether the view changed after {@code rv}; then the watch begins as any other, unless the
   * view changed after {@code rv} (per the hub, or between the two reads of the visible set around
   * the question): then it opens no namespace and its only event is ERROR 410, as the API server's
   * watch from a too-old resourceVersion (the client re-lists). See the package DESIGN note,
   * "Resuming".
   */
  private Future<java.util.Set<String>> begin(
      MergedWatch w, io.vertx.core.Context context, Caller caller, long rv) {
    // open from now on (a graceful shutdown ends it while it asks); begin() below re-registers
    openWatches.put(w, context);
    w.onEnd(() -> openWatches.remove(w));
    java.util.Set<String> before = visibleNow(caller);
    return Future.fromCompletionStage(history.changedAfter(caller, rv), context)
        .otherwise(true)
        .compose(
            changed -> {
              if (w.done().isComplete()) {
                // the client went away (or shutdown) while asking: nothing to open or subscribe
                return Future.succeededFuture(java.util.Set.<String>of());
              }
              if (changed || !before.equals(visibleNow(caller))) {
                w.expire(
                    KubeStatusException.expired(
                        "too old resource version: "
                            + rv
                            + " (the caller's namespaces changed since; list again)"));
                w.visibility(ns -> false);
                return w.open(List.of());
              }
              return begin(w, context, caller);
            });
  }

  private java.util.Set<String> visibleNow(Caller caller) {
    TenancySnapshot snapshot = snapshots.get();
    return snapshot == null
        ? java.util.Set.of()
        : java.util.Set.copyOf(Visibility.visibleNamespaces(snapshot, caller));
  }

  /**
   * Subscribes the watch to visibility changes, then opens the namespaces visible now (a change in
   * between is re-decided against the current snapshot, so nothing is missed).
   */
  private Future<java.util.Set<String>> begin(
      MergedWatch w, io.vertx.core.Context context, Caller caller) {
    Runnable unsubscribe =
        feed.subscribe(
            context,
            ns -> {
              TenancySnapshot now = snapshots.get();
              boolean sees = now != null && Visibility.canSee(now, caller, ns);
              if (sees && !w.watches(ns)) {
                w.join(ns);
              } else if (!sees && w.watches(ns)) {
                w.leave(ns);
              }
            });
    openWatches.put(w, context);
    w.onEnd(
        () -> {
          openWatches.remove(w);
          unsubscribe.run();
        });
    w.visibility(
        ns -> {
          TenancySnapshot now = snapshots.get();
          return now != null && Visibility.canSee(now, caller, ns);
        });
    TenancySnapshot snapshot = snapshots.get();
    List<String> visible =
        snapshot == null
            ? List.of()
            : new ArrayList<>(Visibility.visibleNamespaces(snapshot, caller));
    return w.open(visible)
        .onFailure(
            e -> {
              w.closed();
            });
  }

  private Future<io.vertx.core.http.HttpClientResponse> openWatch(
      ApiResources.Resource kind,
      String namespace,
      Map<String, String> params,
      Caller caller,
      String accept,
      String userAgent) {
    return get(kind, namespace, params, caller, accept, userAgent, Future::succeededFuture);
  }

  private Future<MergedList.Answer> fetch(
      ApiResources.Resource kind,
      String namespace,
      Map<String, String> params,
      Caller caller,
      String accept,
      String userAgent) {
    return get(
        kind,
        namespace,
        params,
        caller,
        accept,
        userAgent,
        resp ->
            resp.body()
                .map(
                    b ->
                        new MergedList.Answer(
                            resp.statusCode(),
                            resp.getHeader(HttpHeaders.CONTENT_TYPE),
                            resp.headers().getAll("Warning"),
                            b.getBytes())));
  }

  /** GETs {@code kind} in {@code namespace} in the caller's name and reads the answer. */
  private <T> Future<T> get(
      ApiResources.Resource kind,
      String namespace,
      Map<String, String> params,
      Caller caller,
      String accept,
      String userAgent,
      java.util.function.Function<io.vertx.core.http.HttpClientResponse, Future<T>> read) {
    String uri = path(kind, namespace) + query(params);
    counter.upstreamRequest();
    return upstream.send(
        HttpMethod.GET,
        uri,
        caller,
        up -> {
          up.putHeader(HttpHeaders.ACCEPT, accept);
          if (userAgent != null) {
            up.putHeader(HttpHeaders.USER_AGENT, userAgent);
          }
        },
        RequestBody.none(),
        read);
  }

  static String path(ApiResources.Resource kind, String namespace) {
    String prefix =
        kind.group().isEmpty()
            ? "/api/" + kind.version()
            : "/apis/" + kind.group() + "/" + kind.version();
    return prefix + "/namespaces/" + namespace + "/" + kind.resource();
  }

  static String query(Map<String, String> params) {
    if (params.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : params.entrySet()) {
      sb.append(sb.length() == 0 ? '?' : '&')
          .append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))
          .append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
    }
    return sb.toString();
  }

  /** The JSON media type the API server must answer each namespace with. */
  static String upstreamAccept(ResponseFormat format) {
    String v = format.representationVersion().isEmpty() ? "v1" : format.representationVersion();
    return switch (format.representation()) {
      case TABLE -> "application/json;as=Table;v=" + v + ";g=meta.k8s.io";
      case PARTIAL_OBJECT_METADATA, PARTIAL_OBJECT_METADATA_LIST ->
          "application/json;as=PartialObjectMetadataList;v=" + v + ";g=meta.k8s.io";
      case OBJECT -> "application/json";
    };
  }

  private static MergedList.Envelope emptyEnvelope(
      ApiResources.Resource kind, ResponseFormat format) {
    String v = format.representationVersion().isEmpty() ? "v1" : format.representationVersion();
    return switch (format.representation()) {
      case TABLE -> new MergedList.Envelope("Table", "meta.k8s.io/" + v, true);
      case PARTIAL_OBJECT_METADATA, PARTIAL_OBJECT_METADATA_LIST ->
          new MergedList.Envelope("PartialObjectMetadataList", "meta.k8s.io/" + v, false);
      case OBJECT ->
          new MergedList.Envelope(
              kind.kind() + "List",
              kind.group().isEmpty() ? kind.version() : kind.group() + "/" + kind.version(),
              false);
    };
  }
}
