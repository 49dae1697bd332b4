package dev.tenantproxy.proxy.auth;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.proxy.upstream.Upstream;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** TokenReview and SubjectAccessReview calls to the API server with the proxy's credentials. */
public final class KubeReviews implements TokenReviewer, AccessReviewer {
  static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
  static final String ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

  private final Upstream upstream;
  private final Runnable onUpstreamCall;

  /**
   * @param onUpstreamCall counted once per review that reaches the API server (metrics)
   */
  public KubeReviews(Upstream upstream, Runnable onUpstreamCall) {
    this.upstream = upstream;
    this.onUpstreamCall = onUpstreamCall;
  }

  @Override
  public Future<Optional<Caller>> review(String token) {
    JsonObject body =
        new JsonObject()
            .put("apiVersion", "authentication.k8s.io/v1")
            .put("kind", "TokenReview")
            .put("spec", new JsonObject().put("token", token));
    onUpstreamCall.run();
    return upstream
        .postJson(TOKEN_REVIEWS, body)
        .map(
            answer -> {
              JsonObject status = answer.getJsonObject("status", new JsonObject());
              if (!status.getBoolean("authenticated", false)) {
                return Optional.empty();
              }
              JsonObject user = status.getJsonObject("user", new JsonObject());
              String name = user.getString("username", "");
              if (name.isEmpty()) {
                return Optional.empty();
              }
              return Optional.of(
                  new Caller(
                      name,
                      user.getString("uid", ""),
                      strings(user.getJsonArray("groups")),
                      extra(user.getJsonObject("extra"))));
            });
  }

  @Override
  public Future<Answer> review(Caller subject, Attributes a) {
    JsonObject resource =
        new JsonObject()
            .put("verb", a.verb())
            .put("group", a.group())
            .put("resource", a.resource());
    putIfSet(resource, "subresource", a.subresource());
    putIfSet(resource, "namespace", a.namespace());
    putIfSet(resource, "name", a.name());
    JsonObject spec =
        new JsonObject()
            .put("resourceAttributes", resource)
            .put("user", subject.user())
            .put("groups", new JsonArray(new ArrayList<>(subject.groups())));
    if (!subject.uid().isEmpty()) {
      spec.put("uid", subject.uid());
    }
    if (!subject.extra().isEmpty()) {
      JsonObject extra = new JsonObject();
      subject.extra().forEach((k, v) -> extra.put(k, new JsonArray(new ArrayList<>(v))));
      spec.put("extra", extra);
    }
    JsonObject body =
        new JsonObject()
            .put("apiVersion", "authorization.k8s.io/v1")
            .put("kind", "SubjectAccessReview")
            .put("spec", spec);
    onUpstreamCall.run();
    return upstream
        .postJson(ACCESS_REVIEWS, body)
        .map(
            answer -> {
              JsonObject status = answer.getJsonObject("status", new JsonObject());
              return new Answer(
                  status.getBoolean("allowed", false) && !status.getBoolean("denied", false),
                  status.getString("reason", ""));
            });
  }

  private static void putIfSet(JsonObject o, String key, String value) {
    if (value != null && !value.isEmpty()) {
      o.put(key, value);
    }
  }

  private static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      for (Object o : array) {
        out.add(String.valueOf(o));
      }
    }
    return out;
  }

  private static Map<String, List<String>> extra(JsonObject extra) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (extra != null) {
      for (String key : extra.fieldNames()) {
        Object v = extra.getValue(key);
        out.put(key, v instanceof JsonArray arr ? strings(arr) : List.of(String.valueOf(v)));
      }
    }
    return out;
  }
}
