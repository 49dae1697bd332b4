package dev.tenantproxy.proxy.auth;

import static dev.tenantproxy.proxy.testing.ProxyHarness.get;
import static dev.tenantproxy.proxy.testing.ProxyHarness.headers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.proxy.testing.FakeApiServer;
import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.ProxyHarness.Response;
import dev.tenantproxy.proxy.testing.TestClient;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImpersonationTest {
  @TempDir static Path dir;
  static ProxyHarness h;
  static TestClient alice;
  static TestClient root;
  static dev.tenantproxy.proxy.testing.TestPki.Issued rootCertificate;

  @BeforeAll
  static void start() {
    h = ProxyHarness.start(dir);
    alice = h.client(h.user("alice", "solar-devs"), HttpVersion.HTTP_1_1);
    rootCertificate = h.user("root", "ops");
    root = h.client(rootCertificate, HttpVersion.HTTP_2);
    h.api.allow = (user, attributes) -> user.equals("root");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void impersonationWithoutTheRightIs403StatusAndNothingIsForwarded() {
    int before = h.api.requests.size();

    Response r =
        get(alice, "/api/v1/namespaces/wind-dev/secrets", headers("Impersonate-User", "bob"));

    assertThat(r.status()).isEqualTo(403);
    JsonObject status = new JsonObject(r.body());
    assertThat(status.getString("reason")).isEqualTo("Forbidden");
    assertThat(status.getString("message"))
        .isEqualTo(
            "users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API"
                + " group \"\" at the cluster scope");
    assertThat(status.getJsonObject("details").getString("kind")).isEqualTo("users");
    assertThat(h.api.requests.size()).isEqualTo(before);
  }

  @Test
  void allowedImpersonationForwardsTheImpersonatedIdentityAfterConcurrentCachedReviews() {
    MultiMap asBob =
        headers(
            "Impersonate-User", "bob",
            "Impersonate-Group", "wind-devs",
            "Impersonate-Group", "system:authenticated",
            "Impersonate-Extra-Scopes", "view");
    int reviews = h.api.accessReviews.get();

    Response first = get(root, "/api/v1/namespaces/wind-dev/pods", asBob);
    Response second = get(root, "/api/v1/namespaces/wind-dev/pods", asBob);

    assertThat(first.status()).isEqualTo(200);
    assertThat(second.status()).isEqualTo(200);
    assertThat(h.api.accessReviews.get() - reviews).isEqualTo(4);
    FakeApiServer.Recorded up = h.api.last("/api/v1/namespaces/wind-dev/pods");
    assertThat(up.headers().get("Impersonate-User")).isEqualTo("bob");
    assertThat(up.headers().getAll("Impersonate-Group")).containsExactly("wind-devs");
    assertThat(up.headers().get("Impersonate-Extra-scopes")).isEqualTo("view");
    assertThat(h.api.accessReviewSpecs)
        .anySatisfy(
            spec -> {
              assertThat(spec.getString("user")).isEqualTo("root");
              assertThat(spec.getJsonObject("resourceAttributes").getString("resource"))
                  .isEqualTo("userextras");
              assertThat(spec.getJsonObject("resourceAttributes").getString("subresource"))
                  .isEqualTo("scopes");
              assertThat(spec.getJsonObject("resourceAttributes").getString("group"))
                  .isEqualTo("authentication.k8s.io");
            });
  }

  @Test
  void reviewsOfACertificateUserCarryItsCredentialIdAsTheApiServerNamesIt() throws Exception {
    String expected =
        "X509SHA256="
            + java.util.HexFormat.of()
                .formatHex(
                    java.security.MessageDigest.getInstance("SHA-256")
                        .digest(rootCertificate.cert().getEncoded()));

    Response r =
        get(root, "/api/v1/namespaces/wind-dev/pods", headers("Impersonate-User", "carol"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(h.api.accessReviewSpecs)
        .anySatisfy(
            spec -> {
              assertThat(spec.getString("user")).isEqualTo("root");
              assertThat(
                      spec.getJsonObject("extra")
                          .getJsonArray("authentication.kubernetes.io/credential-id")
                          .encode())
                  .isEqualTo(new io.vertx.core.json.JsonArray().add(expected).encode());
            });
  }

  @Test
  void impersonatingAServiceAccountIsCheckedOnServiceaccountsAndGetsItsGroups() {
    Response r =
        get(
            root,
            "/api/v1/namespaces/solar-dev/pods",
            headers("Impersonate-User", "system:serviceaccount:solar-dev:ci"));

    assertThat(r.status()).isEqualTo(200);
    FakeApiServer.Recorded up = h.api.last("/api/v1/namespaces/solar-dev/pods");
    assertThat(up.headers().getAll("Impersonate-Group"))
        .containsExactly("system:serviceaccounts", "system:serviceaccounts:solar-dev");
    assertThat(h.api.accessReviewSpecs)
        .anySatisfy(
            spec -> {
              JsonObject a = spec.getJsonObject("resourceAttributes");
              assertThat(a.getString("resource")).isEqualTo("serviceaccounts");
              assertThat(a.getString("namespace")).isEqualTo("solar-dev");
              assertThat(a.getString("name")).isEqualTo("ci");
            });
  }

  @Test
  void groupsWithoutAUserAreRejectedLikeTheApiServerDoes() {
    int before = h.api.requests.size();

    Response r =
        get(
            root,
            "/api/v1/pods",
            headers(
                "Impersonate-Group", "system:masters",
                "Impersonate-Extra-Scopes", "all",
                "Impersonate-Uid", "42"));

    assertThat(r.status()).isEqualTo(400);
    JsonObject status = new JsonObject(r.body());
    assertThat(status.getString("reason")).isEqualTo("BadRequest");
    assertThat(status.getString("message"))
        .isEqualTo(
            "requested [{Group  system:masters    } {UserExtra  all  authentication.k8s.io/v1  scopes}"
                + " {UID  42  authentication.k8s.io/v1  }] without impersonating a user");
    assertThat(h.api.requests.size()).isEqualTo(before);
  }
}
