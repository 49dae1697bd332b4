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

class FieldSelectorTest {
  private static final Map<String, String> FIELDS =
      Map.of("metadata.name", "foo", "status.phase", "Active", "odd", "a,b=c\\d");

  static Stream<Arguments> matching() {
    return Stream.of(
        arguments("", true),
        arguments("metadata.name=foo", true),
        arguments("metadata.name==foo", true),
        arguments("metadata.name=bar", false),
        arguments("metadata.name!=bar", true),
        arguments("metadata.name!=foo", false),
        arguments("metadata.name=foo,status.phase=Active", true),
        arguments("metadata.name=foo,status.phase=Terminating", false),
        arguments("metadata.name=foo,,", true),
        arguments("odd=a\\,b\\=c\\\\d", true),
        arguments("missing=", true),
        arguments("missing!=", false),
        arguments("metadata.name=fo!o", false),
        arguments("metadata.name=!foo", false));
  }

  @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
  @MethodSource("matching")
  void matchesLikeTheApiServer(String selector, boolean expected) {
    assertThat(FieldSelector.parse(selector).matches(FIELDS::get)).isEqualTo(expected);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        arguments("foo", "invalid selector: 'foo'; can't understand 'foo'"),
        arguments("b=c,a", "invalid selector: 'b=c,a'; can't understand 'a'"),
        arguments("a in (b)", "invalid selector: 'a in (b)'; can't understand 'a in (b)'"),
        arguments("a=b=c", "invalid field selector: unescaped character in value: 61"),
        arguments("a!==b", "invalid field selector: unescaped character in value: 61"),
        arguments("a=b\\x", "invalid field selector: invalid escape sequence: \\x"),
        arguments("a=b\\!", "invalid field selector: invalid escape sequence: \\!"),
        arguments("a=b\\", "invalid field selector: invalid escape sequence: \\"));
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @MethodSource("invalid")
  void rejectsInvalidSelectorsWithTheApiServersMessage(String selector, String message) {
    assertThatThrownBy(() -> FieldSelector.parse(selector))
        .isInstanceOfSatisfying(KubeStatusException.class, e -> assertThat(e.code()).isEqualTo(400))
        .hasMessage(message);
  }

  @Test
  void namespacesSupportMetadataNameNameAndStatusPhase() {
    FieldSelector s =
        FieldSelector.parse("metadata.name=a,name=a,status.phase=Active", FieldLabels.namespaces());
    assertThat(s.requirements()).hasSize(3);
  }

  @Test
  void unknownNamespaceFieldIsRejectedAsNotSupported() {
    assertThatThrownBy(() -> FieldSelector.parse("foo=bar", FieldLabels.namespaces()))
        .isInstanceOfSatisfying(KubeStatusException.class, e -> assertThat(e.code()).isEqualTo(400))
        .hasMessage("field label not supported: foo");
  }

  @Test
  void fieldNamesAreNotTrimmed() {
    assertThatThrownBy(() -> FieldSelector.parse("metadata.name =a", FieldLabels.namespaces()))
        .hasMessage("field label not supported: metadata.name ");
  }

  @Test
  void kindsWithoutConversionUseTheDefaultWording() {
    assertThatThrownBy(() -> FieldSelector.parse("spec.x=1", FieldLabels.objectMeta()))
        .hasMessage(
            "\"spec.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
  }

  @Test
  void exactNameIsExtractedFromMetadataNameOrLegacyName() {
    assertThat(FieldSelector.parse("metadata.name=foo").exactName()).contains("foo");
    assertThat(FieldSelector.parse("name=foo").exactName()).contains("foo");
    assertThat(FieldSelector.parse("status.phase=Active,metadata.name==a\\,b").exactName())
        .contains("a,b");
    assertThat(FieldSelector.parse("metadata.name!=foo").exactName()).isEmpty();
    assertThat(FieldSelector.parse("").exactName()).isEmpty();
  }

  @Test
  void canonicalFormEscapesValuesAndReparsesToTheSameSelector() {
    FieldSelector s = FieldSelector.parse("b!=x\\=y,a==1");
    assertThat(s.toString()).isEqualTo("a=1,b!=x\\=y");
    assertThat(FieldSelector.parse(s.toString())).isEqualTo(s);
  }

  @Test
  void randomInputNeverThrowsAnythingButBadRequest() {
    Random random = new Random(7);
    String alphabet = "ab=!,\\ .x\u00e9";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      int n = random.nextInt(16);
      for (int j = 0; j < n; j++) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String input = b.toString();
      try {
        FieldSelector parsed =
            FieldSelector.parse(input, FieldLabels.of(java.util.Set.of("a", "b")));
        parsed.matches(FIELDS::get);
        assertThat(FieldSelector.parse(parsed.toString())).as(input).isEqualTo(parsed);
      } catch (KubeStatusException e) {
        assertThat(e.code()).as(input).isEqualTo(400);
      }
    }
  }
}
