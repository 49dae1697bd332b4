package dev.tenantproxy.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeHttp;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import dev.tenantproxy.e2e.sandbox.ProxyInFront.Upstream;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every combination of client {@code Impersonate-*} headers, by a caller allowed to impersonate and
 * by one who is not, gets the same status code and reason through the proxy as straight from the
 * API server; with either upstream ({@link Upstream}: the proxy asserts the impersonated user by
 * {@code Impersonate-*} or by {@code X-Remote-*}).
 */
@ParameterizedClass(name = "upstream {0}")
@EnumSource(Upstream.class)
@ExtendWith(ControlPlaneExtension.class)
class ImpersonationParityIT {
  private static final String PATH = "/api/v1/namespaces/default/configmaps";

  @TempDir static Path dir;
  static ProxyInFront proxy;
  static ControlPlane cp;

  /** How this invocation's proxy asserts callers upstream. */
  @Parameter Upstream upstream;

  @BeforeParameterizedClassInvocation
  static void start(Upstream upstream, ControlPlane controlPlane) {
    cp = controlPlane;
    proxy = ProxyInFront.start(cp, dir.resolve(upstream.label()), false, upstream, c -> c);
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  /** The header sets tried, by name. */
  private static Map<String, List<String[]>> combinations() {
    Map<String, List<String[]>> c = new LinkedHashMap<>();
    c.put("user", h("Impersonate-User", "someone"));
    c.put("group without user", h("Impersonate-Group", "devs"));
    c.put("uid without user", h("Impersonate-Uid", "1234"));
    c.put("extra without user", h("Impersonate-Extra-Scopes", "view"));
    c.put("group and uid without user", h("Impersonate-Group", "devs", "Impersonate-Uid", "1234"));
    c.put("user and group", h("Impersonate-User", "someone", "Impersonate-Group", "g"));
    c.put(
        "user and two groups",
        h(
            "Impersonate-User", "someone",
            "Impersonate-Group", "g1",
            "Impersonate-Group", "system:masters"));
    c.put("user and uid", h("Impersonate-User", "someone", "Impersonate-Uid", "1234"));
    c.put("user and extra", h("Impersonate-User", "someone", "Impersonate-Extra-Scopes", "view"));
    c.put("service account user", h("Impersonate-User", "system:serviceaccount:default:builder"));
    c.put("empty user and a group", h("Impersonate-User", "", "Impersonate-Group", "g"));
    c.put("user system:admin", h("Impersonate-User", "system:admin"));
    return c;
  }

  /** Header name/value pairs. */
  private static List<String[]> h(String... nameValue) {
    return KubeHttp.headers(nameValue);
  }

  @Test
  void everyImpersonateHeaderCombinationIsAnsweredAsTheApiServerAnswersIt() {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    KubeUser allowed = cp.users().certificate("impersonator-" + suffix, "system:masters");
    KubeUser refused = cp.users().certificate("plain-" + suffix);
    List<String> mismatches = new ArrayList<>();
    int compared = 0;

    for (KubeUser caller : List.of(allowed, refused)) {
      HttpClient direct = client(caller, cp.caPem());
      HttpClient viaProxy = client(caller, proxy.caPem());
      for (Map.Entry<String, List<String[]>> combination : combinations().entrySet()) {
        Answer d = send(direct, cp.apiServerUrl(), combination.getValue());
        Answer p = send(viaProxy, proxy.url(), combination.getValue());
        compared++;
        if (d.code() != p.code() || !d.reason().equals(p.reason())) {
          mismatches.add(
              caller.name()
                  + " / "
                  + combination.getKey()
                  + ": direct "
                  + d
                  + " but through the proxy "
                  + p);
        }
      }
    }

    assertThat(compared).isEqualTo(2 * combinations().size());
    assertThat(mismatches).as("answers that differ from the API server's").isEmpty();
  }

  /**
   * The user the API server builds for a request (username, groups in order) is the same through
   * the proxy as straight from the API server: for certificate users with and without groups, and
   * for allowed {@code Impersonate-*} sets (the proxy leaves a last {@code system:authenticated}
   * for the API server to add; this shows nothing is lost or reordered). Extra is not compared: the
   * API server adds the direct client certificate's {@code credential-id}, which the proxy does not
   * forward.
   */
  @Test
  void theApiServerBuildsTheSameUserThroughTheProxyAsDirectly() {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    KubeUser impersonator = cp.users().certificate("reviewer-" + suffix, "system:masters");
    KubeUser withGroups = cp.users().certificate("owner-" + suffix, "devs-" + suffix, "ops");
    KubeUser withoutGroups = cp.users().certificate("loner-" + suffix);
    Map<String, List<String[]>> sets = new LinkedHashMap<>();
    sets.put("no impersonation", List.of());
    sets.put("user", h("Impersonate-User", "someone"));
    sets.put("user and group", h("Impersonate-User", "someone", "Impersonate-Group", "g"));
    sets.put(
        "user and system:authenticated first",
        h(
            "Impersonate-User", "someone",
            "Impersonate-Group", "system:authenticated",
            "Impersonate-Group", "g"));
    sets.put("service account user", h("Impersonate-User", "system:serviceaccount:default:sa"));
    sets.put(
        "service account user and system:authenticated only",
        h(
            "Impersonate-User", "system:serviceaccount:default:sa",
            "Impersonate-Group", "system:authenticated"));
    List<String> mismatches = new ArrayList<>();
    int compared = 0;

    for (KubeUser caller : List.of(withGroups, withoutGroups, impersonator)) {
      HttpClient direct = client(caller, cp.caPem());
      HttpClient viaProxy = client(caller, proxy.caPem());
      for (Map.Entry<String, List<String[]>> set : sets.entrySet()) {
        if (caller != impersonator && !set.getValue().isEmpty()) {
          continue;
        }
        JsonObject d = whoAmI(direct, cp.apiServerUrl(), set.getValue());
        JsonObject p = whoAmI(viaProxy, proxy.url(), set.getValue());
        compared++;
        if (!d.equals(p)) {
          mismatches.add(
              caller.name() + " / " + set.getKey() + ": direct " + d + " but through " + p);
        }
      }
    }

    assertThat(compared).isEqualTo(2 + sets.size());
    assertThat(mismatches).as("users that differ from the API server's").isEmpty();
  }

  /** POSTs a SelfSubjectReview and returns the user name and groups of its status.userInfo. */
  private static JsonObject whoAmI(HttpClient client, String base, List<String[]> headers) {
    JsonObject user = KubeHttp.userInfo(KubeHttp.selfSubjectReview(client, null, base, headers));
    return new JsonObject()
        .put("username", user.getString("username"))
        .put("groups", user.getJsonArray("groups"));
  }

  private record Answer(int code, String reason, String message) {
    @Override
    public String toString() {
      return code + " " + reason + " (" + message + ")";
    }
  }

  private static HttpClient client(KubeUser user, String caPem) {
    return KubeHttp.client(user, caPem);
  }

  private static Answer send(HttpClient client, String base, List<String[]> headers) {
    KubeHttp.Answer r = KubeHttp.get(client, null, base, PATH, headers);
    return new Answer(r.status(), r.reason(), r.message());
  }
}
