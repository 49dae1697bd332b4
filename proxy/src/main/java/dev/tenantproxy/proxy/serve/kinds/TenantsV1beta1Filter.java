package dev.tenantproxy.proxy.serve.kinds;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.json.ListFilter;
import dev.tenantproxy.filters.json.TableFilter;
import dev.tenantproxy.filters.json.WatchFilter;
import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.visibility.Visibility;
import dev.tenantproxy.proxy.passthrough.ForwardHeaders;
import dev.tenantproxy.proxy.server.AsProxy;
import dev.tenantproxy.proxy.server.Decision;
import dev.tenantproxy.proxy.server.FilterChain;
import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.server.ProxyFilter;
import dev.tenantproxy.proxy.server.RequestAttributes;
import dev.tenantproxy.proxy.upstream.RequestBody;
import dev.tenantproxy.proxy.upstream.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Capsule tenants in {@code capsule.clastix.io/v1beta1} for Capsule users: the objects come from
 * the API server in v1beta1 (with real Capsule a conversion webhook makes them; the proxy never
 * converts), read with the proxy's own identity, and the caller sees only the tenants it owns now
 * ({@link Visibility#ownedTenants}: the index's {@code status.owners}, the rule of the v1beta2
 * {@link Tenants} kind). See the DESIGN note in this package's {@code package-info.java}.
 *
 * <ul>
 *   <li>get by name: an owned tenant is passed on marked {@link AsProxy} (the pass-through streams
 *       the API server's answer, JSON, Table or PartialObjectMetadata as asked); any other name is
 *       the API server's own 404 for a missing tenant, nothing forwarded.
 *   <li>list: read upstream as the proxy, unpaged ({@code limit} dropped, so no {@code continue}
 *       and no {@code remainingItemCount} can count other tenants; a {@code continue} token is
 *       never one of ours: 400), then filtered by {@link ListFilter} / {@link TableFilter} to the
 *       owned names. The body is bounded by {@link #MAX_LIST_BYTES}.
 *   <li>watch: the upstream watch of all tenants read as the proxy, each event decided by {@link
 *       OwnershipTransitions}: the events of owned tenants, ADDED when one becomes owned, DELETED
 *       when one stops being owned (see the package DESIGN note).
 *   <li>passed on as the caller: a watch by name ({@code /tenants/NAME?watch}), non-GET,
 *       subresources, non-Capsule callers, and every protocol upgrade (WebSocket).
 * </ul>
 */
public final class TenantsV1beta1Filter implements ProxyFilter {
  static final String GROUP = "capsule.clastix.io";
  static final String VERSION = "v1beta1";
  static final String RESOURCE = "tenants";

  /** The largest upstream v1beta1 tenant list read into memory (more: 503). */
  static final int MAX_LIST_BYTES = 32 * 1024 * 1024;

  private static final JsonFactory JSON = new JsonFactory();

  /** The largest single watch event relayed. */
  static final int MAX_EVENT_BYTES = 4 * 1024 * 1024;

  /**
   * How long a watch event waits for the index to apply the same tenant change (its ownership is
   * decided from the index) before it is decided on the index as it is.
   */
  static final Duration MAX_INDEX_LAG = Duration.ofSeconds(2);

  /** How often a waiting watch event looks at the index again. */
  static final long INDEX_WAIT_STEP_MS = 10;

  private final Set<Runnable> open = ConcurrentHashMap.newKeySet();

  private final Supplier<TenancySnapshot> snapshots;
  private final Upstream upstream;

  /**
   * @param snapshots the index's current snapshot
   * @param upstream the API server, with the proxy's own credentials
   */
  public TenantsV1beta1Filter(Supplier<TenancySnapshot> snapshots, Upstream upstream) {
    this.snapshots = snapshots;
    this.upstream = upstream;
  }

  @Override
  public Future<Void> handle(ProxyExchange exchange, FilterChain chain) {
    RequestAttributes a = exchange.attributes();
    Caller caller = exchange.caller();
    if (exchange.request().method() != HttpMethod.GET
        || caller == null
        || !a.resourceRequest()
        || !a.apiGroup().equals(GROUP)
        || !a.apiVersion().equals(VERSION)
        || !a.resource().equals(RESOURCE)
        || !a.subresource().isEmpty()
        || !a.namespace().isEmpty()
        || (a.isWatch() && !a.name().isEmpty())
        || ForwardHeaders.isUpgrade(exchange.request().headers())) {
      // a protocol upgrade (a WebSocket watch, or a WebSocket get) is never this filter's: the
      // pass-through relays it to the API server as the caller, as for the other served kinds'
      // writes (ClusterWritesFilter); never read as the proxy
      return chain.next(exchange);
    }
    TenancySnapshot snapshot = snapshots.get();
    if (snapshot == null || !Visibility.isCapsuleUser(snapshot, caller)) {
      return chain.next(exchange);
    }
    Set<String> owned = Visibility.ownedTenants(snapshot, caller);
    if (!a.name().isEmpty()) {
      if (!owned.contains(a.name())) {
        exchange.decide(Decision.DENIED);
        exchange.resumeRequest();
        return Future.failedFuture(KubeStatusException.notFound(GROUP, RESOURCE, a.name()));
      }
      exchange.put(
          AsProxy.class,
          new AsProxy(
              "Tenant " + a.name() + " status.owners names the caller (v1beta1 read)",
              proxyRefused()));
      return chain.next(exchange);
    }
    return a.isWatch() ? watch(exchange) : list(exchange);
  }

  /**
   * A watch of all tenants read upstream as the proxy, each event decided by {@link
   * OwnershipTransitions} (the caller's view as it changes: ADDED when a tenant becomes owned,
   * DELETED when it stops being owned, nothing for a tenant never owned; BOOKMARK and ERROR pass).
   */
  private Future<Void> watch(ProxyExchange exchange) {
    Caller caller = exchange.caller();
    String accept = exchange.request().getHeader(HttpHeaders.ACCEPT);
    String resourceVersion = exchange.request().getParam("resourceVersion");
    boolean initialEvents =
        resourceVersion == null
            || resourceVersion.isEmpty()
            || resourceVersion.equals("0")
            || "true".equals(exchange.request().getParam("sendInitialEvents"));
    HttpServerResponse out = exchange.request().response();
    exchange.resumeRequest();
    return upstream.send(
        HttpMethod.GET,
        exchange.request().uri(),
        null,
        req -> {
          if (accept != null) {
            req.putHeader(HttpHeaders.ACCEPT, accept);
          }
          out.closeHandler(v -> req.reset());
        },
        RequestBody.none(),
        resp -> {
          if (resp.statusCode() != 200) {
            return bounded(resp).compose(body -> answer(exchange, resp, body));
          }
          // a watch from a resourceVersion continues a list: the client holds the tenants
          // owned then (taken as those owned now); a watch with initial events holds none
          OwnershipTransitions transitions =
              new OwnershipTransitions(
                  snapshots, caller, !initialEvents, System::nanoTime, MAX_INDEX_LAG);
          return relay(exchange, resp, WatchFilter.deciding(transitions, MAX_EVENT_BYTES));
        });
  }

  private Future<Void> relay(ProxyExchange exchange, HttpClientResponse resp, WatchFilter filter) {
    exchange.decide(Decision.SERVED);
    HttpServerResponse out = exchange.request().response();
    if (out.closed()) {
      resp.request().reset();
      return Future.succeededFuture();
    }
    out.setStatusCode(200);
    String contentType = resp.getHeader(HttpHeaders.CONTENT_TYPE);
    out.putHeader(HttpHeaders.CONTENT_TYPE, contentType == null ? "application/json" : contentType);
    if (exchange.request().version() != HttpVersion.HTTP_2) {
      out.setChunked(true);
    }
    // the head now, as the API server does: a client's Watch() returns only once it has it, and an
    // owner's first relayed event may come much later
    out.writeHead();
    Vertx vertx = exchange.context().owner();
    Promise<Void> done = Promise.promise();
    Runnable end =
        () -> {
          resp.request().reset();
          if (!out.ended() && !out.closed()) {
            out.end();
          }
          done.tryComplete();
        };
    Runnable shutdown = () -> exchange.context().runOnContext(v -> end.run());
    open.add(shutdown);
    done.future().onComplete(v -> open.remove(shutdown));
    out.closeHandler(v -> end.run());
    // chunks that arrived while an event waited for the index (the upstream is paused then)
    ArrayDeque<Buffer> waiting = new ArrayDeque<>();
    boolean[] upstreamEnded = {false};
    Consumer<byte[]> write =
        kept -> {
          if (kept.length > 0 && !out.ended() && !out.closed()) {
            out.write(Buffer.buffer(kept));
            if (out.writeQueueFull()) {
              resp.pause();
              out.drainHandler(
                  v -> {
                    if (!filter.deferred()) {
                      resp.resume();
                    }
                  });
            }
          }
        };
    Runnable finish =
        () -> {
          try {
            write.accept(filter.end());
          } catch (KubeStatusException | IllegalStateException e) {
            // a cut-short last event is dropped; the watch ends cleanly and the client re-watches
          }
          end.run();
        };
    Runnable[] retry = new Runnable[1];
    retry[0] =
        () -> {
          if (done.future().isComplete()) {
            return;
          }
          try {
            write.accept(filter.retry());
            while (!filter.deferred() && !waiting.isEmpty()) {
              write.accept(filter.feed(waiting.poll().getBytes()));
            }
          } catch (KubeStatusException e) {
            end.run();
            return;
          }
          if (filter.deferred()) {
            vertx.setTimer(INDEX_WAIT_STEP_MS, t -> retry[0].run());
          } else if (upstreamEnded[0]) {
            finish.run();
          } else if (!out.writeQueueFull()) {
            resp.resume();
          }
        };
    resp.handler(
        chunk -> {
          if (filter.deferred()) {
            waiting.add(chunk);
            resp.pause();
            if (waiting.stream().mapToLong(Buffer::length).sum() > MAX_EVENT_BYTES) {
              end.run(); // the index did not catch up while a whole event's bytes piled up
            }
            return;
          }
          try {
            write.accept(filter.feed(chunk.getBytes()));
          } catch (KubeStatusException e) {
            end.run(); // the API server's stream was not JSON: end it as a watch ends
            return;
          }
          if (filter.deferred()) {
            // an event waits for the index to catch up with it (see OwnershipTransitions)
            resp.pause();
            vertx.setTimer(INDEX_WAIT_STEP_MS, t -> retry[0].run());
          }
        });
    resp.exceptionHandler(e -> end.run());
    resp.endHandler(
        v -> {
          if (filter.deferred() || !waiting.isEmpty()) {
            upstreamEnded[0] = true; // finished by the retry once the waiting event is decided
          } else {
            finish.run();
          }
        });
    return done.future();
  }

  /** Ends every open v1beta1 tenant watch cleanly (graceful shutdown). */
  public void endAllWatches() {
    List.copyOf(open).forEach(Runnable::run);
  }

  private Future<Void> list(ProxyExchange exchange) {
    String query = exchange.request().query();
    StringJoiner kept = new StringJoiner("&");
    if (query != null && !query.isEmpty()) {
      for (String param : query.split("&")) {
        String key = URLDecoder.decode(param.split("=", 2)[0], StandardCharsets.UTF_8);
        if (key.equals("continue")) {
          exchange.resumeRequest();
          return Future.failedFuture(
              KubeStatusException.badRequest(
                  "continue key is not valid: tenant-proxy serves v1beta1 tenant lists whole"
                      + " (never paged), so it never gave this token"));
        }
        if (!key.equals("limit")) {
          kept.add(param);
        }
      }
    }
    String uri = exchange.request().path() + (kept.length() == 0 ? "" : "?" + kept);
    String accept = exchange.request().getHeader(HttpHeaders.ACCEPT);
    exchange.resumeRequest();
    return upstream.send(
        HttpMethod.GET,
        uri,
        null,
        req -> {
          if (accept != null) {
            req.putHeader(HttpHeaders.ACCEPT, accept);
          }
        },
        RequestBody.none(),
        resp -> bounded(resp).compose(body -> answer(exchange, resp, body)));
  }

  private static Future<Buffer> bounded(HttpClientResponse resp) {
    String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && parseLong(length) > MAX_LIST_BYTES) {
      resp.request().reset();
      return Future.failedFuture(tooLarge());
    }
    Buffer body = Buffer.buffer();
    Promise<Buffer> done = Promise.promise();
    resp.handler(
        chunk -> {
          if (body.length() + chunk.length() > MAX_LIST_BYTES) {
            resp.request().reset();
            done.tryFail(tooLarge());
            return;
          }
          body.appendBuffer(chunk);
        });
    resp.exceptionHandler(done::tryFail);
    resp.endHandler(v -> done.tryComplete(body));
    return done.future();
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static KubeStatusException tooLarge() {
    return KubeStatusException.serviceUnavailable(
        "tenant-proxy cannot list v1beta1 tenants now: the API server's list exceeds "
            + MAX_LIST_BYTES
            + " bytes");
  }

  private Future<Void> answer(ProxyExchange exchange, HttpClientResponse resp, Buffer body) {
    int status = resp.statusCode();
    String contentType = resp.getHeader(HttpHeaders.CONTENT_TYPE);
    if (status == 401 || status == 403) {
      return Future.failedFuture(proxyRefused()); // never the proxy's account in a message
    }
    if (status != 200) {
      // the API server's own Status (a bad selector, an expired resourceVersion, ...): it names
      // no tenant, so it is passed on as it is
      return exchange.respond(status, contentType == null ? "application/json" : contentType, body);
    }
    if (contentType == null || !contentType.startsWith("application/json")) {
      return Future.failedFuture(
          KubeStatusException.notAcceptable(
              "tenant-proxy serves v1beta1 tenant lists as JSON only"));
    }
    // decided now, after the round trip: the owners current when the answer is written
    Set<String> owned = Visibility.ownedTenants(snapshots.get(), exchange.caller());
    byte[] filtered;
    try {
      // the kind in the body decides, never the content type (the API server answers a Table
      // as plain application/json); any other shape is never forwarded
      String kind = topLevelKind(body.getBytes());
      if ("Table".equals(kind)) {
        filtered = TableFilter.keeping(row -> owned.contains(row.name())).filter(body.getBytes());
      } else if (kind != null && kind.endsWith("List")) {
        filtered = ListFilter.keeping(item -> owned.contains(item.name())).filter(body.getBytes());
      } else {
        throw KubeStatusException.internal("not a list");
      }
    } catch (KubeStatusException | IOException e) {
      return Future.failedFuture(
          KubeStatusException.internal(
              "the API server's v1beta1 tenant list was not a List or Table"));
    }
    return exchange.respond(200, contentType, Buffer.buffer(filtered));
  }

  /** The {@code kind} field of a JSON object's top level, or null. */
  static String topLevelKind(byte[] json) throws IOException {
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("kind") && value == JsonToken.VALUE_STRING) {
          return p.getText();
        }
        p.skipChildren();
      }
      return null;
    }
  }

  private static KubeStatusException proxyRefused() {
    return KubeStatusException.serviceUnavailable(
        "tenant-proxy cannot read tenants.capsule.clastix.io v1beta1 now: the API server refused"
            + " the proxy's own account (ask the cluster administrator: the proxy's ClusterRole"
            + " needs get and list on tenants)");
  }
}
