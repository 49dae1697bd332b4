package dev.tenantproxy.cache.informer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SlimItemStoreTest {

  @Test
  void keepsOnlyIdentityAndResourceVersionAndNeverTouchesTheInformersObject() {
    WireObject full = Objects.tenant("solar", "42", "alice", "solar-a");
    String before = new String(full.json(ResourceKind.TENANTS), StandardCharsets.UTF_8);
    SlimItemStore store = new SlimItemStore();

    store.put(store.getKey(full), full);

    WireObject slim = store.get("solar");
    assertThat(slim.getMetadata().getName()).isEqualTo("solar");
    assertThat(slim.getMetadata().getResourceVersion()).isEqualTo("42");
    assertThat(slim.getKind()).isEqualTo("Tenant");
    assertThat(slim.field("spec")).isNull();
    assertThat(slim.toString())
        .isEqualTo(
            "{\"kind\":\"Tenant\",\"apiVersion\":\"capsule.clastix.io/v1beta2\","
                + "\"metadata\":{\"name\":\"solar\",\"resourceVersion\":\"42\"}}");
    assertThat(Objects.JSON.asJson(slim)).isEqualTo(slim.toString());
    assertThat(new String(full.json(ResourceKind.TENANTS), StandardCharsets.UTF_8))
        .isEqualTo(before);
    assertThat(store.size()).isEqualTo(1);
    assertThat(store.keySet()).containsExactly("solar");
    assertThat(store.isFullState()).as("first-list adds must come with the full object").isFalse();
  }

  @Test
  void namespacedKeysAreNamespaceSlashName() {
    WireObject ps =
        Objects.parse(
            "{'apiVersion':'capsule.clastix.io/v1beta1','kind':'ProxySetting',"
                + "'metadata':{'name':'ps','namespace':'ns1','resourceVersion':'1'}}");
    assertThat(new SlimItemStore().getKey(ps)).isEqualTo("ns1/ps");
  }
}
