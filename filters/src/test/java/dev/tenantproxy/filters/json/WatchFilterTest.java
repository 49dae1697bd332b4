package dev.tenantproxy.filters.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class WatchFilterTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Predicate<ItemMeta> VISIBLE = m -> Set.of("a", "c").contains(m.name());

  private static String ns(String type, String name) {
    return "{\"type\":\""
        + type
        + "\",\"object\":{\"kind\":\"Namespace\",\"apiVersion\":\"v1\","
        + "\"metadata\":{\"name\":\""
        + name
        + "\",\"resourceVersion\":\"1\"},\"x\":1.50}}\n";
  }

  private static final String BOOKMARK =
      "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":"
          + "{\"resourceVersion\":\"12\",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}}}}\n";
  private static final String ERROR =
      "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
          + "\"status\":\"Failure\",\"message\":\"too old resource version: 1 (5)\",\"reason\":\"Expired\",\"code\":410}}\n";

  private static final String STREAM =
      ns("ADDED", "a")
          + ns("ADDED", "b")
          + ns("MODIFIED", "c")
          + BOOKMARK
          + ns("DELETED", "b")
          + ERROR;
  private static final String EXPECTED = ns("ADDED", "a") + ns("MODIFIED", "c") + BOOKMARK + ERROR;

  @Test
  void forwardsVisibleEventsByteForByteAndPassesBookmarksAndErrors() {
    WatchFilter f = WatchFilter.create(VISIBLE, 1 << 20);
    String out = new String(f.feed(STREAM.getBytes(UTF_8)), UTF_8) + new String(f.end(), UTF_8);
    assertThat(out).isEqualTo(EXPECTED);
    assertThat(f.seen()).isEqualTo(6);
    assertThat(f.forwarded()).isEqualTo(4);
  }

  @Test
  void chunkBoundariesDoNotMatterEvenOneByteAtATime() {
    byte[] in = STREAM.getBytes(UTF_8);
    for (int size : new int[] {1, 2, 3, 7, 64, 1000}) {
      WatchFilter f = WatchFilter.create(VISIBLE, 1 << 20);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int i = 0; i < in.length; i += size) {
        out.writeBytes(f.feed(Arrays.copyOfRange(in, i, Math.min(in.length, i + size))));
      }
      out.writeBytes(f.end());
      assertThat(out.toString(UTF_8)).as("chunk size %d", size).isEqualTo(EXPECTED);
    }
  }

  @Test
  void randomChunkingOfALongStreamGivesTheSameOutput() {
    StringBuilder s = new StringBuilder();
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      String name = i % 3 == 0 ? "a" : "b" + i;
      s.append(ns("MODIFIED", name));
      if (name.equals("a")) {
        expected.append(ns("MODIFIED", name));
      }
    }
    byte[] in = s.toString().getBytes(UTF_8);
    Random random = new Random(3);
    WatchFilter f = WatchFilter.create(VISIBLE, 4096);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < in.length) {
      int n = Math.min(in.length - i, 1 + random.nextInt(300));
      out.writeBytes(f.feed(ByteBuffer.wrap(in, i, n)));
      i += n;
    }
    out.writeBytes(f.end());
    assertThat(out.toString(UTF_8)).isEqualTo(expected.toString());
  }

  @Test
  void eventsWithoutNewlinesOrWithExtraWhitespaceAreSeparated() {
    String in =
        ns("ADDED", "a").trim()
            + "  "
            + ns("ADDED", "b").trim()
            + "\r\n\n"
            + ns("ADDED", "c").trim();
    WatchFilter f = WatchFilter.create(VISIBLE, 1 << 20);
    String out = new String(f.feed(in.getBytes(UTF_8)), UTF_8) + new String(f.end(), UTF_8);
    assertThat(out).isEqualTo(ns("ADDED", "a") + ns("ADDED", "c"));
  }

  @Test
  void anEventLargerThanTheLimitFailsWithoutBufferingMore() {
    WatchFilter f = WatchFilter.create(m -> true, 100);
    String big = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"" + "x".repeat(200);
    assertThatThrownBy(() -> f.feed(big.getBytes(UTF_8)))
        .isInstanceOfSatisfying(KubeStatusException.class, e -> assertThat(e.code()).isEqualTo(500))
        .hasMessage("watch event larger than 100 bytes");
    assertThatThrownBy(() -> f.feed(new byte[] {'}'})).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aCompleteEventLargerThanTheLimitAlsoFails() {
    WatchFilter f = WatchFilter.create(m -> true, 50);
    assertThatThrownBy(() -> f.feed(ns("ADDED", "a".repeat(60)).getBytes(UTF_8)))
        .isInstanceOfSatisfying(
            KubeStatusException.class, e -> assertThat(e.code()).isEqualTo(500));
  }

  @Test
  void malformedStreamsFailWithBadRequest() {
    for (String bad : List.of("{\"type\":}", "[1]\n", "\"x\"\n", "{\"a\":1}}", "nul")) {
      WatchFilter f = WatchFilter.create(m -> true, 1 << 20);
      assertThatThrownBy(
              () -> {
                f.feed(bad.getBytes(UTF_8));
                f.end();
              })
          .as(bad)
          .isInstanceOfSatisfying(
              KubeStatusException.class, e -> assertThat(e.code()).isEqualTo(400));
    }
  }

  @Test
  void aTruncatedLastEventFailsAtEnd() {
    WatchFilter f = WatchFilter.create(m -> true, 1 << 20);
    f.feed("{\"type\":\"ADDED\",\"obj".getBytes(UTF_8));
    assertThatThrownBy(f::end)
        .isInstanceOfSatisfying(
            KubeStatusException.class, e -> assertThat(e.code()).isEqualTo(400));
  }

  private static String tableEvent(String type, String name, boolean columns) {
    return "{\"type\":\""
        + type
        + "\",\"object\":{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{\"resourceVersion\":\"5\"},"
        + "\"columnDefinitions\":"
        + (columns
            ? "[{\"name\":\"Name\",\"type\":\"string\"},{\"name\":\"Status\",\"type\":\"string\"}]"
            : "null")
        + ",\"rows\":[{\"cells\":[\""
        + name
        + "\",\"Active\"],\"object\":{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\","
        + "\"metadata\":{\"name\":\""
        + name
        + "\"}}}]}}\n";
  }

  @Test
  void tableEventsCarryColumnDefinitionsOfADroppedFirstEvent() throws Exception {
    String in =
        tableEvent("ADDED", "b", true)
            + tableEvent("ADDED", "a", false)
            + tableEvent("ADDED", "c", false);
    WatchFilter f = WatchFilter.create(VISIBLE, 1 << 20);
    String out = new String(f.feed(in.getBytes(UTF_8)), UTF_8) + new String(f.end(), UTF_8);
    List<JsonNode> events = events(out);
    assertThat(events).hasSize(2);
    assertThat(events.get(0).at("/object/rows/0/cells/0").asText()).isEqualTo("a");
    assertThat(events.get(0).at("/object/columnDefinitions")).hasSize(2);
    assertThat(events.get(0).at("/object/columnDefinitions/1/name").asText()).isEqualTo("Status");
    assertThat(events.get(1).at("/object/columnDefinitions").isNull()).isTrue();
    assertThat(out.split("\n")[1]).isEqualTo(tableEvent("ADDED", "c", false).trim());
  }

  @Test
  void tableEventsPassUnchangedWhenTheFirstEventIsVisible() {
    String in =
        tableEvent("ADDED", "a", true)
            + tableEvent("ADDED", "b", false)
            + tableEvent("ADDED", "c", false);
    WatchFilter f = WatchFilter.create(VISIBLE, 1 << 20);
    String out = new String(f.feed(in.getBytes(UTF_8)), UTF_8);
    assertThat(out).isEqualTo(tableEvent("ADDED", "a", true) + tableEvent("ADDED", "c", false));
  }

  @Test
  void tableEventsWithSeveralRowsKeepOnlyVisibleRows() throws Exception {
    String in =
        "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Table\",\"metadata\":{\"remainingItemCount\":2},\"columnDefinitions\":[],"
            + "\"rows\":[{\"cells\":[\"a\"]},{\"cells\":[\"b\"]},{\"cells\":[\"c\"]}]}}\n";
    WatchFilter f = WatchFilter.create(VISIBLE, 1 << 20);
    List<JsonNode> events = events(new String(f.feed(in.getBytes(UTF_8)), UTF_8));
    assertThat(events).hasSize(1);
    assertThat(events.get(0).at("/object/rows")).hasSize(2);
    assertThat(events.get(0).at("/object/rows/1/cells/0").asText()).isEqualTo("c");
    assertThat(events.get(0).at("/object/metadata").has("remainingItemCount")).isFalse();
  }

  @Test
  void separateRowPredicateDecidesTableRows() {
    WatchFilter f = WatchFilter.create(m -> false, r -> r.name().equals("b"), 1 << 20);
    String out = new String(f.feed(tableEvent("ADDED", "b", true).getBytes(UTF_8)), UTF_8);
    assertThat(out).isEqualTo(tableEvent("ADDED", "b", true));
  }

  private static List<JsonNode> events(String out) throws Exception {
    List<JsonNode> events = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isEmpty()) {
        events.add(MAPPER.readTree(line));
      }
    }
    return events;
  }
}
