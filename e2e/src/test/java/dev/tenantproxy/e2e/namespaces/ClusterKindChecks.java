package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.BOUND;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
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
import java.util.List;

/**
 * The checks every served cluster-scoped kind's end-to-end test makes the same way, with kubectl as
 * a user runs it: what the caller may not see is indistinguishable from what does not exist, a
 * caller its rules grant nothing gets the API server's own answer, and access reviews agree with
 * what is served.
 */
final class ClusterKindChecks {
  private ClusterKindChecks() {}

  /** A get of each hidden name fails exactly like a get of a name that does not exist. */
  static void hiddenLikeMissing(Kubectl kubectl, String resource, List<String> hidden) {
    String absent = "no-such-" + resource.replaceAll("[^a-z]", "");
    Kubectl.Result missing = kubectl.run(BOUND, "get", resource, absent);
    for (String name : hidden) {
      Kubectl.Result r = kubectl.run(BOUND, "get", resource, name);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.stderr().replace(name, "X"))
          .isEqualTo(missing.stderr().replace(absent, "X"))
          .contains("NotFound");
    }
  }

  /**
   * A list by a caller the rules grant nothing gets exactly the API server's answer (403) through
   * the proxy; returns that answer for further checks.
   */
  static Kubectl.Result ungrantedGetsTheApiServersAnswer(
      ProxyInFront proxy, KubeUser user, String version, String resource) {
    Kubectl.Result through =
        ServedNamespaces.kubectl(proxy, user, version).run(BOUND, "get", resource);
    Kubectl.Result direct = Kubectl.version(version, user.kubeconfig()).run(BOUND, "get", resource);
    assertThat(through.exitCode()).as(through.toString()).isEqualTo(1);
    assertThat(through.stderr()).contains("Forbidden").isEqualTo(direct.stderr());
    return through;
  }

  /**
   * A write ({@code kubectl} {@code args} with {@code NAME} standing for the object) of each hidden
   * name by a caller that holds the write grant fails exactly like the same write of a name that
   * does not exist (the API server's NotFound, nothing else).
   */
  static void hiddenWriteLikeMissing(
      Kubectl kubectl, String resource, List<String> hidden, String... args) {
    String absent = "no-such-" + resource.replaceAll("[^a-z]", "");
    Kubectl.Result missing = kubectl.run(BOUND, withName(args, absent));
    assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
    for (String name : hidden) {
      Kubectl.Result r = kubectl.run(BOUND, withName(args, name));
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.stderr().replace(name, "X"))
          .isEqualTo(missing.stderr().replace(absent, "X"))
          .contains("NotFound");
    }
  }

  /**
   * A write by a caller without the write grant is the API server's own answer: {@code kubectl}
   * ({@code args} with {@code NAME}) through the proxy fails with the API server's Forbidden
   * wording for {@code verb} (kubectl's {@code patch}/{@code label} read first, and the direct read
   * fails earlier for a caller that may not read the kind, so the kubectl outputs cannot be
   * compared); and the same raw request ({@code method} {@code uri}) through the proxy and straight
   * to the API server gets the identical status and body.
   */
  static void ungrantedWriteGetsTheApiServersAnswer(
      ControlPlane cp,
      ProxyInFront proxy,
      KubeUser user,
      String version,
      String name,
      String method,
      String uri,
      String verb,
      String... args) {
    Kubectl.Result through =
        ServedNamespaces.kubectl(proxy, user, version).run(BOUND, withName(args, name));
    assertThat(through.exitCode()).as(through.toString()).isEqualTo(1);
    assertThat(through.stderr())
        .startsWith("Error from server (Forbidden): ")
        .contains(
            "\""
                + name
                + "\" is forbidden: User \""
                + user.name()
                + "\" cannot "
                + verb
                + " resource");
    String body = method.equals("PATCH") ? "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}" : null;
    String[] viaProxy = raw(proxy.url(), proxy.caPem(), user, method, uri, body);
    String[] direct = raw(cp.apiServerUrl(), cp.caPem(), user, method, uri, body);
    assertThat(viaProxy).containsExactly(direct);
    assertThat(viaProxy[0]).isEqualTo("403");
  }

  /** Status code and body of one raw request as {@code user} (client certificate or token). */
  private static String[] raw(
      String base, String caPem, KubeUser user, String method, String uri, String body) {
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(base + uri))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("Accept", "application/json");
    if (body != null) {
      req.header("Content-Type", "application/merge-patch+json");
    }
    if (user.token().isPresent()) {
      req.header("Authorization", "Bearer " + user.token().get());
    }
    try {
      HttpResponse<String> r =
          HttpClient.newBuilder()
              .sslContext(JdkTls.forUser(user, caPem))
              .connectTimeout(Duration.ofSeconds(10))
              .build()
              .send(req.build(), HttpResponse.BodyHandlers.ofString());
      return new String[] {String.valueOf(r.statusCode()), r.body()};
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String[] withName(String[] args, String name) {
    String[] out = args.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] = out[i].replace("NAME", name);
    }
    return out;
  }

  /**
   * The leak attempts every served cluster-scoped kind resists, by {@code user} on {@code
   * collection} (e.g. {@code /apis/storage.k8s.io/v1/storageclasses}) who sees exactly {@code
   * visible} and not {@code hidden}: protobuf (alone it is the API server's 406, with JSON the same
   * rows as JSON; a hidden name is 404 either way), Tables with {@code includeObject} {@code
   * Object}, {@code Metadata} and {@code None} (exactly the visible rows), a list and a watch at
   * {@code resourceVersion=1}, and a watch and an exact list at a resourceVersion from before
   * {@code changeHidden} changed the hidden objects (and then a visible one, so the proxy's
   * progress shows): no hidden name is ever in a body.
   */
  static void leakAttempts(
      ProxyInFront proxy,
      KubeUser user,
      String collection,
      List<String> visible,
      List<String> hidden,
      Runnable changeHidden) {
    ServedNamespaces.Answer before = ServedNamespaces.get(null, proxy, user, collection, null);
    assertThat(before.status()).as(before.body()).isEqualTo(200);
    assertThat(ServedNamespaces.names(before.body())).containsExactlyInAnyOrderElementsOf(visible);
    String rvBefore =
        new JsonObject(before.body()).getJsonObject("metadata").getString("resourceVersion");
    changeHidden.run();
    // the proxy has seen the change (the callback changes a visible object last)
    org.awaitility.Awaitility.await()
        .atMost(BOUND)
        .until(
            () -> {
              ServedNamespaces.Answer now =
                  ServedNamespaces.get(null, proxy, user, collection, null);
              return now.status() == 200
                  && !rvBefore.equals(
                      new JsonObject(now.body())
                          .getJsonObject("metadata")
                          .getString("resourceVersion"));
            });

    // protobuf
    String proto = "application/vnd.kubernetes.protobuf";
    ServedNamespaces.Answer protoOnly = ServedNamespaces.get(null, proxy, user, collection, proto);
    assertThat(protoOnly.status()).as(protoOnly.body()).isEqualTo(406);
    assertNone(protoOnly.body(), hidden);
    assertNone(protoOnly.body(), visible);
    ServedNamespaces.Answer both =
        ServedNamespaces.get(null, proxy, user, collection, proto + ",application/json");
    assertThat(both.status()).isEqualTo(200);
    assertThat(ServedNamespaces.names(both.body())).containsExactlyInAnyOrderElementsOf(visible);
    String absent = "no-such-object-" + java.util.UUID.randomUUID().toString().substring(0, 6);
    for (String accept : List.of(proto, proto + ",application/json")) {
      ServedNamespaces.Answer missing =
          ServedNamespaces.get(null, proxy, user, collection + "/" + absent, accept);
      assertThat(missing.status()).as(accept).isIn(404, 406);
      for (String name : hidden) {
        ServedNamespaces.Answer one =
            ServedNamespaces.get(null, proxy, user, collection + "/" + name, accept);
        assertThat(one.status()).as(accept + " " + name).isEqualTo(missing.status());
        assertThat(one.body().replace(name, "X")).isEqualTo(missing.body().replace(absent, "X"));
      }
    }

    // Tables, whole objects, metadata only, no objects
    for (String include : List.of("Object", "Metadata", "None")) {
      ServedNamespaces.Answer table =
          ServedNamespaces.get(
              null,
              proxy,
              user,
              collection + "?includeObject=" + include,
              ClusterKindFixtures.TABLE);
      assertThat(table.status()).as(table.body()).isEqualTo(200);
      JsonArray rows = new JsonObject(table.body()).getJsonArray("rows");
      assertThat(rows).as(include).hasSize(visible.size());
      assertNone(table.body(), hidden);
      for (int i = 0; i < rows.size(); i++) {
        Object object = rows.getJsonObject(i).getValue("object");
        if (include.equals("None")) {
          assertThat(object).as(include).isNull();
        } else {
          assertThat(object).as(include).isNotNull();
        }
      }
    }

    // old resourceVersions: "1" and one from before the hidden objects changed
    for (String query :
        List.of(
            "?resourceVersion=1&resourceVersionMatch=NotOlderThan",
            "?resourceVersion=" + rvBefore + "&resourceVersionMatch=Exact",
            "?watch=true&resourceVersion=1&timeoutSeconds=2",
            "?watch=true&resourceVersion=" + rvBefore + "&timeoutSeconds=2",
            "?watch=true&resourceVersion="
                + rvBefore
                + "&allowWatchBookmarks=true&timeoutSeconds=2")) {
      ServedNamespaces.Answer old =
          ServedNamespaces.get(null, proxy, user, collection + query, null);
      assertThat(old.status()).as(query + " " + old.body()).isIn(200, 410);
      assertNone(old.body(), hidden);
    }
  }

  /** {@code object} with the annotation {@code touched=<a fresh value>} added (for edits). */
  static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T touched(T object) {
    java.util.Map<String, String> annotations =
        new java.util.HashMap<>(
            object.getMetadata().getAnnotations() == null
                ? java.util.Map.of()
                : object.getMetadata().getAnnotations());
    annotations.put("touched", java.util.UUID.randomUUID().toString());
    object.getMetadata().setAnnotations(annotations);
    return object;
  }

  private static void assertNone(String body, List<String> names) {
    for (String n : names) {
      assertThat(body).as("leaks " + n).doesNotContain(n);
    }
  }

  /** {@code kubectl auth can-i list}: yes for the granted caller, the API server's no otherwise. */
  static void accessReviewsAgree(
      Kubectl granted, ProxyInFront proxy, KubeUser ungranted, String version, String resource) {
    assertThat(granted.run(BOUND, "auth", "can-i", "list", resource).stdout().strip())
        .isEqualTo("yes");
    assertThat(
            ServedNamespaces.kubectl(proxy, ungranted, version)
                .run(BOUND, "auth", "can-i", "list", resource)
                .stdout()
                .strip())
        .isEqualTo("no");
  }
}
