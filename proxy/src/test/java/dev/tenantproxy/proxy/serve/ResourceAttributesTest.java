package dev.tenantproxy.proxy.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.proxy.serve.kinds.Namespaces;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResourceAttributesTest {

  /** What {@code kubectl.1.33 auth can-i list namespaces} POSTs (recorded). */
  static final byte[] KUBECTL_133_PROTOBUF =
      ("k8s\u0000\n2\n\u0017authorization.k8s.io/v1\u0012\u0017SelfSubjectAccessReview\u0012C\n"
              + "\u0010\n\u0000\u0012\u0000\u001a\u0000\"\u0000*\u00002\u00008\u0000B\u0000\u0012%\n#\n"
              + "\u0007default\u0012\u0004list\u001a\u0000\"\u0000*\nnamespaces2\u0000:\u0000\u001a\b\b"
              + "\u0000\u0012\u0000\u001a\u0000 \u0000\u001a\u0000\"\u0000")
          .getBytes(StandardCharsets.ISO_8859_1);

  @Test
  void readsTheAttributesKubectl133SendsAsProtobuf() {
    ResourceAttributes ra =
        ResourceAttributes.parse("application/vnd.kubernetes.protobuf", KUBECTL_133_PROTOBUF);
    assertThat(ra)
        .isEqualTo(new ResourceAttributes("default", "list", "", "", "namespaces", "", ""));
  }

  @Test
  void readsTheAttributesKubectl127SendsAsJson() {
    String json =
        "{\"kind\":\"SelfSubjectAccessReview\",\"apiVersion\":\"authorization.k8s.io/v1\","
            + "\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"resourceAttributes\":"
            + "{\"namespace\":\"default\",\"verb\":\"watch\",\"resource\":\"namespaces\"}},"
            + "\"status\":{\"allowed\":false}}";
    ResourceAttributes ra =
        ResourceAttributes.parse("application/json", json.getBytes(StandardCharsets.UTF_8));
    assertThat(ra.verb()).isEqualTo("watch");
    assertThat(ra.resource()).isEqualTo("namespaces");
    assertThat(ra.toJson().getString("namespace")).isEqualTo("default");
  }

  @Test
  void garbageIsNotUnderstoodRatherThanAnError() {
    assertThat(ResourceAttributes.parse("application/vnd.kubernetes.protobuf", new byte[] {1, 2}))
        .isNull();
    byte[] truncated = java.util.Arrays.copyOf(KUBECTL_133_PROTOBUF, 40);
    assertThat(ResourceAttributes.parse("application/vnd.kubernetes.protobuf", truncated)).isNull();
    assertThat(ResourceAttributes.parse("application/json", "{".getBytes(StandardCharsets.UTF_8)))
        .isNull();
  }

  @Test
  void rulesReviewAnswerGetsTheNamespacesRule() {
    Buffer upstream =
        Buffer.buffer(
            "{\"kind\":\"SelfSubjectRulesReview\",\"status\":{\"resourceRules\":[{\"verbs\":"
                + "[\"create\"],\"apiGroups\":[\"\"],\"resources\":[\"namespaces\"]}],"
                + "\"incomplete\":false}}");
    JsonObject out =
        new JsonObject(
            AccessReviewsFilter.withServedRules(upstream, java.util.List.of(Namespaces.INSTANCE)));
    assertThat(out.getJsonObject("status").getJsonArray("resourceRules")).hasSize(2);
    assertThat(
            out.getJsonObject("status")
                .getJsonArray("resourceRules")
                .getJsonObject(1)
                .getJsonArray("verbs"))
        .containsExactly("get", "list", "watch");
  }
}
