package dev.tenantproxy.filters.render;

/**
 * The shapes in which the proxy answers a list or watch it serves itself. Protobuf is never
 * produced: a client that accepts nothing else gets 406 before rendering.
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

  /** What a Table row carries in {@code object}: the {@code includeObject} query parameter. */
  public enum IncludeObject {
    NONE,
    METADATA,
    OBJECT;

    /** Parses {@code includeObject}; absent means Metadata, as the API server does. */
    public static IncludeObject parse(String value) {
      if (value == null || value.isEmpty() || value.equals("Metadata")) {
        return METADATA;
      }
      if (value.equals("None")) {
        return NONE;
      }
      if (value.equals("Object")) {
        return OBJECT;
      }
      throw dev.tenantproxy.filters.status.KubeStatusException.badRequest(
          "includeObject: Unsupported value: \""
              + value
              + "\": supported values: \"Metadata\", \"None\", \"Object\"");
    }
  }
}
