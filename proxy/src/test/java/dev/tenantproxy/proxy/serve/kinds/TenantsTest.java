package dev.tenantproxy.proxy.serve.kinds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.cache.watchcache.CachedObject;
import dev.tenantproxy.cache.watchcache.EventType;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.request.ListOptions;
import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.proxy.serve.IndexKindView;
import dev.tenantproxy.proxy.serve.KindView;
import dev.tenantproxy.proxy.serve.Lister;
import dev.tenantproxy.proxy.serve.ObjectFilter;
import dev.tenantproxy.proxy.serve.ServedEvent;
import dev.tenantproxy.proxy.serve.ServedObject;
import dev.tenantproxy.proxy.serve.WatchHub;
import dev.tenantproxy.proxy.serve.WatchMessage;
import dev.tenantproxy.proxy.serve.WatchSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tenants descriptor through the shared core: list, get and the watch hub. */
class TenantsTest {
  static final Caller ALICE = Caller.of("alice", "system:authenticated");
  static final Caller BOB = Caller.of("bob", "wind-devs", "system:authenticated");

  private final WatchCache cache = new WatchCache("tenants", 100);
  private final TenancySnapshot snapshot =
      TenancySnapshot.empty()
          .with(
              new CapsuleConfigurationInfo(
                  "default",
                  "1",
                  List.of(Principal.user("alice"), Principal.group("wind-devs")),
                  List.of()));
  private long rv = 10;

  private KindView view() {
    return new IndexKindView(Tenants.INSTANCE, snapshot, cache);
  }

  private ServedEvent tenant(String name, String... owners) {
    StringBuilder json =
        new StringBuilder(
            "{\"apiVersion\":\"capsule.clastix.io/v1beta2\",\"kind\":\"Tenant\",\"metadata\":"
                + "{\"name\":\""
                + name
                + "\",\"resourceVersion\":\""
                + (++rv)
                + "\"},\"spec\":{},\"status\":{\"state\":\"Active\",\"owners\":[");
    for (int i = 0; i < owners.length; i++) {
      String[] kn = owners[i].split(":", 2);
      json.append(i == 0 ? "" : ",")
          .append("{\"kind\":\"")
          .append(kn[0])
          .append("\",\"name\":\"")
          .append(kn[1])
          .append("\",\"clusterRoles\":[\"admin\"]}");
    }
    json.append("]}}");
    boolean existed = cache.get(name) != null;
    CachedObject o =
        new CachedObject(
            name,
            "",
            name,
            Long.toString(rv),
            Map.of(),
            Map.of("metadata.name", name),
            json.toString().getBytes(StandardCharsets.UTF_8));
    cache.apply(existed ? EventType.MODIFIED : EventType.ADDED, o);
    return new ServedEvent(
        existed ? ServedEvent.Type.MODIFIED : ServedEvent.Type.ADDED, IndexKindView.toServed(o));
  }

  private void standard() {
    tenant("solar", "User:alice");
    tenant("lunar", "Group:wind-devs", "User:alice");
    tenant("wind", "Group:wind-devs");
    cache.endRelist(rv);
  }

  @Test
  void ownerListsExactlyTheTenantsWhoseStatusOwnersNameHerUserOrGroups() {
    standard();
    assertThat(names(Lister.list(view(), ALICE, ObjectFilter.everything(), ListOptions.NONE)))
        .containsExactly("lunar", "solar");
    assertThat(names(Lister.list(view(), BOB, ObjectFilter.everything(), ListOptions.NONE)))
        .containsExactly("lunar", "wind");
  }

  @Test
  void anotherTenantIsTheSameNotFoundAsAMissingOne() {
    standard();
    assertThat(Lister.get(view(), ALICE, "solar").name()).isEqualTo("solar");
    KubeStatusException other = notFound(() -> Lister.get(view(), ALICE, "wind"));
    KubeStatusException missing = notFound(() -> Lister.get(view(), ALICE, "nope"));
    assertThat(other.code()).isEqualTo(404);
    assertThat(new String(other.toStatusJson(), StandardCharsets.UTF_8).replace("wind", "X"))
        .isEqualTo(new String(missing.toStatusJson(), StandardCharsets.UTF_8).replace("nope", "X"))
        .contains("tenants.capsule.clastix.io \\\"X\\\" not found");
  }

  @Test
  void watchSeesTenantAddedWhenMadeOwnerAndDeletedWhenRemoved() {
    standard();
    WatchHub hub = new WatchHub(this::view, Runnable::run, cache.resourceVersion());
    List<String> got = new ArrayList<>();
    hub.watch(
        new WatchSpec(ALICE, null, 0, false),
        batch -> {
          for (WatchMessage m : batch) {
            if (m instanceof WatchMessage.Event e) {
              got.add(e.type() + " " + e.object().name());
            }
          }
        });
    assertThat(got).containsExactly("ADDED lunar", "ADDED solar");

    hub.onEvent(tenant("wind", "Group:wind-devs", "User:alice"));
    assertThat(got).endsWith("ADDED wind");
    hub.onEvent(tenant("wind", "Group:wind-devs"));
    assertThat(got).endsWith("DELETED wind");
    hub.onEvent(tenant("solar", "User:alice"));
    assertThat(got).endsWith("MODIFIED solar");
    hub.onEvent(tenant("other", "User:carol"));
    assertThat(got).hasSize(5);
  }

  @Test
  void ownersAreReadFromStatusOnlyAndMalformedEntriesSkipped() {
    byte[] json =
        ("{\"spec\":{\"owners\":[{\"kind\":\"User\",\"name\":\"spec-only\"}]},\"status\":"
                + "{\"owners\":[{\"kind\":\"User\",\"name\":\"alice\"},{\"kind\":\"Robot\","
                + "\"name\":\"x\"},{\"kind\":\"ServiceAccount\",\"name\":"
                + "\"system:serviceaccount:ns:sa\"}]}}")
            .getBytes(StandardCharsets.UTF_8);
    assertThat(Tenants.owners(json))
        .containsExactly(
            Principal.user("alice"), Principal.serviceAccount("system:serviceaccount:ns:sa"));
    assertThat(Tenants.owners("not json".getBytes(StandardCharsets.UTF_8))).isEmpty();
  }

  private static List<String> names(Lister.Page page) {
    return page.items().stream().map(ServedObject::name).toList();
  }

  private static KubeStatusException notFound(Runnable r) {
    try {
      r.run();
    } catch (KubeStatusException e) {
      return e;
    }
    throw new AssertionError("expected a KubeStatusException");
  }
}
