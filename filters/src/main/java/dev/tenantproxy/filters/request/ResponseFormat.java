package dev.tenantproxy.filters.request;

import dev.tenantproxy.filters.request.impl.AcceptParser;

/**
 * What the client asked the response to be, from its {@code Accept} header (q-values honoured,
 * {@code *}{@code /*} and {@code application/*} count as JSON) and the {@code includeObject} query
 * parameter.
 *
 * @param preferred the media type the API server would answer with; {@link MediaKind#NONE} when no
 *     clause is acceptable (the API server answers 406)
 * @param acceptsJson whether some acceptable clause lets the server answer JSON; a filtering proxy
 *     answers JSON when this holds and 406 otherwise
 * @param representation the object shape of the best JSON clause ({@code as=...;g=meta.k8s.io})
 * @param representationVersion {@code v1} or {@code v1beta1} for Table / PartialObjectMetadata,
 *     empty for {@link Representation#OBJECT}
 * @param includeObject the {@code includeObject} parameter for Table rows
 */
public record ResponseFormat(
    MediaKind preferred,
    boolean acceptsJson,
    Representation representation,
    String representationVersion,
    IncludeObject includeObject) {

  /** Media types the API server can produce. */
  public enum MediaKind {
    JSON,
    YAML,
    PROTOBUF,
    CBOR,
    /** Nothing the client accepts can be produced. */
    NONE
  }

  /** The object shape asked for with {@code as=}. */
  public enum Representation {
    /** The resource itself (no {@code as=}). */
    OBJECT,
    TABLE,
    PARTIAL_OBJECT_METADATA,
    PARTIAL_OBJECT_METADATA_LIST
  }

  /** {@code includeObject} of {@code meta.k8s.io TableOptions}. */
  public enum IncludeObject {
    NONE,
    METADATA,
    OBJECT
  }

  /** Plain JSON: what a request without {@code Accept} gets. */
  public static final ResponseFormat JSON =
      new ResponseFormat(MediaKind.JSON, true, Representation.OBJECT, "", IncludeObject.METADATA);

  /**
   * Reads the format from the {@code Accept} header (null or blank means JSON) and the {@code
   * includeObject} query parameter.
   *
   * @throws dev.tenantproxy.filters.status.KubeStatusException 400 for an unrecognized {@code
   *     includeObject} on a Table request
   */
  public static ResponseFormat of(String accept, String includeObject) {
    return AcceptParser.parse(accept, includeObject);
  }

  /**
   * Whether the client only takes protobuf (or another binary format): a proxy that must rewrite
   * the body as JSON has to answer 406 NotAcceptable.
   */
  public boolean binaryOnly() {
    return !acceptsJson;
  }

  public boolean isTable() {
    return representation == Representation.TABLE;
  }
}
