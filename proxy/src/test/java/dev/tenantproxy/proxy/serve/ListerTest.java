package dev.tenantproxy.proxy.serve;

import static dev.tenantproxy.proxy.serve.Fleet.ALICE;
import static dev.tenantproxy.proxy.serve.Fleet.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenantproxy.filters.request.ListOptions;
import dev.tenantproxy.filters.selector.FieldSelector;
import dev.tenantproxy.filters.selector.LabelSelector;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ListerTest {
  private final Fleet fleet = Fleet.standard();

  private List<String> names(Lister.Page page) {
    return page.items().stream().map(ServedObject::name).toList();
  }

  private Lister.Page list(String labels, String fields) {
    return Lister.list(fleet.get(), ALICE, ObjectFilter.parse(labels, fields), ListOptions.NONE);
  }

  /** List options as the classifier decodes them (selectors go in the filter). */
  private static ListOptions options(long limit, String cont, String rv, String rvMatch) {
    return new ListOptions(
        "",
        LabelSelector.everything(),
        "",
        FieldSelector.everything(),
        false,
        limit,
        cont,
        rv,
        rvMatch,
        null,
        false,
        null);
  }

  private static Lister.Page list(
      KindView view, dev.tenantproxy.filters.identity.Caller who, ListOptions options) {
    return Lister.list(view, who, ObjectFilter.everything(), options);
  }

  @Test
  void ownerListsExactlyHerNamespacesSortedByNameAtTheCacheResourceVersion() {
    Lister.Page page = list(fleet.get(), ALICE, ListOptions.NONE);
    assertThat(names(page)).containsExactly("solar-dev", "solar-prod");
    assertThat(page.resourceVersion()).isEqualTo(fleet.cache.resourceVersion());
    assertThat(page.continueToken()).isNull();
  }

  @Test
  void groupMemberListsHisGroupsNamespaces() {
    Lister.Page page = list(fleet.get(), BOB, ListOptions.NONE);
    assertThat(names(page)).containsExactly("wind-dev");
  }

  @Test
  void negativeSelectorsNeverRevealOtherTenantsNamespaces() {
    assertThat(names(list("env!=prod", ""))).containsExactly("solar-dev");
    assertThat(names(list("env notin (prod)", ""))).containsExactly("solar-dev");
    assertThat(names(list("", "metadata.name!=solar-dev"))).containsExactly("solar-prod");
    assertThat(names(list("!nothing", ""))).containsExactly("solar-dev", "solar-prod");
  }

  @Test
  void exactNameSelectorOfAnotherTenantsNamespaceIsAnEmptyList() {
    assertThat(names(list("", "metadata.name=wind-dev"))).isEmpty();
    assertThat(names(list("", "name=kube-system"))).isEmpty();
    assertThat(names(list("", "metadata.name=solar-dev"))).containsExactly("solar-dev");
  }

  @Test
  void phaseFieldSelectorNarrowsTheVisibleSet() {
    fleet.namespace("solar-old", "solar", Map.of(), "Terminating");
    assertThat(names(list("", "status.phase=Terminating"))).containsExactly("solar-old");
    assertThat(names(list("", "status.phase==Active"))).containsExactly("solar-dev", "solar-prod");
  }

  @Test
  void unsupportedFieldSelectorIsTheApiServersBadRequest() {
    assertThatThrownBy(() -> list("", "spec.foo=bar"))
        .isInstanceOfSatisfying(
            KubeStatusException.class,
            e -> {
              assertThat(e.code()).isEqualTo(400);
              assertThat(e.getMessage()).isEqualTo("field label not supported: spec.foo");
            });
  }

  @Test
  void limitAndContinuePageThroughTheVisibleNamespacesOnly() {
    fleet.namespace("solar-qa", "solar", Map.of(), "Active");
    ListOptions first = options(2, "", "0", "");
    Lister.Page p1 = list(fleet.get(), ALICE, first);
    assertThat(names(p1)).containsExactly("solar-dev", "solar-prod");
    assertThat(p1.continueToken()).isNotNull();
    String decoded =
        new String(Base64.getUrlDecoder().decode(p1.continueToken()), StandardCharsets.UTF_8);
    assertThat(decoded).contains("solar-prod").doesNotContain("wind").doesNotContain("kube");

    Lister.Page p2 = list(fleet.get(), ALICE, options(2, p1.continueToken(), "", ""));
    assertThat(names(p2)).containsExactly("solar-qa");
    assertThat(p2.continueToken()).isNull();
    assertThat(p2.resourceVersion()).isEqualTo(p1.resourceVersion());
  }

  @Test
  void lastFullPageHasNoContinueWhenNothingVisibleFollows() {
    Lister.Page page = list(fleet.get(), ALICE, options(2, "", "", ""));
    assertThat(names(page)).containsExactly("solar-dev", "solar-prod");
    assertThat(page.continueToken()).isNull();
  }

  @Test
  void forgedContinueTokenNamingAnotherTenantsNamespaceStillYieldsOnlyVisibleNamespaces() {
    String forged = new ContinueToken(fleet.cache.resourceVersion(), "a").encode();
    Lister.Page page = list(fleet.get(), BOB, options(0, forged, "", ""));
    assertThat(names(page)).containsExactly("wind-dev");
  }

  @Test
  void malformedContinueTokenIsBadRequest() {
    assertThatThrownBy(() -> list(fleet.get(), ALICE, options(1, "!!not-a-token", "", "")))
        .isInstanceOfSatisfying(
            KubeStatusException.class, e -> assertThat(e.code()).isEqualTo(400));
  }

  @Test
  void continueTokenOlderThanTheCacheHistoryIsExpired() {
    Fleet small = new Fleet(2);
    small.tenant("solar", dev.tenantproxy.filters.tenancy.Principal.user("alice"));
    small.namespace("solar-a", "solar", Map.of(), "Active");
    small.namespace("solar-b", "solar", Map.of(), "Active");
    small.synced();
    Lister.Page p1 = list(small.get(), ALICE, options(1, "", "", ""));
    for (int i = 0; i < 5; i++) {
      small.namespace("other-" + i, null, Map.of(), "Active");
    }
    assertThatThrownBy(() -> list(small.get(), ALICE, options(1, p1.continueToken(), "", "")))
        .isInstanceOfSatisfying(
            KubeStatusException.class, e -> assertThat(e.code()).isEqualTo(410));
  }

  @Test
  void getOfAnotherTenantsNamespaceIsIdenticalToGetOfAMissingOne() {
    KubeStatusException other = catchStatus(() -> Lister.get(fleet.get(), ALICE, "wind-dev"));
    KubeStatusException missing = catchStatus(() -> Lister.get(fleet.get(), ALICE, "no-such-ns"));
    assertThat(other.code()).isEqualTo(404);
    assertThat(other.getMessage()).isEqualTo("namespaces \"wind-dev\" not found");
    assertThat(new String(other.toStatusJson(), StandardCharsets.UTF_8).replace("wind-dev", "X"))
        .isEqualTo(
            new String(missing.toStatusJson(), StandardCharsets.UTF_8).replace("no-such-ns", "X"));
    assertThat(Lister.get(fleet.get(), ALICE, "solar-dev").name()).isEqualTo("solar-dev");
  }

  @Test
  void resourceVersionNewerThanTheCacheIsTooNewAndExactOlderIsExpired() {
    long current = fleet.cache.resourceVersion();
    assertThatThrownBy(
            () ->
                list(
                    fleet.get(),
                    ALICE,
                    options(0, "", Long.toString(current + 10), "NotOlderThan")))
        .isInstanceOf(Lister.TooNewException.class);
    assertThatThrownBy(
            () -> list(fleet.get(), ALICE, options(0, "", Long.toString(current - 1), "Exact")))
        .isInstanceOfSatisfying(
            KubeStatusException.class, e -> assertThat(e.code()).isEqualTo(410));
    assertThat(names(list(fleet.get(), ALICE, options(0, "", Long.toString(current), "Exact"))))
        .containsExactly("solar-dev", "solar-prod");
  }

  @Test
  void resourceVersionWithAContinueTokenIsBadRequestAsTheApiServersStorageAnswers() {
    assertThatThrownBy(() -> list(fleet.get(), ALICE, options(0, "some-token", "5", "")))
        .isInstanceOfSatisfying(
            KubeStatusException.class,
            e -> {
              assertThat(e.code()).isEqualTo(400);
              assertThat(e.getMessage())
                  .contains("specifying resource version is not allowed when using continue");
            });
  }

  private static KubeStatusException catchStatus(Runnable r) {
    try {
      r.run();
    } catch (KubeStatusException e) {
      return e;
    }
    throw new AssertionError("expected a KubeStatusException");
  }
}
