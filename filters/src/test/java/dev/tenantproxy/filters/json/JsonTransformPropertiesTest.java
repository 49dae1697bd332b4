package dev.tenantproxy.filters.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Predicate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Property tests of the streaming transforms ({@link TableFilter}, {@link WatchFilter}, {@link
 * ListFilter}): for well-formed input and an arbitrary visibility predicate the output is exactly
 * the input with the invisible rows / items / events removed (order kept, nothing else changed but
 * {@code metadata.remainingItemCount}); for any input (truncated, mutated, random, deeply nested)
 * the result is an output or a {@link KubeStatusException} — never another exception, never a hang.
 * Inputs are built from a seed so that jqwik shrinks and reports a reproducible case.
 */
class JsonTransformPropertiesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Duration HANG = Duration.ofSeconds(20);
  private static final List<String> NAMES = List.of("a", "b", "c", "d", "e", "f");
  private static final List<String> NAMESPACES = List.of("ns-1", "ns-2", "ns-3", "");

  /** An arbitrary visibility predicate: a pseudo-random function of namespace, name and labels. */
  private static Predicate<ItemMeta> predicate(long seed) {
    return m ->
        Math.floorMod(Objects.hash(seed, m.namespace(), m.name(), m.labels()) * 31 + seed, 3) != 0;
  }

  /** What the two-argument {@link WatchFilter#create} and the proxy decide a row by. */
  private static Predicate<TableRow> rowPredicate(Predicate<ItemMeta> visible) {
    return row ->
        visible.test(row.object() != null ? row.object() : new ItemMeta("", row.name(), null));
  }

  // ---- Table ------------------------------------------------------------------------------------

  @Property(tries = 300)
  void aWellFormedTableKeepsExactlyTheVisibleRowsInOrderAndNothingElseChanges(
      @ForAll long seed, @ForAll long predicateSeed) throws Exception {
    Random random = new Random(seed);
    ObjectNode table = table(random);
    Predicate<TableRow> keep = rowPredicate(predicate(predicateSeed));
    byte[] in = MAPPER.writeValueAsBytes(table);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    FilterResult result =
        assertTimeoutPreemptively(
            HANG,
            () -> TableFilter.keeping(keep).filter(new java.io.ByteArrayInputStream(in), out));

    ObjectNode expected = table.deepCopy();
    ArrayNode rows = NODES.arrayNode();
    for (JsonNode row : table.get("rows")) {
      if (keep.test(rowOf(row))) {
        rows.add(row);
      }
    }
    expected.set("rows", rows);
    ((ObjectNode) expected.get("metadata")).remove("remainingItemCount");
    assertThat(MAPPER.readTree(out.toByteArray())).isEqualTo(expected);
    assertThat(result).isEqualTo(new FilterResult(table.get("rows").size(), rows.size()));
  }

  @Property(tries = 400)
  void anyTableBytesGiveATableOrAStatusNeverAnotherFailureOrAHang(
      @ForAll("tableBodies") byte[] body, @ForAll long predicateSeed) {
    Predicate<TableRow> keep = rowPredicate(predicate(predicateSeed));
    assertTimeoutPreemptively(
        HANG,
        () -> {
          try {
            byte[] out = TableFilter.keeping(keep).filter(body);
            // what it wrote is one JSON object
            assertThat(MAPPER.readTree(out).isObject()).isTrue();
          } catch (KubeStatusException e) {
            assertThat(e.code()).isBetween(400, 499);
          }
        });
  }

  @Property(tries = 200)
  void aTruncatedTableIsNeverAnsweredAsComplete(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 1000) int cutPermille) throws Exception {
    byte[] whole = MAPPER.writeValueAsBytes(table(new Random(seed)));
    int cut = (int) ((long) whole.length * cutPermille / 1001);
    byte[] prefix = java.util.Arrays.copyOf(whole, cut);
    Predicate<TableRow> keep = rowPredicate(predicate(seed));
    assertTimeoutPreemptively(
        HANG,
        () -> {
          try {
            TableFilter.keeping(keep).filter(prefix);
            throw new AssertionError("a truncated Table (" + cut + " bytes) was accepted");
          } catch (KubeStatusException e) {
            assertThat(e.code()).isEqualTo(400);
          }
        });
  }

  // ---- List -------------------------------------------------------------------------------------

  @Property(tries = 300)
  void aWellFormedListKeepsExactlyTheVisibleItemsWhateverThePredicate(
      @ForAll long seed, @ForAll long predicateSeed) throws Exception {
    Random random = new Random(seed);
    Predicate<ItemMeta> keep = predicate(predicateSeed);
    ObjectNode list = NODES.objectNode();
    list.put("kind", "PodList").put("apiVersion", "v1");
    ObjectNode meta = list.putObject("metadata");
    meta.put("resourceVersion", Integer.toString(random.nextInt(1000)));
    if (random.nextBoolean()) {
      meta.put("remainingItemCount", random.nextInt(50));
    }
    if (random.nextBoolean()) {
      meta.put("continue", "tok" + random.nextInt(9));
    }
    ArrayNode items = list.putArray("items");
    ArrayNode expectedItems = NODES.arrayNode();
    for (int i = random.nextInt(25); i > 0; i--) {
      ObjectNode item = object(random);
      items.add(item);
      if (keep.test(metaOf(item))) {
        expectedItems.add(item);
      }
    }
    byte[] out =
        assertTimeoutPreemptively(
            HANG, () -> ListFilter.keeping(keep).filter(MAPPER.writeValueAsBytes(list)));
    ObjectNode expected = list.deepCopy();
    expected.set("items", expectedItems);
    ((ObjectNode) expected.get("metadata")).remove("remainingItemCount");
    assertThat(MAPPER.readTree(out)).isEqualTo(expected);
  }

  // ---- Watch ------------------------------------------------------------------------------------

  @Property(tries = 300)
  void aWellFormedWatchForwardsExactlyTheVisibleEventsByteForByteWhateverTheChunks(
      @ForAll long seed, @ForAll long predicateSeed) throws Exception {
    Random random = new Random(seed);
    Predicate<ItemMeta> visible = predicate(predicateSeed);
    StringBuilder in = new StringBuilder();
    StringBuilder expected = new StringBuilder();
    int events = random.nextInt(30);
    int kept = 0;
    for (int i = 0; i < events; i++) {
      ObjectNode event = NODES.objectNode();
      int kind = random.nextInt(10);
      boolean keep;
      if (kind == 0) {
        event.put("type", "BOOKMARK");
        event
            .putObject("object")
            .put("kind", "Pod")
            .putObject("metadata")
            .put("resourceVersion", Integer.toString(i));
        keep = true;
      } else if (kind == 1) {
        event.put("type", "ERROR");
        event.putObject("object").put("kind", "Status").put("code", 410).put("reason", "Expired");
        keep = true;
      } else {
        event.put("type", List.of("ADDED", "MODIFIED", "DELETED").get(random.nextInt(3)));
        ObjectNode object = object(random);
        event.set("object", object);
        keep = visible.test(metaOf(object));
      }
      String json = MAPPER.writeValueAsString(event);
      in.append(json).append(List.of("\n", "\r\n", " \n ", "", "\n\n").get(random.nextInt(5)));
      if (keep) {
        expected.append(json).append('\n');
        kept++;
      }
    }
    WatchFilter filter = WatchFilter.create(visible, 1 << 20);
    String out = assertTimeoutPreemptively(HANG, () -> feedInChunks(filter, in.toString(), random));
    assertThat(out).isEqualTo(expected.toString());
    assertThat(filter.seen()).isEqualTo(events);
    assertThat(filter.forwarded()).isEqualTo(kept);
  }

  @Example
  void aTableWatchWhoseFirstEventIsHiddenCarriesItsColumnsOnTheNextEventEvenWithoutRows()
      throws Exception {
    // found by the property below (seed 1222, predicate 0): event 0 hidden, event 1 with no rows
    tableWatchEventsKeepTheVisibleRowsAndTheFirstColumnDefinitions(1222, 0);
  }

  @Property(tries = 200)
  void tableWatchEventsKeepTheVisibleRowsAndTheFirstColumnDefinitions(
      @ForAll long seed, @ForAll long predicateSeed) throws Exception {
    Random random = new Random(seed);
    Predicate<ItemMeta> visible = predicate(predicateSeed);
    Predicate<TableRow> keepRow = rowPredicate(visible);
    StringBuilder in = new StringBuilder();
    List<JsonNode> expected = new ArrayList<>();
    JsonNode firstColumns = null;
    boolean columnsSent = false;
    int events = 1 + random.nextInt(12);
    for (int i = 0; i < events; i++) {
      ObjectNode table = table(random);
      if (i == 0) {
        firstColumns = table.get("columnDefinitions");
      } else {
        table.putNull("columnDefinitions"); // as the API server sends later Table events
      }
      ObjectNode event = NODES.objectNode();
      event.put("type", List.of("ADDED", "MODIFIED", "DELETED").get(random.nextInt(3)));
      event.set("object", table);
      in.append(MAPPER.writeValueAsString(event)).append('\n');
      boolean noRows = table.get("rows").isEmpty();
      if (noRows && (columnsSent || i == 0)) {
        // nothing to hide and no column definitions to carry: passed on as it came
        expected.add(event);
        columnsSent = true;
        continue;
      }
      ArrayNode rows = NODES.arrayNode();
      table.get("rows").forEach(r -> (keepRow.test(rowOf(r)) ? rows : NODES.arrayNode()).add(r));
      if (rows.isEmpty() && !noRows) {
        continue; // every row hidden: the event is dropped
      }
      // an event with no rows after the first events were dropped still carries the first
      // event's column definitions (the client's first Table), so it is rewritten below
      if (rows.size() == table.get("rows").size() && (columnsSent || i == 0)) {
        // every row visible and no column definitions to carry: passed on byte for byte
        expected.add(event);
        columnsSent = true;
        continue;
      }
      ObjectNode out = event.deepCopy();
      ObjectNode outTable = (ObjectNode) out.get("object");
      outTable.set("rows", rows);
      ((ObjectNode) outTable.get("metadata")).remove("remainingItemCount");
      if (!columnsSent) {
        outTable.set("columnDefinitions", firstColumns);
        columnsSent = true;
      }
      expected.add(out);
    }
    WatchFilter filter = WatchFilter.create(visible, 1 << 20);
    String out = assertTimeoutPreemptively(HANG, () -> feedInChunks(filter, in.toString(), random));
    List<JsonNode> got = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isEmpty()) {
        got.add(MAPPER.readTree(line));
      }
    }
    assertThat(got).isEqualTo(expected);
  }

  @Example
  void aWatchEventWithANewlineInsideItsJsonIsRelayedAsOneEvent() {
    // found by the property below (seed 1011010171090374214): the property's check read the output
    // line by line, so JSON whitespace inside a relayed event looked like two broken events
    anyWatchBytesInAnyChunksGiveEventsOrAStatusNeverAnotherFailureOrAHang(
        ("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
                + "\"metadata\":{\"resourceVersion\":\"719\",\"name\":\"b\",\"labels\":{\"team\":"
                + "\"c\"},\"namespace\":\"ns-3\"}}} {\"type\":\"X\",\"object\":{\"kind\":\"Pod\","
                + "\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"d\",\"resourceVersion\":\"673\","
                + "\"namespace\":\n\"s-1\"}}}\n")
            .getBytes(UTF_8),
        1,
        147);
  }

  @Property(tries = 400)
  void anyWatchBytesInAnyChunksGiveEventsOrAStatusNeverAnotherFailureOrAHang(
      @ForAll("watchBodies") byte[] body,
      @ForAll long chunkSeed,
      @ForAll @IntRange(min = 16, max = 4096) int maxEventBytes) {
    WatchFilter filter = WatchFilter.create(predicate(chunkSeed), maxEventBytes);
    assertTimeoutPreemptively(
        HANG,
        () -> {
          try {
            String out = feedInChunks(filter, body, new Random(chunkSeed));
            // a watch body is a stream of JSON values, not of lines: an event relayed verbatim
            // may hold JSON whitespace, newlines included (clients read it with a JSON decoder)
            try (MappingIterator<JsonNode> events =
                MAPPER.readerFor(JsonNode.class).readValues(out)) {
              while (events.hasNextValue()) {
                JsonNode event = events.nextValue();
                assertThat(event.isObject()).as(out).isTrue();
              }
            }
          } catch (KubeStatusException e) {
            assertThat(e.code()).isIn(400, 500);
          }
        });
  }

  // ---- inputs -----------------------------------------------------------------------------------

  private static String feedInChunks(WatchFilter filter, String in, Random random) {
    return feedInChunks(filter, in.getBytes(UTF_8), random);
  }

  /** Feeds {@code in} in random chunks of 1 to 64 bytes, then ends the stream. */
  private static String feedInChunks(WatchFilter filter, byte[] in, Random random) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    while (at < in.length) {
      int n = 1 + random.nextInt(Math.min(in.length - at, 1 + random.nextInt(64)));
      out.writeBytes(filter.feed(in, at, n));
      at += n;
    }
    out.writeBytes(filter.end());
    return out.toString(UTF_8);
  }

  private static ObjectNode object(Random random) {
    ObjectNode object = NODES.objectNode();
    object.put("kind", "Pod").put("apiVersion", "v1");
    ObjectNode meta = object.putObject("metadata");
    List<Runnable> fields = new ArrayList<>();
    String name = NAMES.get(random.nextInt(NAMES.size()));
    String namespace = NAMESPACES.get(random.nextInt(NAMESPACES.size()));
    fields.add(() -> meta.put("name", name));
    if (!namespace.isEmpty()) {
      fields.add(() -> meta.put("namespace", namespace));
    }
    if (random.nextBoolean()) {
      fields.add(
          () -> {
            ObjectNode labels = meta.putObject("labels");
            labels.put("team", NAMES.get(random.nextInt(3)));
            if (random.nextBoolean()) {
              labels.put("tier", "x");
            }
          });
    }
    fields.add(() -> meta.put("resourceVersion", Integer.toString(random.nextInt(1000))));
    Collections.shuffle(fields, random);
    fields.forEach(Runnable::run);
    if (random.nextBoolean()) {
      object.putObject("spec").put("nested", "{\"metadata\":{\"name\":\"z\"}}").putArray("l");
    }
    return object;
  }

  private static ObjectNode table(Random random) {
    ObjectNode table = NODES.objectNode();
    List<Runnable> fields = new ArrayList<>();
    fields.add(() -> table.put("kind", "Table"));
    fields.add(
        () ->
            table.put(
                "apiVersion", random.nextBoolean() ? "meta.k8s.io/v1" : "meta.k8s.io/v1beta1"));
    fields.add(
        () -> {
          ObjectNode meta = table.putObject("metadata");
          meta.put("resourceVersion", Integer.toString(random.nextInt(1000)));
          if (random.nextBoolean()) {
            meta.put("remainingItemCount", random.nextInt(20));
          }
          if (random.nextBoolean()) {
            meta.put("continue", "tok");
          }
        });
    fields.add(
        () -> {
          ArrayNode columns = table.putArray("columnDefinitions");
          columns.addObject().put("name", "Name").put("type", "string").put("format", "name");
          columns.addObject().put("name", "Age").put("type", "string");
        });
    fields.add(
        () -> {
          ArrayNode rows = table.putArray("rows");
          for (int i = random.nextInt(12); i > 0; i--) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            String name = NAMES.get(random.nextInt(NAMES.size()));
            int shape = random.nextInt(4);
            if (shape == 0) {
              cells.add(random.nextInt(9)); // a first cell that is not a string
            } else {
              cells.add(name);
            }
            cells.add(random.nextInt(100) + "d");
            if (shape >= 2) {
              // includeObject=Metadata / Object
              ObjectNode object = object(random);
              ((ObjectNode) object.get("metadata")).put("name", name);
              object.put("kind", shape == 2 ? "PartialObjectMetadata" : "Pod");
              row.set("object", object);
            }
          }
        });
    if (random.nextBoolean()) {
      fields.add(() -> table.putObject("extra").putArray("rows").add("not a row"));
    }
    Collections.shuffle(fields, random);
    fields.forEach(Runnable::run);
    return table;
  }

  /** The TableRow the filters build from a row. */
  private static TableRow rowOf(JsonNode row) {
    JsonNode first = row.path("cells").path(0);
    JsonNode object = row.get("object");
    return new TableRow(
        object == null || !object.isObject() ? null : metaOf(object),
        first.isTextual() ? first.asText() : null);
  }

  private static ItemMeta metaOf(JsonNode object) {
    JsonNode meta = object.path("metadata");
    Map<String, String> labels = new java.util.HashMap<>();
    meta.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    return new ItemMeta(meta.path("namespace").asText(""), meta.path("name").asText(""), labels);
  }

  @Provide
  Arbitrary<byte[]> tableBodies() {
    Arbitrary<byte[]> valid = Arbitraries.longs().map(s -> bytes(table(new Random(s))));
    Arbitrary<byte[]> mutated =
        Arbitraries.longs()
            .map(
                s -> {
                  Random r = new Random(s);
                  byte[] b = bytes(table(r));
                  String noise = "{}[],:\"\\ x0\u00ff";
                  for (int i = 1 + r.nextInt(4); i > 0; i--) {
                    b[r.nextInt(b.length)] = (byte) noise.charAt(r.nextInt(noise.length()));
                  }
                  return b;
                });
    Arbitrary<byte[]> truncated =
        Arbitraries.longs()
            .map(
                s -> {
                  Random r = new Random(s);
                  byte[] b = bytes(table(r));
                  return java.util.Arrays.copyOf(b, r.nextInt(b.length));
                });
    Arbitrary<byte[]> nested =
        Arbitraries.integers()
            .between(1, 5000)
            .map(
                n ->
                    ("{\"kind\":\"Table\",\"rows\":[{\"cells\":["
                            + "[".repeat(n)
                            + "]".repeat(n)
                            + "],\"object\":"
                            + "{\"a\":".repeat(n % 1000)
                            + "1"
                            + "}".repeat(n % 1000)
                            + "}]}")
                        .getBytes(UTF_8));
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    return Arbitraries.oneOf(
        valid,
        mutated,
        truncated,
        nested,
        random,
        Arbitraries.strings().map(s -> s.getBytes(UTF_8)));
  }

  @Provide
  Arbitrary<byte[]> watchBodies() {
    Arbitrary<String> event =
        Arbitraries.longs()
            .map(
                s -> {
                  Random r = new Random(s);
                  ObjectNode e = NODES.objectNode();
                  e.put("type", List.of("ADDED", "BOOKMARK", "ERROR", "X").get(r.nextInt(4)));
                  e.set("object", r.nextBoolean() ? object(r) : table(r));
                  return new String(bytes(e), UTF_8) + "\n";
                });
    Arbitrary<byte[]> stream =
        event.list().ofMaxSize(6).map(l -> String.join("", l).getBytes(UTF_8));
    Arbitrary<byte[]> mutated =
        Arbitraries.longs()
            .flatMap(
                s ->
                    stream.map(
                        original -> {
                          Random r = new Random(s);
                          byte[] b = original.clone();
                          if (b.length > 0) {
                            for (int i = 1 + r.nextInt(4); i > 0; i--) {
                              b[r.nextInt(b.length)] =
                                  (byte) "{}[],:\"\\ x0\n".charAt(r.nextInt(12));
                            }
                          }
                          return b;
                        }));
    Arbitrary<byte[]> truncated =
        Arbitraries.longs()
            .flatMap(
                s ->
                    stream.map(
                        b ->
                            java.util.Arrays.copyOf(
                                b, b.length == 0 ? 0 : new Random(s).nextInt(b.length))));
    Arbitrary<byte[]> nested =
        Arbitraries.integers()
            .between(1, 5000)
            .map(
                n ->
                    ("{\"type\":\"ADDED\",\"object\":" + "[".repeat(n) + "]".repeat(n) + "}\n")
                        .getBytes(UTF_8));
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    return Arbitraries.oneOf(
        stream,
        mutated,
        truncated,
        nested,
        random,
        Arbitraries.strings().map(s -> s.getBytes(UTF_8)));
  }

  private static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
