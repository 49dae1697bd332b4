package dev.tenantproxy.filters.selector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Property tests: the selector parsers give a selector or a 400 Status for any input. */
class SelectorPropertiesTest {

  @Property(tries = 500)
  void anyStringGivesALabelSelectorOrA400(@ForAll("messy") String input) {
    try {
      LabelSelector.parse(input);
    } catch (KubeStatusException e) {
      assertThat(e.code()).isEqualTo(400);
    }
  }

  @Property(tries = 500)
  void anyStringGivesAFieldSelectorOrA400(@ForAll("messy") String input) {
    try {
      FieldSelector.parse(input);
    } catch (KubeStatusException e) {
      assertThat(e.code()).isEqualTo(400);
    }
    try {
      FieldSelector.parse(input, FieldLabels.namespaces());
    } catch (KubeStatusException e) {
      assertThat(e.code()).isEqualTo(400);
    }
  }

  @Property(tries = 300)
  void generatedValidLabelSelectorsParseMatchLikeTheReferenceAndRoundTrip(
      @ForAll("requirements") List<Req> reqs, @ForAll("labels") Map<String, String> labels) {
    String text = String.join(",", reqs.stream().map(Req::text).toList());
    LabelSelector selector = LabelSelector.parse(text);
    boolean expected = reqs.stream().allMatch(r -> r.holds(labels));
    assertThat(selector.matches(labels)).isEqualTo(expected);
    assertThat(LabelSelector.parse(selector.toString())).isEqualTo(selector);
  }

  /** One requirement of the grammar and its reference semantics. */
  record Req(String key, String op, String value) {
    String text() {
      return switch (op) {
        case "exists" -> key;
        case "!" -> "!" + key;
        default -> key + op + value;
      };
    }

    boolean holds(Map<String, String> labels) {
      String actual = labels.get(key);
      return switch (op) {
        case "exists" -> actual != null;
        case "!" -> actual == null;
        case "=", "==" -> value.equals(actual);
        case "!=" -> !value.equals(actual);
        default -> throw new IllegalStateException(op);
      };
    }
  }

  private static final List<String> KEYS = List.of("a", "app", "example.com/tier", "b-1", "x_y");
  private static final List<String> VALUES = List.of("", "v", "web", "a.b-c_d", "1");

  @Provide
  Arbitrary<List<Req>> requirements() {
    Arbitrary<Req> req =
        Combinators.combine(
                Arbitraries.of(KEYS),
                Arbitraries.of("exists", "!", "=", "==", "!="),
                Arbitraries.of(VALUES))
            .as(Req::new);
    return req.list().ofMinSize(1).ofMaxSize(5);
  }

  @Provide
  Arbitrary<Map<String, String>> labels() {
    return Arbitraries.maps(Arbitraries.of(KEYS), Arbitraries.of(VALUES)).ofMaxSize(5);
  }

  @Provide
  Arbitrary<String> messy() {
    Arbitrary<String> tokens =
        Arbitraries.of(
            "a",
            "=",
            "==",
            "!=",
            "!",
            ",",
            "(",
            ")",
            " in ",
            " notin ",
            " gt ",
            " lt ",
            "/",
            ".",
            "-",
            "_",
            "\\",
            "\u0000",
            "\u00e9",
            "\ud83d\ude00",
            " ",
            "\t",
            "metadata.name",
            "metadata.namespace",
            "5");
    Arbitrary<String> grammarish =
        tokens.list().ofMaxSize(40).map(l -> String.join("", new ArrayList<>(l)));
    Arbitrary<String> nested =
        Arbitraries.integers().between(1, 5000).map(n -> "a in " + "(".repeat(n) + ")".repeat(n));
    Arbitrary<String> commas = Arbitraries.integers().between(1, 20000).map(n -> ",".repeat(n));
    Arbitrary<String> huge =
        Arbitraries.integers().between(1, 200000).map(n -> "k=" + "v".repeat(n));
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(200), grammarish, nested, commas, huge);
  }
}
