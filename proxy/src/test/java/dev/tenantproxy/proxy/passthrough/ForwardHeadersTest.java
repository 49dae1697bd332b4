package dev.tenantproxy.proxy.passthrough;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.identity.Caller;
import io.vertx.core.MultiMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForwardHeadersTest {
  private final ForwardHeaders rules =
      new ForwardHeaders(
          List.of("X-Remote-User", "X-Remote-Group", "X-Gw-User"), List.of("X-Remote-Extra-"));

  @Test
  void everyCredentialImpersonationIdentityAndHopByHopHeaderIsRemoved() {
    MultiMap client =
        MultiMap.caseInsensitiveMultiMap()
            .add("Authorization", "Bearer t")
            .add("impersonate-user", "root")
            .add("Impersonate-Extra-scopes", "x")
            .add("X-Remote-User", "root")
            .add("x-gw-user", "root")
            .add("X-Remote-Extra-Foo", "bar")
            .add("Connection", "keep-alive, X-Custom")
            .add("X-Custom", "hop")
            .add("Keep-Alive", "timeout=5")
            .add("Transfer-Encoding", "chunked")
            .add("Host", "proxy")
            .add("Accept", "application/json");

    MultiMap out = rules.toUpstream(client, Caller.of("alice", "devs"), false, "10.0.0.1");

    assertThat(out.names())
        .containsExactlyInAnyOrder(
            "Accept", "Impersonate-User", "Impersonate-Group", "X-Forwarded-For");
    assertThat(out.get("Impersonate-User")).isEqualTo("alice");
    assertThat(out.get("X-Forwarded-For")).isEqualTo("10.0.0.1");
  }

  @Test
  void upgradeKeepsTheUpgradePair() {
    MultiMap client =
        MultiMap.caseInsensitiveMultiMap()
            .add("Connection", "Upgrade")
            .add("Upgrade", "SPDY/3.1")
            .add("X-Stream-Protocol-Version", "v4.channel.k8s.io");

    MultiMap out = rules.toUpstream(client, Caller.of("alice"), true, null);

    assertThat(out.get("Connection")).isEqualTo("Upgrade");
    assertThat(out.get("Upgrade")).isEqualTo("SPDY/3.1");
    assertThat(out.get("X-Stream-Protocol-Version")).isEqualTo("v4.channel.k8s.io");
  }

  @Test
  void extraKeysArePercentEncodedLikeClientGo() {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();

    ForwardHeaders.addImpersonation(
        out,
        new Caller(
            "alice",
            "uid-1",
            List.of(),
            Map.of("example.com/scopes", List.of("a", "b"), "100%", List.of("x"))));

    assertThat(out.getAll("Impersonate-Extra-example.com%2Fscopes")).containsExactly("a", "b");
    assertThat(out.get("Impersonate-Extra-100%25")).isEqualTo("x");
    assertThat(out.get("Impersonate-Uid")).isEqualTo("uid-1");
  }

  @Test
  void aLastAuthenticatedGroupIsLeftToTheApiServerWhenAnotherGroupIsSent() {
    assertThat(groupsSent("alice", "tenant-a", "ops", "system:authenticated"))
        .containsExactly("tenant-a", "ops");
  }

  @Test
  void authenticatedGroupIsSentWhenTheApiServerWouldNotAddItOrWouldAddOthers() {
    // the only group: without any Impersonate-Group a service account would get its SA groups
    assertThat(groupsSent("system:serviceaccount:ns:sa", "system:authenticated"))
        .containsExactly("system:authenticated");
    // anonymous: the API server adds system:unauthenticated, never system:authenticated
    assertThat(groupsSent("system:anonymous", "system:authenticated", "g"))
        .containsExactly("system:authenticated", "g");
    // an explicit system:unauthenticated stops the API server from adding system:authenticated
    assertThat(groupsSent("bob", "system:unauthenticated", "system:authenticated"))
        .containsExactly("system:unauthenticated", "system:authenticated");
    assertThat(groupsSent("bob", "g1", "g2")).containsExactly("g1", "g2");
    // not last, or twice: the API server keeps the order it is given, so send the list as it is
    assertThat(groupsSent("bob", "system:authenticated", "g"))
        .containsExactly("system:authenticated", "g");
    assertThat(groupsSent("bob", "system:authenticated", "g", "system:authenticated"))
        .containsExactly("system:authenticated", "g", "system:authenticated");
  }

  private static List<String> groupsSent(String user, String... groups) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    ForwardHeaders.addImpersonation(out, new Caller(user, "", List.of(groups), Map.of()));
    return out.getAll("Impersonate-Group");
  }

  @Test
  void responseHopByHopHeadersAreDroppedOthersKept() {
    MultiMap up =
        MultiMap.caseInsensitiveMultiMap()
            .add("Transfer-Encoding", "chunked")
            .add("Connection", "close")
            .add("Content-Type", "application/json")
            .add("Warning", "299 - \"x\"")
            .add("Audit-Id", "1");
    MultiMap client = MultiMap.caseInsensitiveMultiMap();

    ForwardHeaders.toClient(up, client, false);

    assertThat(client.names()).containsExactlyInAnyOrder("Content-Type", "Warning", "Audit-Id");
  }
}
