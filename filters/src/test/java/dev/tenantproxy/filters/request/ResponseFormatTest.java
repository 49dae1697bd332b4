package dev.tenantproxy.filters.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.tenantproxy.filters.request.ResponseFormat.IncludeObject;
import dev.tenantproxy.filters.request.ResponseFormat.MediaKind;
import dev.tenantproxy.filters.request.ResponseFormat.Representation;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ResponseFormatTest {

  /** accept, preferred, acceptsJson, representation, version. */
  static Stream<Arguments> accepts() {
    return Stream.of(
        arguments(null, MediaKind.JSON, true, Representation.OBJECT, ""),
        arguments("", MediaKind.JSON, true, Representation.OBJECT, ""),
        arguments("application/json", MediaKind.JSON, true, Representation.OBJECT, ""),
        arguments("application/json, */*", MediaKind.JSON, true, Representation.OBJECT, ""),
        arguments("*/*", MediaKind.JSON, true, Representation.OBJECT, ""),
        arguments("application/*", MediaKind.JSON, true, Representation.OBJECT, ""),
        arguments(
            "application/vnd.kubernetes.protobuf,application/json",
            MediaKind.PROTOBUF,
            true,
            Representation.OBJECT,
            ""),
        arguments(
            "application/vnd.kubernetes.protobuf",
            MediaKind.PROTOBUF,
            false,
            Representation.OBJECT,
            ""),
        arguments(
            "application/vnd.kubernetes.protobuf;stream=watch",
            MediaKind.PROTOBUF,
            false,
            Representation.OBJECT,
            ""),
        arguments(
            "application/vnd.kubernetes.protobuf, application/json;q=0",
            MediaKind.PROTOBUF,
            false,
            Representation.OBJECT,
            ""),
        arguments(
            "application/vnd.kubernetes.protobuf;q=0.5, application/json;q=0.9",
            MediaKind.JSON,
            true,
            Representation.OBJECT,
            ""),
        arguments("application/yaml", MediaKind.YAML, false, Representation.OBJECT, ""),
        arguments("text/html", MediaKind.NONE, false, Representation.OBJECT, ""),
        arguments(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
            MediaKind.JSON,
            true,
            Representation.TABLE,
            "v1"),
        arguments(
            "application/json;as=Table;v=v1beta1;g=meta.k8s.io",
            MediaKind.JSON,
            true,
            Representation.TABLE,
            "v1beta1"),
        arguments(
            "application/json;as=Table;v=v2;g=meta.k8s.io,application/json",
            MediaKind.JSON,
            true,
            Representation.OBJECT,
            ""),
        arguments(
            "application/json;as=Table;v=v1;g=other.io",
            MediaKind.NONE,
            false,
            Representation.OBJECT,
            ""),
        arguments(
            "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json",
            MediaKind.JSON,
            true,
            Representation.PARTIAL_OBJECT_METADATA_LIST,
            "v1"),
        arguments(
            "application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io",
            MediaKind.PROTOBUF,
            true,
            Representation.PARTIAL_OBJECT_METADATA,
            "v1"),
        arguments("APPLICATION/JSON; q=\"0.5\"", MediaKind.JSON, true, Representation.OBJECT, ""));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("accepts")
  void negotiatesLikeTheApiServer(
      String accept,
      MediaKind preferred,
      boolean acceptsJson,
      Representation representation,
      String version) {
    ResponseFormat f = ResponseFormat.of(accept, null);
    assertThat(f.preferred()).isEqualTo(preferred);
    assertThat(f.acceptsJson()).isEqualTo(acceptsJson);
    assertThat(f.binaryOnly()).isEqualTo(!acceptsJson);
    assertThat(f.representation()).isEqualTo(representation);
    assertThat(f.representationVersion()).isEqualTo(version);
  }

  @Test
  void includeObjectDefaultsToMetadata() {
    assertThat(ResponseFormat.of(null, null).includeObject()).isEqualTo(IncludeObject.METADATA);
    assertThat(ResponseFormat.of(null, "None").includeObject()).isEqualTo(IncludeObject.NONE);
    assertThat(ResponseFormat.of(null, "Object").includeObject()).isEqualTo(IncludeObject.OBJECT);
  }

  @Test
  void unrecognizedIncludeObjectOnATableIsABadRequest() {
    assertThatThrownBy(
            () -> ResponseFormat.of("application/json;as=Table;v=v1;g=meta.k8s.io", "All"))
        .isInstanceOfSatisfying(KubeStatusException.class, e -> assertThat(e.code()).isEqualTo(400))
        .hasMessage(
            "Unable to convert to Table as requested: includeObject: Invalid value: \"All\":"
                + " must be 'Metadata', 'Object', 'None', or empty");
  }
}
