package dev.tenantproxy.filters.render;

import dev.tenantproxy.filters.request.ResponseFormat.Representation;
import dev.tenantproxy.filters.status.KubeStatusException;

/**
 * The shapes in which the proxy answers a list or watch it serves itself. Protobuf is never
 * produced: a client that accepts nothing else gets 406 before rendering.
 *
 * <p>Derived from what the client asked ({@link dev.tenantproxy.filters.request.ResponseFormat},
 * the one place the {@code Accept} header is parsed) by {@link #from}.
 */
public enum ResponseFormat {
  /** The plain typed list ({@code NamespaceList}) or typed watch events. */
  JSON,
  /** {@code meta.k8s.io/v1 Table}. */
  TABLE_V1,
  /** {@code meta.k8s.io/v1beta1 Table}. */
  TABLE_V1BETA1,
  /** {@code meta.k8s.io/v1 PartialObjectMetadataList} / {@code PartialObjectMetadata} events. */
  PARTIAL_METADATA_V1,
  /** {@code meta.k8s.io/v1beta1 PartialObjectMetadataList}. */
  PARTIAL_METADATA_V1BETA1;

  /**
   * The output shape for what the client asked: its best JSON clause. {@code PartialObjectMetadata}
   * and {@code PartialObjectMetadataList} both give the metadata shape (a list renders as the list,
   * a get or watch event as the single object).
   *
   * @throws KubeStatusException 406 NotAcceptable when the client accepts no JSON (protobuf, CBOR
   *     or YAML only)
   */
  public static ResponseFormat from(dev.tenantproxy.filters.request.ResponseFormat requested) {
    if (requested.binaryOnly()) {
      throw KubeStatusException.notAcceptable(
          "only the following media types are accepted: application/json");
    }
    boolean v1beta1 = "v1beta1".equals(requested.representationVersion());
    Representation r = requested.representation();
    return switch (r) {
      case OBJECT -> JSON;
      case TABLE -> v1beta1 ? TABLE_V1BETA1 : TABLE_V1;
      case PARTIAL_OBJECT_METADATA, PARTIAL_OBJECT_METADATA_LIST ->
          v1beta1 ? PARTIAL_METADATA_V1BETA1 : PARTIAL_METADATA_V1;
    };
  }

  public boolean isTable() {
    return this == TABLE_V1 || this == TABLE_V1BETA1;
  }

  public boolean isPartialMetadata() {
    return this == PARTIAL_METADATA_V1 || this == PARTIAL_METADATA_V1BETA1;
  }

  /** {@code meta.k8s.io/v1} or {@code meta.k8s.io/v1beta1} for Table and metadata formats. */
  public String metaApiVersion() {
    return this == TABLE_V1BETA1 || this == PARTIAL_METADATA_V1BETA1
        ? "meta.k8s.io/v1beta1"
        : "meta.k8s.io/v1";
  }
}
