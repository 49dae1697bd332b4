package dev.tenantproxy.proxy.testing;

import dev.tenantproxy.filters.identity.Caller;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;

/**
 * A stand-in API server for unit tests: answers TokenReviews from a token table and
 * SubjectAccessReviews from a predicate, records every other request and answers it with a
 * replaceable handler.
 */
public final class FakeApiServer {
  /** One request the fake received (headers copied). */
  public record Recorded(String method, String uri, MultiMap headers, HttpVersion version) {}

  public final List<Recorded> requests = new CopyOnWriteArrayList<>();
  public final Map<String, Caller> tokens = new ConcurrentHashMap<>();
  public final AtomicInteger tokenReviews = new AtomicInteger();
  public final AtomicInteger accessReviews = new AtomicInteger();
  public final List<JsonObject> accessReviewSpecs = new CopyOnWriteArrayList<>();
  public volatile BiPredicate<String, JsonObject> allow = (user, attributes) -> false;
  public volatile long reviewDelayMs = 0;

  /** When set, TokenReview and SubjectAccessReview answers wait for this future. */
  public volatile io.vertx.core.Future<Void> holdReviews;

  public static final Handler<HttpServerRequest> EMPTY_LIST =
      req ->
          req.response()
              .putHeader("Content-Type", "application/json")
              .end("{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"items\":[]}");

  public volatile Handler<HttpServerRequest> handler = EMPTY_LIST;

  private HttpServer server;

  public Future<Integer> start(Vertx vertx, TestPki.Issued serving) {
    server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setSsl(true)
                .setUseAlpn(true)
                // kube-apiserver (Go net/http) accepts request lines and headers up to 1 MiB
                .setMaxInitialLineLength(1 << 20)
                .setMaxHeaderSize(1 << 20)
                .setInitialSettings(
                    new io.vertx.core.http.Http2Settings()
                        .setMaxConcurrentStreams(250)
                        .setMaxHeaderListSize(1 << 20))
                .setKeyCertOptions(
                    new PemKeyCertOptions()
                        .setCertPath(serving.certFile().toString())
                        .setKeyPath(serving.keyFile().toString())));
    server.requestHandler(this::handle);
    return server.listen(0, "127.0.0.1").map(HttpServer::actualPort);
  }

  public Future<Void> stop() {
    return server.close();
  }

  private void handle(HttpServerRequest req) {
    switch (req.path()) {
      case "/apis/authentication.k8s.io/v1/tokenreviews" ->
          req.body()
              .onSuccess(
                  b -> {
                    tokenReviews.incrementAndGet();
                    String token = new JsonObject(b).getJsonObject("spec").getString("token");
                    Caller c = tokens.get(token);
                    JsonObject status = new JsonObject().put("authenticated", c != null);
                    if (c != null) {
                      status.put(
                          "user",
                          new JsonObject()
                              .put("username", c.user())
                              .put("uid", c.uid())
                              .put("groups", new JsonArray(c.groups())));
                    }
                    delayed(
                        req.response().getStatusCode(),
                        () ->
                            req.response()
                                .putHeader("Content-Type", "application/json")
                                .end(new JsonObject().put("status", status).encode()),
                        req);
                  });
      case "/apis/authorization.k8s.io/v1/subjectaccessreviews" ->
          req.body()
              .onSuccess(
                  b -> {
                    accessReviews.incrementAndGet();
                    JsonObject spec = new JsonObject(b).getJsonObject("spec");
                    accessReviewSpecs.add(spec);
                    boolean ok =
                        allow.test(
                            spec.getString("user"), spec.getJsonObject("resourceAttributes"));
                    delayed(
                        200,
                        () ->
                            req.response()
                                .putHeader("Content-Type", "application/json")
                                .end(
                                    new JsonObject()
                                        .put("status", new JsonObject().put("allowed", ok))
                                        .encode()),
                        req);
                  });
      default -> {
        requests.add(
            new Recorded(
                req.method().name(),
                req.uri(),
                MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
                req.version()));
        handler.handle(req);
      }
    }
  }

  private void delayed(int unused, Runnable r, HttpServerRequest req) {
    io.vertx.core.Future<Void> hold = holdReviews;
    if (hold != null) {
      hold.onComplete(v -> r.run());
    } else if (reviewDelayMs > 0) {
      Vertx.currentContext().owner().setTimer(reviewDelayMs, id -> r.run());
    } else {
      r.run();
    }
  }

  /** The last recorded request to {@code pathPrefix}. */
  public Recorded last(String pathPrefix) {
    for (int i = requests.size() - 1; i >= 0; i--) {
      if (requests.get(i).uri().startsWith(pathPrefix)) {
        return requests.get(i);
      }
    }
    return null;
  }
}
