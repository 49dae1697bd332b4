package dev.tenantproxy.proxy.serve.namespaces;

import dev.tenantproxy.filters.render.ResponseFormat;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Picks the response shape from an {@code Accept} header, as the API server negotiates for lists,
 * gets and watches: the first acceptable media range wins. JSON ({@code application/json}, {@code
 * application/*}, {@code *}{@code /*}, or none) is served; Table and PartialObjectMetadata(List)
 * are served as JSON with their {@code as}/{@code v}/{@code g} parameters; protobuf, CBOR and YAML
 * are never produced, so a client that accepts nothing else gets 406 NotAcceptable.
 */
final class Negotiation {
  private Negotiation() {}

  static ResponseFormat negotiate(String accept) {
    if (accept == null || accept.isBlank()) {
      return ResponseFormat.JSON;
    }
    for (String range : accept.split(",")) {
      ResponseFormat f = format(range);
      if (f != null) {
        return f;
      }
    }
    throw KubeStatusException.notAcceptable(
        "only the following media types are accepted: application/json");
  }

  private static ResponseFormat format(String range) {
    String[] parts = range.split(";");
    String type = parts[0].trim().toLowerCase(Locale.ROOT);
    Map<String, String> params = new HashMap<>();
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      if (eq > 0) {
        params.put(
            parts[i].substring(0, eq).trim().toLowerCase(Locale.ROOT),
            parts[i].substring(eq + 1).trim());
      }
    }
    if ("0".equals(params.get("q")) || "0.0".equals(params.get("q"))) {
      return null;
    }
    boolean json = type.equals("application/json");
    boolean wildcard = type.equals("*/*") || type.equals("application/*");
    if (!json && !wildcard) {
      return null;
    }
    String as = params.get("as");
    if (as == null) {
      return ResponseFormat.JSON;
    }
    if (!json || !"meta.k8s.io".equals(params.get("g"))) {
      return null;
    }
    String v = params.get("v");
    boolean v1 = "v1".equals(v);
    boolean v1beta1 = "v1beta1".equals(v);
    if (!v1 && !v1beta1) {
      return null;
    }
    return switch (as) {
      case "Table" -> v1 ? ResponseFormat.TABLE_V1 : ResponseFormat.TABLE_V1BETA1;
      case "PartialObjectMetadataList", "PartialObjectMetadata" ->
          v1 ? ResponseFormat.PARTIAL_METADATA_V1 : ResponseFormat.PARTIAL_METADATA_V1BETA1;
      default -> null;
    };
  }
}
