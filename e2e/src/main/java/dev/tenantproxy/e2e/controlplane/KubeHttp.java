package dev.tenantproxy.e2e.controlplane;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Raw HTTPS calls as a {@link KubeUser}, straight to the API server or through the proxy, with
 * headers a test chooses ({@code Impersonate-*}, {@code X-Remote-*}, ...): what kubectl and fabric8
 * cannot send. {@link #selfSubjectReview} asks who the API server takes the caller for.
 */
public final class KubeHttp {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String SELF_SUBJECT_REVIEW =
      "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}";

  private KubeHttp() {}

  /** An answer: status code and body. */
  public record Answer(int status, String body) {
    /** The body as JSON (a {@code Status} or an object). */
    public JsonObject json() {
      return new JsonObject(body);
    }

    /** A {@code Status} body's reason, else empty. */
    public String reason() {
      return body.startsWith("{") ? json().getString("reason", "") : "";
    }

    /** A {@code Status} body's message, else the body. */
    public String message() {
      return body.startsWith("{") ? json().getString("message", "") : body;
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  /**
   * A JDK client trusting {@code caPem} that presents {@code user}'s client certificate (a token
   * user presents none: {@link #send} adds its bearer token).
   */
  public static HttpClient client(KubeUser user, String caPem) {
    return HttpClient.newBuilder()
        .sslContext(JdkTls.forUser(user, caPem))
        .connectTimeout(Duration.ofSeconds(30))
        .build();
  }

  /**
   * A JDK client trusting {@code caPem} that presents the client certificate in these files, on
   * HTTP/1.1: the API server answers a request it cannot authenticate 401 and, on HTTP/2, sends
   * GOAWAY with it, which the JDK client reports as a failed request instead of the 401.
   */
  public static HttpClient client(Pki.KeyFiles certificate, String caPem) {
    try {
      return HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .sslContext(
              JdkTls.sslContext(
                  Files.readString(certificate.cert()), Files.readString(certificate.key()), caPem))
          .connectTimeout(Duration.ofSeconds(30))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Header name/value pairs from {@code name, value, name, value, ...}. */
  public static List<String[]> headers(String... nameValue) {
    List<String[]> pairs = new ArrayList<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      pairs.add(new String[] {nameValue[i], nameValue[i + 1]});
    }
    return pairs;
  }

  /**
   * Sends {@code method url} ({@code body} null: none) with {@code headers}, and {@code user}'s
   * bearer token when it has one.
   */
  public static Answer send(
      HttpClient client,
      KubeUser user,
      String method,
      String url,
      String body,
      List<String[]> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(TIMEOUT)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (user != null && user.token().isPresent()) {
      request.header("Authorization", "Bearer " + user.token().get());
    }
    for (String[] header : headers) {
      request.header(header[0], header[1]);
    }
    try {
      HttpResponse<String> r = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** GET {@code base + path} as {@code user} with {@code headers}. */
  public static Answer get(
      HttpClient client, KubeUser user, String base, String path, List<String[]> headers) {
    return send(client, user, "GET", base + path, null, headers);
  }

  /** POSTs a SelfSubjectReview to {@code base} as {@code user} with {@code headers}. */
  public static Answer selfSubjectReview(
      HttpClient client, KubeUser user, String base, List<String[]> headers) {
    return send(
        client,
        user,
        "POST",
        base + "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        SELF_SUBJECT_REVIEW,
        headers);
  }

  /**
   * The {@code status.userInfo} of a created SelfSubjectReview (username, uid, groups, extra as the
   * API server built them); fails on any other answer.
   */
  public static JsonObject userInfo(Answer review) {
    if (review.status() != 201) {
      throw new IllegalStateException("SelfSubjectReview not created: " + review);
    }
    JsonObject user = review.json().getJsonObject("status").getJsonObject("userInfo");
    if (user.getString("username", "").isEmpty()) {
      throw new IllegalStateException("SelfSubjectReview without a user name: " + review);
    }
    return user;
  }
}
