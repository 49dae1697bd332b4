package dev.tenantproxy.filters.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class QueryParamsTest {
  @Test
  void decodesPercentEscapesAndPlusAsSpace() {
    QueryParams q = QueryParams.parse("labelSelector=a+in+(b%2Cc)&x%3Dy=%C3%A9");
    assertThat(q.first("labelSelector")).isEqualTo("a in (b,c)");
    assertThat(q.first("x=y")).isEqualTo("é");
  }

  @Test
  void keepsRepeatedParametersInOrderAndTheFirstWins() {
    QueryParams q = QueryParams.parse("a=1&b=2&a=3&a");
    assertThat(q.all("a")).isEqualTo(List.of("1", "3", ""));
    assertThat(q.first("a")).isEqualTo("1");
  }

  @Test
  void dropsPairsWithBadEscapesOrSemicolonsLikeGo() {
    QueryParams q = QueryParams.parse("a=%zz&b=%4&c=1;d=2&e=ok&&");
    assertThat(q.has("a")).isFalse();
    assertThat(q.has("b")).isFalse();
    assertThat(q.has("c")).isFalse();
    assertThat(q.first("e")).isEqualTo("ok");
  }

  @Test
  void emptyOrNullQueryHasNoParameters() {
    assertThat(QueryParams.parse(null).asMap()).isEmpty();
    assertThat(QueryParams.parse("").asMap()).isEmpty();
  }
}
