package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.BOUND;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
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
