package dev.tenantproxy.proxy.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.status.KubeStatusException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.NotEmpty;

/** Property tests: continue tokens decode to a token or a 400 Status, and round-trip. */
class ContinueTokenPropertiesTest {

  @Property(tries = 500)
  void anyStringDecodesToATokenOrA400(@ForAll("tokens") String token) {
    try {
      ContinueToken decoded = ContinueToken.decode(token);
      assertThat(decoded.resourceVersion()).isPositive();
      assertThat(decoded.lastName()).isNotEmpty();
    } catch (KubeStatusException e) {
      assertThat(e.code()).isEqualTo(400);
    }
  }

  @Property(tries = 500)
  void encodeThenDecodeGivesTheSameToken(
      @ForAll @LongRange(min = 1) long resourceVersion, @ForAll @NotEmpty String lastName) {
    ContinueToken token = new ContinueToken(resourceVersion, lastName);
    assertThat(ContinueToken.decode(token.encode())).isEqualTo(token);
  }

  @Provide
  Arbitrary<String> tokens() {
    Arbitrary<String> json =
        Arbitraries.oneOf(
            Arbitraries.of(
                "{\"v\":1,\"rv\":\"5\",\"start\":\"a\"}",
                "{\"v\":99999999999999999999,\"rv\":\"5\",\"start\":\"a\"}",
                "{\"v\":1,\"rv\":\"99999999999999999999\",\"start\":\"a\"}",
                "{\"v\":1,\"rv\":\"-1\",\"start\":\"a\"}",
                "{\"v\":1,\"rv\":\"5\",\"start\":\"\"}",
                "{\"v\":1,\"rv\":\"5\",\"start\":\"a\",\"x\":[[[{}]]]}",
                "{\"v\":1,\"rv\":5,\"start\":\"a\"}",
                "{\"v\":1.5,\"rv\":\"5\",\"start\":\"a\"}",
                "{\"v\":1,\"rv\":\"5\"",
                "[]",
                "null",
                ""),
            Arbitraries.strings().ofMaxLength(60));
    Arbitrary<String> encoded =
        json.map(
            s ->
                Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(s.getBytes(StandardCharsets.UTF_8)));
    return Arbitraries.oneOf(
        encoded, Arbitraries.strings().ofMaxLength(80), Arbitraries.of("", "=", "%", "a+b/"));
  }
}
