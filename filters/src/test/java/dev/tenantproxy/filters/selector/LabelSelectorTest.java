package dev.tenantproxy.filters.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LabelSelectorTest {
  private static final Map<String, String> LABELS =
      Map.of("env", "prod", "tier", "web", "n", "5", "example.com/team", "blue", "empty", "");

  static Stream<Arguments> matching() {
    return Stream.of(
        arguments("", true),
        arguments("   ", true),
        arguments("env=prod", true),
        arguments("env==prod", true),
        arguments("env=dev", false),
        arguments("env!=dev", true),
        arguments("env!=prod", false),
        arguments("missing!=x", true),
        arguments("env in (dev,prod)", true),
        arguments("env in (dev)", false),
        arguments("env notin (dev,qa)", true),
        arguments("env notin (prod)", false),
        arguments("missing notin (a)", true),
        arguments("missing in (a)", false),
        arguments("env", true),
        arguments("missing", false),
        arguments("!missing", true),
        arguments("!env", false),
        arguments("n>4", true),
        arguments("n>5", false),
        arguments("n<6", true),
        arguments("n<5", false),
        arguments("n>04", true),
        arguments("env>1", false),
        arguments("missing<10", false),
        arguments("env=prod,tier=web", true),
        arguments("env=prod,tier=db", false),
        arguments(" env = prod , tier in ( web , db ) ", true),
        arguments("example.com/team=blue", true),
        arguments("empty=", true),
        arguments("empty in ()", true),
        arguments("missing=", false),
        arguments("env in (,prod)", true),
        arguments("in=x", false),
        arguments("notin", false),
        arguments("env in (in, notin, prod)", true));
  }

  @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
  @MethodSource("matching")
  void matchesLikeTheApiServer(String selector, boolean expected) {
    assertThat(LabelSelector.parse(selector).matches(LABELS)).isEqualTo(expected);
  }

  static Stream<Arguments> invalid() {
    String nameRegex =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an"
            + " alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for"
            + " validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    return Stream.of(
        arguments("x=a,y=b z=c", "found 'z', expected: ',' or 'end of string'"),
        arguments(
            "a b",
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        arguments("x=a,", "found '', expected: identifier after ','"),
        arguments("x=a,,y=b", "found ',', expected: identifier after ','"),
        arguments("=a", "found '=', expected: !, identifier, or 'end of string'"),
        arguments("!x=a", "found '=', expected: ',' or 'end of string'"),
        arguments("x in a", "unable to parse requirement: found 'a' expected: '('"),
        arguments("x in (a", "unable to parse requirement: found '', expected: ',' or ')'"),
        arguments(
            "x in (", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
        arguments("x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"),
        arguments(
            "x in (a,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
        arguments("x=(", "unable to parse requirement: found '(', expected: identifier"),
        arguments("!", "unable to parse requirement: found '', expected: identifier"),
        arguments(
            "x>a",
            "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt'"
                + " operators, the value must be an integer"),
        arguments(
            "x>",
            "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators,"
                + " the value must be an integer"),
        arguments(
            "-x=a",
            "unable to parse requirement: <nil>: Invalid value: \"-x\": name part " + nameRegex),
        arguments(
            "a/b/c=d",
            "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name "
                + nameRegex
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"),
        arguments(
            "/b=c",
            "unable to parse requirement: <nil>: Invalid value: \"/b\": prefix part must be non-empty"),
        arguments(
            "Example.com/b",
            "unable to parse requirement: <nil>: Invalid value: \"Example.com/b\": prefix part a lowercase"
                + " RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.',"
                + " and must start and end with an alphanumeric character (e.g. 'example.com', regex"
                + " used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
        arguments(
            "a".repeat(64),
            "unable to parse requirement: <nil>: Invalid value: \""
                + "a".repeat(64)
                + "\": name part must be no more than 63 characters"),
        arguments(
            "k=" + "v".repeat(64),
            "unable to parse requirement: values[0][k]: Invalid value: \""
                + "v".repeat(64)
                + "\": must be no more than 63 characters"),
        arguments(
            "k=-v",
            "unable to parse requirement: values[0][k]: Invalid value: \"-v\": a valid label must be"
                + " an empty string or consist of alphanumeric characters, '-', '_' or '.', and must"
                + " start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or"
                + " '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
        arguments(
            "k>-v",
            "unable to parse requirement: [values[0]: Invalid value: \"-v\": for 'Gt', 'Lt' operators,"
                + " the value must be an integer, values[0][k]: Invalid value: \"-v\": a valid label"
                + " must be an empty string or consist of alphanumeric characters, '-', '_' or '.',"
                + " and must start and end with an alphanumeric character (e.g. 'MyValue',  or"
                + " 'my_value',  or '12345', regex used for validation is"
                + " '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]"));
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @MethodSource("invalid")
  void rejectsInvalidSelectorsWithTheApiServersMessage(String selector, String message) {
    assertThatThrownBy(() -> LabelSelector.parse(selector))
        .isInstanceOfSatisfying(
            KubeStatusException.class,
            e -> {
              assertThat(e.code()).isEqualTo(400);
              assertThat(e.reason()).isEqualTo("BadRequest");
            })
        .hasMessage(message);
  }

  @Test
  void keyNamePartMayBeSixtyThreeCharactersWithAPrefix() {
    String key = "example.com/" + "a".repeat(63);
    assertThat(LabelSelector.parse(key + "=x").matches(Map.of(key, "x"))).isTrue();
  }

  @Test
  void emptySelectorMatchesEverythingIncludingNoLabels() {
    assertThat(LabelSelector.parse("").isEmpty()).isTrue();
    assertThat(LabelSelector.parse(null).matches(null)).isTrue();
  }

  @Test
  void notInMatchesObjectsWithoutTheKey() {
    assertThat(LabelSelector.parse("env notin (prod)").matches(Map.of())).isTrue();
  }

  @Test
  void greaterThanComparesIntegersNotStrings() {
    assertThat(LabelSelector.parse("n>9").matches(Map.of("n", "10"))).isTrue();
    assertThat(LabelSelector.parse("n<9").matches(Map.of("n", "10"))).isFalse();
  }

  @Test
  void greaterThanIgnoresNonAsciiDigitsInLabelValues() {
    assertThat(LabelSelector.parse("n>1").matches(Map.of("n", "\u0665"))).isFalse();
  }

  @Test
  void requirementsAreSortedByKeyAndPrintedCanonically() {
    LabelSelector s = LabelSelector.parse("z in (b,a),a!=1,!m,k");
    assertThat(s.toString()).isEqualTo("a!=1,k,!m,z in (a,b)");
    assertThat(LabelSelector.parse(s.toString())).isEqualTo(s);
  }

  @Test
  void exactMatchReturnsTheSingleRequiredValue() {
    assertThat(LabelSelector.parse("a=1,b in (2),c in (3,4)").exactMatch("b")).contains("2");
    assertThat(LabelSelector.parse("c in (3,4)").exactMatch("c")).isEmpty();
    assertThat(LabelSelector.parse("a!=1").exactMatch("a")).isEmpty();
  }

  @Test
  void randomInputNeverThrowsAnythingButBadRequest() {
    Random random = new Random(42);
    String alphabet = "ab=!(),<> \tin notin1-_./\\\u00e9\u0000";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      int n = random.nextInt(24);
      for (int j = 0; j < n; j++) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String input = b.toString();
      try {
        LabelSelector parsed = LabelSelector.parse(input);
        parsed.matches(Map.of("a", "1", "b", "x"));
        // the canonical form of a valid selector parses to the same selector
        assertThat(LabelSelector.parse(parsed.toString())).as(input).isEqualTo(parsed);
      } catch (KubeStatusException e) {
        assertThat(e.code()).as(input).isEqualTo(400);
      }
    }
  }
}
