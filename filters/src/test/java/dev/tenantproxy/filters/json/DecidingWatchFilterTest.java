package dev.tenantproxy.filters.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link WatchFilter#deciding}: events retyped, dropped or deferred one at a time, in order. */
class DecidingWatchFilterTest {
  private static String ev(String type, String name, String rv) {
    return "{\"type\":\""
        + type
        + "\",\"object\":{\"kind\":\"Tenant\",\"apiVersion\":\"capsule.clastix.io/v1beta1\","
        + "\"metadata\":{\"name\":\""
        + name
        + "\",\"resourceVersion\":\""
        + rv
        + "\"},\"spec\":{\"x\":1.50}}}\n";
  }

  private static String row(String type, String name, String rv, boolean columns) {
    return "{\"type\":\""
        + type
        + "\",\"object\":{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":"
        + "{\"resourceVersion\":\""
        + rv
        + "\"},\"columnDefinitions\":"
        + (columns ? "[{\"name\":\"Name\",\"type\":\"string\"}]" : "null")
        + ",\"rows\":[{\"cells\":[\""
        + name
        + "\"],\"object\":{\"kind\":\"PartialObjectMetadata\",\"metadata\":{\"name\":\""
        + name
        + "\"}}}]}}\n";
  }

  private static String str(byte[] b) {
    return new String(b, UTF_8);
  }

  @Test
  void anEventIsRelayedUnderTheDecidedTypeAndOtherwiseByteForByte() {
    WatchFilter f =
        WatchFilter.deciding(
            (type, o, rv) -> o.name().equals("a") ? "ADDED" : o.name().equals("b") ? null : type,
            1 << 20);

    String out =
        str(
                f.feed(
                    (ev("MODIFIED", "a", "5") + ev("MODIFIED", "b", "6") + ev("DELETED", "c", "7"))
                        .getBytes(UTF_8)))
            + str(f.end());

    assertThat(out).isEqualTo(ev("ADDED", "a", "5") + ev("DELETED", "c", "7"));
  }

  @Test
  void theDeciderSeesTypeNameAndResourceVersionOfObjectsAndOfATablesOneRow() {
    List<String> seen = new ArrayList<>();
    WatchFilter f =
        WatchFilter.deciding(
            (type, o, rv) -> {
              seen.add(type + " " + o.name() + " " + rv);
              return type;
            },
            1 << 20);

    f.feed((ev("ADDED", "a", "5") + row("MODIFIED", "b", "9", true)).getBytes(UTF_8));

    assertThat(seen).containsExactly("ADDED a 5", "MODIFIED b 9");
  }

  @Test
  void aDeferredEventHoldsBackEverythingAfterItUntilRetryDecidesIt() {
    Set<String> ready = new HashSet<>();
    WatchFilter f =
        WatchFilter.deciding(
            (type, o, rv) -> ready.contains(o.name()) ? type : WatchFilter.Decider.LATER, 1 << 20);
    ready.add("a");
    String chunk = ev("ADDED", "a", "5") + ev("MODIFIED", "b", "6") + ev("MODIFIED", "a", "7");

    // cut in the middle of the third event: its rest arrives after the deferral ends
    int cut = chunk.length() - 10;
    String first = str(f.feed(chunk.substring(0, cut).getBytes(UTF_8)));

    assertThat(first).isEqualTo(ev("ADDED", "a", "5"));
    assertThat(f.deferred()).isTrue();
    assertThatThrownBy(() -> f.feed("x".getBytes(UTF_8))).isInstanceOf(IllegalStateException.class);
    assertThat(str(f.retry())).isEmpty();
    assertThat(f.deferred()).isTrue();

    ready.add("b");
    String second = str(f.retry());
    assertThat(f.deferred()).isFalse();
    String third = str(f.feed(chunk.substring(cut).getBytes(UTF_8))) + str(f.end());

    assertThat(second).isEqualTo(ev("MODIFIED", "b", "6"));
    assertThat(third).isEqualTo(ev("MODIFIED", "a", "7"));
    assertThat(f.seen()).isEqualTo(3);
  }

  @Test
  void aRetypedTableEventCarriesTheColumnsOfADroppedFirstEvent() {
    WatchFilter f =
        WatchFilter.deciding((type, o, rv) -> o.name().equals("hidden") ? null : "ADDED", 1 << 20);

    String out =
        str(
            f.feed(
                (row("ADDED", "hidden", "3", true) + row("MODIFIED", "mine", "4", false))
                    .getBytes(UTF_8)));

    assertThat(out).doesNotContain("hidden");
    assertThat(out.lines()).hasSize(1);
    assertThat(out).startsWith("{\"type\":\"ADDED\"");
    assertThat(out).contains("\"columnDefinitions\":[{\"name\":\"Name\",\"type\":\"string\"}]");
    assertThat(out).contains("\"cells\":[\"mine\"]");
  }

  @Test
  void aTableEventWithSeveralRowsIsNeverRelayed() {
    WatchFilter f = WatchFilter.deciding((type, o, rv) -> type, 1 << 20);
    String two =
        row("ADDED", "a", "3", true).replace("]}}\n", ",{\"cells\":[\"b\"],\"object\":null}]}}\n");

    assertThat(str(f.feed(two.getBytes(UTF_8)))).isEmpty();
  }

  @Test
  void anEventStillUndecidableAtTheEndIsDropped() {
    WatchFilter f = WatchFilter.deciding((type, o, rv) -> WatchFilter.Decider.LATER, 1 << 20);
    String e = ev("ADDED", "a", "5");

    assertThat(str(f.feed(e.getBytes(UTF_8)))).isEmpty();
    assertThat(f.deferred()).isTrue();
    assertThatThrownBy(f::end).isInstanceOf(IllegalStateException.class);
  }
}
