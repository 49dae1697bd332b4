package dev.tenantproxy.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.identity.Caller;
import io.vertx.core.MultiMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallerAssertionTest {

  @Test
  void impersonationPercentEncodesExtraKeysLikeClientGoAndSendsTheUid() {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();

    CallerAssertion.IMPERSONATION.addTo(
        out,
        new Caller(
            "alice",
            "uid-1",
            List.of(),
            Map.of("example.com/scopes", List.of("a", "b"), "100%", List.of("x"))));

    assertThat(out.getAll("Impersonate-Extra-example.com%2Fscopes")).containsExactly("a", "b");
    assertThat(out.get("Impersonate-Extra-100%25")).isEqualTo("x");
    assertThat(out.get("Impersonate-Uid")).isEqualTo("uid-1");
    assertThat(out.get("Impersonate-User")).isEqualTo("alice");
  }

  @Test
  void extraKeysEncodeEveryNonTokenByteOfTheirUtf8AsUpperCaseHex() {
    assertThat(CallerAssertion.escapeExtraKey("ok.Key-1_~")).isEqualTo("ok.Key-1_~");
    assertThat(CallerAssertion.escapeExtraKey("a/b c%\u00e9:\u007f"))
        .isEqualTo("a%2Fb%20c%25%C3%A9%3A%7F");
  }

  @Test
  void impersonationLeavesOutTheCredentialIdWhichWouldCostACheckPerRequest() {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();

    CallerAssertion.IMPERSONATION.addTo(out, withExtra(Caller.CREDENTIAL_ID, "X509SHA256=ab"));

    assertThat(out.names()).containsExactlyInAnyOrder("Impersonate-User", "Impersonate-Group");
  }

  @Test
  void aLastAuthenticatedGroupIsLeftToTheApiServerWhenAnotherGroupIsSent() {
    assertThat(impersonatedGroups("alice", "tenant-a", "ops", "system:authenticated"))
        .containsExactly("tenant-a", "ops");
  }

  @Test
  void authenticatedGroupIsImpersonatedWhenTheApiServerWouldNotAddItOrWouldAddOthers() {
    // the only group: without any Impersonate-Group a service account would get its SA groups
    assertThat(impersonatedGroups("system:serviceaccount:ns:sa", "system:authenticated"))
        .containsExactly("system:authenticated");
    // anonymous: the API server adds system:unauthenticated, never system:authenticated
    assertThat(impersonatedGroups("system:anonymous", "system:authenticated", "g"))
        .containsExactly("system:authenticated", "g");
    // an explicit system:unauthenticated stops the API server from adding system:authenticated
    assertThat(impersonatedGroups("bob", "system:unauthenticated", "system:authenticated"))
        .containsExactly("system:unauthenticated", "system:authenticated");
    assertThat(impersonatedGroups("bob", "g1", "g2")).containsExactly("g1", "g2");
    // not last, or twice: the API server keeps the order it is given, so send the list as it is
    assertThat(impersonatedGroups("bob", "system:authenticated", "g"))
        .containsExactly("system:authenticated", "g");
    assertThat(impersonatedGroups("bob", "system:authenticated", "g", "system:authenticated"))
        .containsExactly("system:authenticated", "g", "system:authenticated");
  }

  @Test
  void requestHeadersCarryUserUidEveryGroupInOrderAndEveryExtraValue() {
    Map<String, List<String>> extra = new LinkedHashMap<>();
    extra.put(Caller.CREDENTIAL_ID, List.of("X509SHA256=ab"));
    extra.put("example.com/scopes", List.of("a", "b"));
    MultiMap out = MultiMap.caseInsensitiveMultiMap();

    CallerAssertion.REQUEST_HEADER.addTo(
        out, new Caller("alice", "uid-1", List.of("tenant-a", "system:authenticated"), extra));

    assertThat(out.get("X-Remote-User")).isEqualTo("alice");
    assertThat(out.get("X-Remote-Uid")).isEqualTo("uid-1");
    assertThat(out.getAll("X-Remote-Group")).containsExactly("tenant-a", "system:authenticated");
    assertThat(out.getAll("X-Remote-Extra-authentication.kubernetes.io%2Fcredential-id"))
        .containsExactly("X509SHA256=ab");
    assertThat(out.getAll("X-Remote-Extra-example.com%2Fscopes")).containsExactly("a", "b");
    assertThat(out.names()).noneMatch(n -> n.toLowerCase().startsWith("impersonate-"));
  }

  @Test
  void requestHeadersSendNoUidHeaderForACallerWithoutUid() {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();

    CallerAssertion.REQUEST_HEADER.addTo(out, Caller.of("bob", "g"));

    assertThat(out.names()).containsExactlyInAnyOrder("X-Remote-User", "X-Remote-Group");
  }

  private static Caller withExtra(String key, String value) {
    return new Caller(
        "alice", "", List.of("g", "system:authenticated"), Map.of(key, List.of(value)));
  }

  private static List<String> impersonatedGroups(String user, String... groups) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    CallerAssertion.IMPERSONATION.addTo(out, new Caller(user, "", List.of(groups), Map.of()));
    return out.getAll("Impersonate-Group");
  }
}
