package dev.tenantproxy.filters.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ObjectPartsTest {
  private static byte[] namespace(String created) {
    return ("{\"metadata\":{\"name\":\"a\",\"creationTimestamp\":\"" + created + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theAgeOfOneObjectFollowsTheClockAcrossSecondBoundaries() {
    ObjectParts parts = ObjectParts.of(namespace("2026-01-01T00:00:00Z"));
    Instant t = Instant.parse("2026-01-01T00:01:59.900Z");
    assertThat(parts.age(t)).isEqualTo("119s");
    assertThat(parts.age(t.plusMillis(50))).isEqualTo("119s");
    assertThat(parts.age(t.plusMillis(100))).isEqualTo("2m");
    assertThat(parts.age(t.plusSeconds(1))).isEqualTo("2m");
    assertThat(parts.age(t.minusSeconds(60))).isEqualTo("59s");
  }

  @Test
  void theAgeOfATimestampWithAFractionCountsWholeSecondsElapsed() {
    ObjectParts parts = ObjectParts.of(namespace("2026-01-01T00:00:00.600Z"));
    assertThat(parts.age(Instant.parse("2026-01-01T00:00:10.500Z"))).isEqualTo("9s");
    assertThat(parts.age(Instant.parse("2026-01-01T00:00:10.700Z"))).isEqualTo("10s");
  }

  @Test
  void theAgeCellEqualsTableColumnsAgeThroughoutFiveSeconds() {
    String created = "2025-12-31T22:00:00Z";
    ObjectParts parts = ObjectParts.of(namespace(created));
    Instant base = Instant.parse("2026-01-01T00:00:00Z");
    for (int ms = 0; ms < 5_000; ms += 37) {
      Instant now = base.plusMillis(ms);
      assertThat(parts.age(now)).isEqualTo(TableColumns.age(created, now));
    }
  }
}
