package dev.tenantproxy.proxy.passthrough;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import java.util.List;
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

    MultiMap out = rules.toUpstream(client, false, "10.0.0.1");

    assertThat(out.names()).containsExactlyInAnyOrder("Accept", "X-Forwarded-For");
    assertThat(out.get("X-Forwarded-For")).isEqualTo("10.0.0.1");
  }

  @Test
  void theRequestHeaderFamilyTheProxyAssertsWithIsRemovedWhateverNamesAreConfigured() {
    ForwardHeaders otherNames = new ForwardHeaders(List.of("X-Gw-User"), List.of("X-Gw-Extra-"));
    MultiMap client =
        MultiMap.caseInsensitiveMultiMap()
            .add("X-Remote-User", "system:admin")
            .add("x-remote-group", "system:masters")
            .add("X-Remote-Uid", "0")
            .add("X-Remote-Extra-Scopes", "all")
            .add("X-Gw-Extra-Foo", "bar")
            .add("Accept", "application/json");

    MultiMap out = otherNames.toUpstream(client, false, null);

    assertThat(out.names()).containsExactly("Accept");
  }

  @Test
  void upgradeKeepsTheUpgradePair() {
    MultiMap client =
        MultiMap.caseInsensitiveMultiMap()
            .add("Connection", "Upgrade")
            .add("Upgrade", "SPDY/3.1")
            .add("X-Stream-Protocol-Version", "v4.channel.k8s.io");

    MultiMap out = rules.toUpstream(client, true, null);

    assertThat(out.get("Connection")).isEqualTo("Upgrade");
    assertThat(out.get("Upgrade")).isEqualTo("SPDY/3.1");
    assertThat(out.get("X-Stream-Protocol-Version")).isEqualTo("v4.channel.k8s.io");
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
