package dev.tenantproxy.proxy.serve.namespaces;

import dev.tenantproxy.filters.status.KubeStatusException;

/**
 * The list parameters of a served namespace list, validated as the API server validates {@code
 * ListOptions}.
 *
 * @param limit 0 means no limit
 * @param continueToken the raw {@code continue} parameter, "" when absent
 * @param resourceVersion the raw {@code resourceVersion}, "" when absent
 * @param resourceVersionMatch "", {@code NotOlderThan} or {@code Exact}
 */
public record ListOptions(
    NamespaceFilter filter,
    long limit,
    String continueToken,
    String resourceVersion,
    String resourceVersionMatch) {

  public ListOptions {
    filter = filter == null ? NamespaceFilter.everything() : filter;
    continueToken = continueToken == null ? "" : continueToken;
    resourceVersion = resourceVersion == null ? "" : resourceVersion;
    resourceVersionMatch = resourceVersionMatch == null ? "" : resourceVersionMatch;
    if (limit < 0) {
      limit = 0;
    }
  }

  public static ListOptions all() {
    return new ListOptions(NamespaceFilter.everything(), 0, "", "", "");
  }

  /** Checks the combinations the API server rejects with 400. */
  void validate() {
    switch (resourceVersionMatch) {
      case "", "NotOlderThan", "Exact" -> {}
      default ->
          throw KubeStatusException.badRequest(
              "resourceVersionMatch: Unsupported value: \""
                  + resourceVersionMatch
                  + "\": supported values: \"Exact\", \"NotOlderThan\"");
    }
    if (!resourceVersionMatch.isEmpty() && resourceVersion.isEmpty()) {
      throw KubeStatusException.badRequest(
          "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless"
              + " resourceVersion is provided");
    }
    if (resourceVersionMatch.equals("Exact") && resourceVersion.equals("0")) {
      throw KubeStatusException.badRequest(
          "resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for"
              + " resourceVersion \"0\"");
    }
    if (!continueToken.isEmpty() && !resourceVersion.isEmpty() && !resourceVersion.equals("0")) {
      throw KubeStatusException.badRequest(
          "specifying resource version is not allowed when using continue");
    }
    if (!continueToken.isEmpty() && !resourceVersionMatch.isEmpty()) {
      throw KubeStatusException.badRequest(
          "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is"
              + " provided");
    }
  }
}
