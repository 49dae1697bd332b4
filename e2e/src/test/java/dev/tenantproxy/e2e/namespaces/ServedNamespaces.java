package dev.tenantproxy.e2e.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.net.ssl.SSLContext;

/**
 * One tenant-proxy per test JVM with namespace serving wired in exactly as {@code tenant-proxy
 * serve} wires it, in front of the shared control plane; plus helpers to make tenants and talk to
 * the proxy as a user (kubectl or raw HTTPS with the user's client certificate).
 */
final class ServedNamespaces {
  /** Bound on waits for the proxy (a hang guard on a busy machine, not a latency goal). */
  static final Duration BOUND = Duration.ofSeconds(60);

  private static ProxyInFront proxy;

  private ServedNamespaces() {}

  static synchronized ProxyInFront proxy(ControlPlane cp) {
    if (proxy == null) {
      proxy = ProxyInFront.startUntilExit(cp, "namespaces-it");
      awaitReady(cp, proxy);
    }
    return proxy;
  }

  private static void awaitReady(ControlPlane cp, ProxyInFront p) {
    await()
        .atMost(BOUND)
        .ignoreExceptions()
        .until(
            () ->
                HttpClient.newHttpClient()
                        .send(
                            HttpRequest.newBuilder(URI.create(p.opsUrl() + "/readyz"))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200);
  }

  /** A raw answer of the proxy. */
  record Answer(int status, String contentType, String body) {}

  /**
   * GET through the proxy, presenting {@code user}'s client certificate or bearer token (null:
   * none).
   */
  static Answer get(ControlPlane cp, ProxyInFront p, KubeUser user, String uri, String accept) {
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(p.url() + uri)).timeout(Duration.ofSeconds(30)).GET();
    if (accept != null) {
      req.header("Accept", accept);
    }
    if (user != null && user.token().isPresent()) {
      req.header("Authorization", "Bearer " + user.token().get());
    }
    try {
      HttpResponse<String> r =
          HttpClient.newBuilder()
              .sslContext(sslContext(user, p.caPem()))
              .connectTimeout(Duration.ofSeconds(10))
              .build()
              .send(req.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(
          r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Waits until {@code user}'s namespace list through the proxy ({@code /api/v1/namespaces} plus
   * {@code query}, e.g. {@code "?labelSelector=env%3Dprod"} or {@code ""}) holds {@code names}.
   *
   * <p>The proxy serves namespaces from its index, which follows the API server through an
   * informer: what a test just wrote straight to the API server shows through the proxy a moment
   * later, and that moment grows on a busy machine. Tests call this after their set-up and before
   * what they assert, so that they assert on the proxy's answers, not on the informer's lag. It
   * does not assert what the user must NOT see: the tests do that afterwards.
   */
  static void awaitServed(ProxyInFront p, KubeUser user, String query, String... names) {
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              Answer answer = get(null, p, user, "/api/v1/namespaces" + query, null);
              assertThat(answer.status()).as(answer.body()).isEqualTo(200);
              assertThat(names(answer.body())).as(user.name()).contains(names);
            });
  }

  /** The names in a NamespaceList. */
  static List<String> names(String namespaceList) {
    JsonArray items = new JsonObject(namespaceList).getJsonArray("items");
    List<String> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      out.add(items.getJsonObject(i).getJsonObject("metadata").getString("name"));
    }
    return out;
  }

  /** A JDK TLS context trusting {@code caPem}, with {@code user}'s certificate when given. */
  static SSLContext sslContext(KubeUser user, String caPem) {
    return JdkTls.forUser(user, caPem);
  }

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  /** A fresh Capsule user (client certificate, group {@value Capsule#CAPSULE_USERS_GROUP}). */
  static KubeUser capsuleUser(ControlPlane cp, String name, String... groups) {
    String[] all = new String[groups.length + 1];
    all[0] = Capsule.CAPSULE_USERS_GROUP;
    System.arraycopy(groups, 0, all, 1, groups.length);
    return cp.users().certificate(name, all);
  }

  /** kubectl {@code version} as {@code user} through the proxy. */
  static Kubectl kubectl(ProxyInFront p, KubeUser user, String version) {
    return Kubectl.version(version, p.kubeconfig(user));
  }

  /** A tenant owned by {@code owner} with the given namespaces. */
  static void tenant(ControlPlane cp, String tenant, Owner owner, String... namespaces) {
    cp.capsule().createTenant(tenant, owner);
    for (String ns : namespaces) {
      cp.capsule().createNamespace(tenant, ns);
    }
  }
}
