package dev.tenantproxy.filters.request.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenantproxy.filters.request.ResponseFormat;
import dev.tenantproxy.filters.request.ResponseFormat.IncludeObject;
import dev.tenantproxy.filters.request.ResponseFormat.MediaKind;
import dev.tenantproxy.filters.request.ResponseFormat.Representation;
import dev.tenantproxy.filters.status.KubeStatusException;
import org.junit.jupiter.api.Test;

class AcceptParserTest {
  private static final String TABLE =
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
          + "g=meta.k8s.io,application/json";

  @Test
  void aRememberedAcceptValueGivesTheSameFormatAsTheFirstParse() {
    ResponseFormat first = AcceptParser.parse(TABLE, null);
    ResponseFormat again = AcceptParser.parse(TABLE, null);
    assertThat(first.representation()).isEqualTo(Representation.TABLE);
    assertThat(first.representationVersion()).isEqualTo("v1");
    assertThat(again).isEqualTo(first);
  }

  @Test
  void includeObjectIsReadPerRequestEvenForARememberedAcceptValue() {
    AcceptParser.parse(TABLE, null);
    assertThat(AcceptParser.parse(TABLE, "None").includeObject()).isEqualTo(IncludeObject.NONE);
    assertThat(AcceptParser.parse(TABLE, "Object").includeObject()).isEqualTo(IncludeObject.OBJECT);
    assertThatThrownBy(() -> AcceptParser.parse(TABLE, "Everything"))
        .isInstanceOf(KubeStatusException.class);
  }

  @Test
  void rememberedValuesAreBoundedAndLaterValuesAreStillParsed() {
    for (int i = 0; i < AcceptParser.MAX_REMEMBERED + 50; i++) {
      AcceptParser.parse("application/json;x=" + i, null);
    }
    assertThat(AcceptParser.remembered()).isLessThanOrEqualTo(AcceptParser.MAX_REMEMBERED);
    ResponseFormat late = AcceptParser.parse("application/vnd.kubernetes.protobuf;late=1", null);
    assertThat(late.preferred()).isEqualTo(MediaKind.PROTOBUF);
    assertThat(late.acceptsJson()).isFalse();
  }

  @Test
  void aLongAcceptValueIsParsedButNotRemembered() {
    String longValue = "application/yaml;pad=" + "x".repeat(AcceptParser.MAX_REMEMBERED_LENGTH);
    int before = AcceptParser.remembered();
    assertThat(AcceptParser.parse(longValue, null).preferred()).isEqualTo(MediaKind.YAML);
    assertThat(AcceptParser.remembered()).isEqualTo(before);
  }
}
