package dev.tenantproxy.proxy.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.render.Renderer;
import dev.tenantproxy.filters.render.Rendering;
import dev.tenantproxy.filters.render.ResponseFormat;
import dev.tenantproxy.filters.request.ListOptions;
import dev.tenantproxy.filters.request.ResourceRequest;
import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.proxy.server.RequestAttributes;
import dev.tenantproxy.proxy.server.StatusResponses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Serves the reads (list, get, watch) of one {@link ServedKind} for Capsule users from the index
 * and the kind's watch cache, with no upstream call. Everyone else, and every write or subresource,
 * is not matched here ({@link #match} is null) and passes through. Every failure is a {@link
 * KubeStatusException} answered through {@link StatusResponses}; once a watch has started, through
 * the one ERROR-event writer ({@link WatchMessage#errorLine}).
 */
public final class KindService {
  private static final JsonFactory JSON = new JsonFactory();

  /**
   * Tunables.
   *
   * @param bookmarkInterval how often a watch with {@code allowWatchBookmarks} gets a BOOKMARK
   * @param maxBufferedEvents events one watch may have waiting before it is ended with 410
   * @param resourceVersionWait how long a list waits for the cache to reach a requested
   *     resourceVersion before answering 504 (the API server waits 3 s)
   * @param minWatchTimeout without {@code timeoutSeconds}, a watch lasts a random time between this
   *     and twice this (the API server's {@code --min-request-timeout}, 1800 s)
   * @param memory what the process's served watches may hold back behind full write queues, shared
   *     by every kind ({@link WatchMemory})
   */
  public record Options(
      Duration bookmarkInterval,
      int maxBufferedEvents,
      Duration resourceVersionWait,
      Duration minWatchTimeout,
      WatchMemory memory) {
    /** With the memory budget of this JVM's heap (one per call: share the result). */
    public Options(
        Duration bookmarkInterval,
        int maxBufferedEvents,
        Duration resourceVersionWait,
        Duration minWatchTimeout) {
      this(
          bookmarkInterval,
          maxBufferedEvents,
          resourceVersionWait,
          minWatchTimeout,
          WatchMemory.forThisHeap());
    }

    public static Options defaults() {
      return new Options(
          Duration.ofSeconds(30), 1000, Duration.ofSeconds(3), Duration.ofMinutes(30));
    }
  }

  private final Vertx vertx;
  private final ServedKind kind;
  private final Supplier<KindView> views;
  private final WatchHub hub;
  private final Options options;
  private final Clock clock;
  private final java.util.Set<WatchStream> open =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  public KindService(
      Vertx vertx,
      ServedKind kind,
      Supplier<KindView> views,
      WatchHub hub,
      Options options,
      Clock clock) {
    this.vertx = Objects.requireNonNull(vertx);
    this.kind = Objects.requireNonNull(kind);
    this.views = Objects.requireNonNull(views);
    this.hub = Objects.requireNonNull(hub);
    this.options = Objects.requireNonNull(options);
    this.clock = Objects.requireNonNull(clock);
  }

  public ServedKind kind() {
    return kind;
  }

  public WatchHub hub() {
    return hub;
  }

  /** A fresh view of the index (lock-free). */
  public KindView view() {
    return views.get();
  }

  /**
   * A read of the kind by a Capsule user, which this service answers: the read, or the 400/422/406
   * the API server would answer for it (a bad selector, {@code limit=abc}, an invalid {@code
   * ListOptions} combination, ...).
   */
  record Read(ReadRequest request, KubeStatusException rejected) {}

  /**
   * Whether this request is a read of the kind by a Capsule user, classified once here.
   *
   * @param attributes the proxy's attributes of the request ({@code ProxyExchange#attributes}):
   *     only {@code GET}s of the kind's group, version and resource without a subresource are
   *     classified in full (by the {@code filters} module), everything else is rejected without
   *     parsing
   * @return the read, or null when the request must pass through
   */
  Read match(HttpServerRequest request, RequestAttributes attributes, Caller caller) {
    if (caller == null
        || request.method() != HttpMethod.GET
        || !attributes.resourceRequest()
        || !attributes.apiGroup().equals(kind.kind().group())
        || !attributes.apiVersion().equals(kind.kind().version())
        || !attributes.resource().equals(kind.kind().plural())
        || !attributes.subresource().isEmpty()
        || !(attributes.namespace().isEmpty()
            || attributes.namespace().equals(attributes.name()))) {
      return null;
    }
    KindView view = views.get();
    if (!view.serves(caller) || (!"get".equals(attributes.verb()) && !view.servesLists(caller))) {
      // a caller served only gets by name ([Get]-only rules) lists and watches as itself
      return null;
    }
    try {
      ReadRequest req = ReadRequest.of(kind, classify(request));
      return req == null ? null : new Read(req, null);
    } catch (KubeStatusException e) {
      return new Read(null, e);
    }
  }

  private static ResourceRequest classify(HttpServerRequest request) {
    return ResourceRequest.classify(
        request.method().name(),
        request.path(),
        request.query(),
        request.getHeader(HttpHeaders.ACCEPT),
        request.getHeader(HttpHeaders.CONTENT_TYPE));
  }

  /**
   * Answers the request if it is a read of the kind by a Capsule user (classifies it; the filter
   * uses {@link #match} and {@link #serve(HttpServerRequest, Read, Caller)} instead).
   *
   * @return null (nothing written) when the request must pass through instead; else a future
   *     completing when the response has ended (for a watch: when the watch ends)
   */
  public Future<Void> serve(HttpServerRequest request, Caller caller) {
    Read read =
        match(
            request,
            RequestAttributes.parse(request.method(), request.path(), request.query()),
            caller);
    return read == null ? null : serve(request, read, caller);
  }

  /** Answers a read found by {@link #match}; the future completes when the response has ended. */
  Future<Void> serve(HttpServerRequest request, Read read, Caller caller) {
    HttpServerResponse response = request.response();
    Promise<Void> done = Promise.promise();
    try {
      if (read.rejected() != null) {
        throw read.rejected();
      }
      ReadRequest req = read.request();
      Renderer renderer = new Renderer(rendering(req.request().format()));
      switch (req.verb()) {
        case GET -> get(response, views.get(), caller, req, renderer, done);
        case LIST -> list(response, caller, req, renderer, 0, done);
        case WATCH -> watch(request, caller, req, renderer, done);
      }
    } catch (RuntimeException e) {
      sendStatus(response, e, done);
    }
    return done.future();
  }

  /**
   * The kind in the format the client asked for.
   *
   * @throws KubeStatusException 406 when it accepts no JSON
   */
  private Rendering rendering(dev.tenantproxy.filters.request.ResponseFormat requested) {
    return new Rendering(
        ResponseFormat.from(requested),
        requested.includeObject(),
        kind.columns(),
        kind.kind().kind(),
        kind.kind().apiVersion());
  }

  // ---- get ----------------------------------------------------------------------------------

  private void get(
      HttpServerResponse response,
      KindView view,
      Caller caller,
      ReadRequest req,
      Renderer renderer,
      Promise<Void> done) {
    ServedObject ns = Lister.get(view, caller, req.name());
    ResponseFormat format = renderer.rendering().format();
    byte[] body;
    if (format.isTable()) {
      body =
          renderer.list(
              Long.toString(ns.resourceVersion()), null, List.of(ns.json()), clock.instant());
    } else if (format.isPartialMetadata()) {
      body = partialObjectMetadata(ns.json(), format.metaApiVersion());
    } else {
      body = ns.json();
    }
    send(response, 200, body, done);
  }

  // ---- list ---------------------------------------------------------------------------------

  private void list(
      HttpServerResponse response,
      Caller caller,
      ReadRequest req,
      Renderer renderer,
      long waitedMillis,
      Promise<Void> done) {
    ListOptions options = req.options();
    Lister.Page page;
    try {
      page = Lister.list(views.get(), caller, req.filter(), options);
    } catch (Lister.TooNewException e) {
      long step = 50;
      if (waitedMillis + step > options().resourceVersionWait().toMillis()) {
        throw e.toStatus();
      }
      vertx.setTimer(
          step,
          t -> {
            try {
              list(response, caller, req, renderer, waitedMillis + step, done);
            } catch (RuntimeException s) {
              sendStatus(response, s, done);
            }
          });
      return;
    }
    List<byte[]> items = page.items().stream().map(ServedObject::json).toList();
    byte[] body =
        renderer.list(
            Long.toString(page.resourceVersion()), page.continueToken(), items, clock.instant());
    send(response, 200, body, done);
  }

  // ---- watch --------------------------------------------------------------------------------

  private void watch(
      HttpServerRequest request,
      Caller caller,
      ReadRequest req,
      Renderer renderer,
      Promise<Void> done) {
    // resourceVersionMatch / sendInitialEvents combinations were validated (422) when classified
    ListOptions options = req.options();
    boolean sendInitialEvents = options.isWatchList();
    boolean bookmarks = options.allowWatchBookmarks();
    if (sendInitialEvents && !bookmarks) {
      throw KubeStatusException.badRequest(
          "allowWatchBookmarks: Forbidden: allowWatchBookmarks must be set to true when"
              + " sendInitialEvents is set");
    }
    long rv = ResourceVersions.parseParameter(options.resourceVersion());
    WatchSpec spec = new WatchSpec(caller, req.filter(), rv, sendInitialEvents);
    Duration timeout = watchTimeout(options.timeoutSeconds());

    if ("websocket".equalsIgnoreCase(request.getHeader(HttpHeaders.UPGRADE))) {
      // fabric8 (and client-go's WebSocket watch) ask for an upgrade: one message per event
      request
          .toWebSocket()
          .onSuccess(
              ws -> {
                WatchStream stream =
                    startWatch(WatchOutput.of(ws), spec, renderer, timeout, bookmarks, done);
                ws.closeHandler(v -> stream.closed());
                ws.exceptionHandler(e -> stream.closed());
              })
          .onFailure(
              e ->
                  sendStatus(
                      request.response(),
                      KubeStatusException.badRequest("websocket upgrade failed: " + e.getMessage()),
                      done));
      return;
    }
    HttpServerResponse response = request.response();
    response.setStatusCode(200);
    response.setChunked(true);
    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    response.putHeader(HttpHeaders.CACHE_CONTROL, "no-cache, private");
    response.writeHead();
    WatchStream stream =
        startWatch(WatchOutput.of(response), spec, renderer, timeout, bookmarks, done);
    response.closeHandler(v -> stream.closed());
    response.exceptionHandler(e -> stream.closed());
  }

  private WatchStream startWatch(
      WatchOutput output,
      WatchSpec spec,
      Renderer renderer,
      Duration timeout,
      boolean bookmarks,
      Promise<Void> done) {
    Context context = vertx.getOrCreateContext();
    WatchHub.Registration[] registration = new WatchHub.Registration[1];
    long[] timers = {-1, -1};
    Runnable onEnd =
        () -> {
          for (long t : timers) {
            if (t >= 0) {
              vertx.cancelTimer(t);
            }
          }
          if (registration[0] != null) {
            registration[0].cancel();
          }
          done.tryComplete();
        };
    WatchStream[] self = new WatchStream[1];
    WatchStream stream =
        new WatchStream(
            context,
            output,
            renderer,
            clock,
            options.maxBufferedEvents(),
            options.memory(),
            () -> {
              open.remove(self[0]);
              onEnd.run();
            });
    self[0] = stream;
    open.add(stream);
    registration[0] = hub.watch(spec, stream);
    timers[0] = vertx.setTimer(Math.max(1, timeout.toMillis()), t -> stream.end());
    if (bookmarks) {
      long every = Math.max(10, options.bookmarkInterval().toMillis());
      timers[1] = vertx.setPeriodic(every, t -> registration[0].requestBookmark());
    }
    return stream;
  }

  /** Ends every open watch cleanly, each on its own context (graceful shutdown). */
  public void endAllWatches() {
    for (WatchStream s : open) {
      s.context().runOnContext(v -> s.end());
    }
  }

  /** The number of open served watches. */
  public int openWatches() {
    return open.size();
  }

  /** {@code timeoutSeconds} when positive, else a random time as the API server picks. */
  private Duration watchTimeout(Long timeoutSeconds) {
    if (timeoutSeconds != null && timeoutSeconds > 0) {
      return Duration.ofSeconds(timeoutSeconds);
    }
    long min = options.minWatchTimeout().toMillis();
    return Duration.ofMillis(min + ThreadLocalRandom.current().nextLong(Math.max(1, min)));
  }

  Options options() {
    return options;
  }

  // ---- responses ----------------------------------------------------------------------------

  private static void send(HttpServerResponse response, int code, byte[] body, Promise<Void> done) {
    response
        .setStatusCode(code)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache, private")
        .end(Buffer.buffer(body))
        .onComplete(ar -> done.tryComplete());
  }

  /**
   * Answers a failure: before the head is written, the Status of {@link StatusResponses} (the one
   * mapping: a {@link KubeStatusException} as it is, anything else logged and 500); after it (a
   * watch under way), that Status as the watch's ERROR event.
   */
  static void sendStatus(HttpServerResponse response, Throwable failure, Promise<Void> done) {
    if (response.ended() || response.closed()) {
      done.tryComplete();
      return;
    }
    if (response.headWritten()) {
      response
          .end(Buffer.buffer(WatchMessage.errorLine(StatusResponses.toStatus(failure))))
          .onComplete(ar -> done.tryComplete());
      return;
    }
    StatusResponses.send(response, failure).onComplete(ar -> done.tryComplete());
  }

  /** {@code {"kind":"PartialObjectMetadata","apiVersion":..,"metadata":{..}}} of one object. */
  static byte[] partialObjectMetadata(byte[] json, String apiVersion) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length);
    try (JsonParser p = JSON.createParser(json);
        JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("kind", "PartialObjectMetadata");
      g.writeStringField("apiVersion", apiVersion);
      g.writeFieldName("metadata");
      boolean found = false;
      if (p.nextToken() == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          p.nextToken();
          if (field.equals("metadata")) {
            g.copyCurrentStructure(p);
            found = true;
            break;
          }
          p.skipChildren();
        }
      }
      if (!found) {
        g.writeStartObject();
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
