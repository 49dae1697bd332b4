package dev.tenantproxy.proxy.upstream;

import dev.tenantproxy.filters.identity.Caller;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the API server accepts the proxy's request-header assertion ({@code
 * --proxy-client-cert-file}); part of {@code /readyz}.
 *
 * <p>DESIGN. A front-proxy certificate the API server does not trust (another CA than its {@code
 * --requestheader-client-ca-file}, a CN outside {@code --requestheader-allowed-names}, header names
 * other than {@code X-Remote-*}) makes every caller's request a 401, which kubectl shows as "You
 * must be logged in": users would chase their own credentials. So before the proxy reports ready it
 * asserts a probe user in a SelfSubjectReview and checks that the API server names that user. Until
 * then it retries (1 s, doubling to 30 s) and logs each distinct refusal once, naming the flags to
 * fix; a proxy that cannot assert callers never takes traffic. Once passed, the check is not
 * repeated (readiness does not flap with the API server's availability, as the index's does not). A
 * 404 (no SelfSubjectReview API, Kubernetes before 1.28) or a 403 naming the probe user still
 * proves the assertion: ready, with a warning for the 404.
 *
 * <p>A renewed front-proxy certificate gets the same probe ({@link #once}) on connections made with
 * it before it is put in service ({@code VertxUpstream}).
 */
public final class RequestHeaderProbe {
  private static final Logger LOG = LoggerFactory.getLogger(RequestHeaderProbe.class);
  static final String REVIEWS = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
  private static final long FIRST_RETRY_MS = 1_000;
  private static final long MAX_RETRY_MS = 30_000;

  /** How long the probe waits for the API server's answer before it counts as no answer. */
  private static final long ANSWER_TIMEOUT_MS = 10_000;

  /** The user the probe asserts; it appears in the API server's audit log, nowhere else. */
  static final Caller PROBE =
      new Caller(
          "tenant-proxy:request-header-probe", "", List.of("system:authenticated"), Map.of());

  private final Vertx vertx;
  private final Upstream upstream;
  private volatile boolean passed;
  private volatile boolean stopped;
  private String lastProblem;

  private RequestHeaderProbe(Vertx vertx, Upstream upstream) {
    this.vertx = vertx;
    this.upstream = upstream;
  }

  /** Starts probing {@code upstream} on a Vert.x context of {@code vertx}. */
  public static RequestHeaderProbe start(Vertx vertx, Upstream upstream) {
    RequestHeaderProbe probe = new RequestHeaderProbe(vertx, upstream);
    vertx.getOrCreateContext().runOnContext(v -> probe.attempt(FIRST_RETRY_MS));
    return probe;
  }

  /** True once the API server has taken the probe user from the request headers. */
  public boolean passed() {
    return passed;
  }

  /** Stops retrying (shutdown). */
  public void stop() {
    stopped = true;
  }

  /**
   * Sends the probe's request in the probe user's name, as {@link Upstream#send} does: {@code
   * prepare} sets its headers, {@code read} reads the answer.
   */
  @FunctionalInterface
  interface Sender {
    Future<Verdict> send(
        Consumer<HttpClientRequest> prepare,
        RequestBody body,
        Function<HttpClientResponse, Future<Verdict>> read);
  }

  /**
   * One probe: a SelfSubjectReview asserting {@link #PROBE} that {@code sender} sends, and what the
   * answer says. Never fails: no answer (within {@value #ANSWER_TIMEOUT_MS} ms once sent) is a
   * {@link Verdict#retry}.
   */
  static Future<Verdict> once(Sender sender) {
    Buffer body =
        new JsonObject()
            .put("apiVersion", "authentication.k8s.io/v1")
            .put("kind", "SelfSubjectReview")
            .toBuffer();
    return sender
        .send(
            req -> {
              req.idleTimeout(ANSWER_TIMEOUT_MS);
              req.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
              req.putHeader(HttpHeaders.ACCEPT, "application/json");
            },
            RequestBody.of(body),
            resp -> resp.body().map(b -> verdict(resp.statusCode(), b)))
        .recover(
            e ->
                Future.succeededFuture(
                    Verdict.retry("the API server did not answer (" + e.getMessage() + ")")));
  }

  private void attempt(long nextDelayMs) {
    if (stopped) {
      return;
    }
    once((prepare, body, read) ->
            upstream.send(HttpMethod.POST, REVIEWS, PROBE, prepare, body, read))
        .onSuccess(
            v -> {
              String problem = v.problem();
              if (problem == null) {
                passed = true;
                LOG.info(
                    "the API server takes callers from X-Remote-* headers (request-header probe passed)");
                return;
              }
              if (!problem.equals(lastProblem)) {
                lastProblem = problem;
                if (v.refused()) {
                  LOG.error("not ready: {}", problem);
                } else {
                  LOG.warn("request-header probe: {}; retrying", problem);
                }
              }
              vertx.setTimer(nextDelayMs, id -> attempt(Math.min(nextDelayMs * 2, MAX_RETRY_MS)));
            });
  }

  /**
   * What one answer says.
   *
   * @param problem null when the assertion works, else what is wrong and how to fix it
   * @param refused whether the API server refused the assertion (an operator must act) rather than
   *     failed to answer (retrying may do)
   */
  record Verdict(String problem, boolean refused) {
    static final Verdict OK = new Verdict(null, false);

    static Verdict refuse(String problem) {
      return new Verdict(problem, true);
    }

    static Verdict retry(String problem) {
      return new Verdict(problem, false);
    }
  }

  static Verdict verdict(int status, Buffer body) {
    String user = PROBE.user();
    switch (status) {
      case 201, 200 -> {
        String seen = null;
        try {
          JsonObject info =
              new JsonObject(body)
                  .getJsonObject("status", new JsonObject())
                  .getJsonObject("userInfo");
          seen = info == null ? null : info.getString("username");
        } catch (RuntimeException e) {
          // not JSON: treated as a wrong user below
        }
        if (user.equals(seen)) {
          return Verdict.OK;
        }
        return Verdict.refuse(
            "the API server took the request-header probe for user \""
                + seen
                + "\", not the asserted \""
                + user
                + "\": it does not read X-Remote-User (its --requestheader-username-headers)");
      }
      case 403 -> {
        // authenticated as someone who may not create the review: as whom is in the message
        String message = "";
        try {
          message = new JsonObject(body).getString("message", "");
        } catch (RuntimeException e) {
          // not a Status: not naming anyone
        }
        return message.contains("\"" + user + "\"")
            ? Verdict.OK
            : Verdict.refuse(
                "the API server refused the request-header probe (403) without naming the"
                    + " asserted user (\""
                    + message
                    + "\"): a --proxy-client-cert-file not signed by its"
                    + " --requestheader-client-ca-file is taken as another user (anonymous), else"
                    + " check its --requestheader-username-headers (X-Remote-User)");
      }
      case 404 -> {
        LOG.warn(
            "the API server has no SelfSubjectReview API (Kubernetes before 1.28): the"
                + " request-header assertion cannot be checked before serving");
        return Verdict.OK;
      }
      case 401 -> {
        return Verdict.refuse(
            "the API server refuses --proxy-client-cert-file (401): it must be signed by the API"
                + " server's --requestheader-client-ca-file, its CN must be in"
                + " --requestheader-allowed-names (when that is set), and the API server must read"
                + " X-Remote-User, X-Remote-Group, X-Remote-Extra- and X-Remote-Uid");
      }
      default -> {
        return Verdict.retry(
            "the request-header probe got HTTP " + status + " from the API server");
      }
    }
  }
}
