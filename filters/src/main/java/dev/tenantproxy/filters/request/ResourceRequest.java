package dev.tenantproxy.filters.request;

import dev.tenantproxy.filters.request.impl.Classifier;
import java.util.List;
import java.util.Objects;

/**
 * One classified request, mirroring k8s.io/apiserver {@code RequestInfo} plus the decoded list
 * options and the requested response format. Immutable.
 *
 * <p>As in the API server: a request on {@code /api/v1/namespaces/foo} (and its {@code status} /
 * {@code finalize} subresources) has namespace {@code foo}; a list or watch whose field selector
 * requires {@code metadata.name=<n>} carries {@code name=<n>} (RBAC {@code resourceNames} apply)
 * while its verb stays {@code list} / {@code watch}; {@code DELETE} without a name is {@code
 * deletecollection}. For non-resource requests ({@code /api}, {@code /apis}, {@code /version},
 * {@code /openapi/v3}, {@code /healthz}, ...) the verb is the lower-cased method and the resource
 * fields are empty.
 *
 * @param verb get, list, watch, create, update, patch, delete, deletecollection, proxy; for
 *     non-resource requests the lower-cased HTTP method
 * @param apiPrefix {@code api} or {@code apis}; empty for non-resource requests
 * @param apiGroup empty for the core group
 * @param parts the path segments from the resource on (resource, name, subresource, ...)
 * @param legacyWatchPath whether the verb came from a {@code /watch/} path segment
 * @param listOptions decoded for list, watch and deletecollection; {@link ListOptions#NONE}
 *     otherwise
 * @param contentType the raw {@code Content-Type} header, empty when absent
 */
public record ResourceRequest(
    String method,
    String path,
    boolean isResourceRequest,
    String verb,
    String apiPrefix,
    String apiGroup,
    String apiVersion,
    String namespace,
    String resource,
    String subresource,
    String name,
    List<String> parts,
    boolean legacyWatchPath,
    ListOptions listOptions,
    ResponseFormat format,
    String contentType,
    QueryParams query) {

  public ResourceRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(verb, "verb");
    Objects.requireNonNull(apiPrefix, "apiPrefix");
    Objects.requireNonNull(apiGroup, "apiGroup");
    Objects.requireNonNull(apiVersion, "apiVersion");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(subresource, "subresource");
    Objects.requireNonNull(name, "name");
    parts = List.copyOf(parts);
    Objects.requireNonNull(listOptions, "listOptions");
    Objects.requireNonNull(format, "format");
    contentType = contentType == null ? "" : contentType;
    Objects.requireNonNull(query, "query");
  }

  /**
   * Classifies a request.
   *
   * @param method the HTTP method (any case)
   * @param rawPath the path as received (not percent-decoded), without query
   * @param rawQuery the query without {@code ?}; null or empty for none
   * @param accept the {@code Accept} header; null when absent
   * @param contentType the {@code Content-Type} header; null when absent
   * @throws dev.tenantproxy.filters.status.KubeStatusException 400 where the API server answers 400
   *     (bad selector, {@code limit=abc}, ...), 422 for invalid list option combinations
   */
  public static ResourceRequest classify(
      String method, String rawPath, String rawQuery, String accept, String contentType) {
    return Classifier.classify(method, rawPath, rawQuery, accept, contentType);
  }

  public boolean isList() {
    return verb.equals("list");
  }

  public boolean isWatch() {
    return verb.equals("watch");
  }

  /** {@code /api/v1/namespaces/{name}[/status|/finalize]}: the Namespace object itself. */
  public boolean isNamespaceObject() {
    return isCore() && resource.equals("namespaces") && !name.isEmpty() && !isCollection();
  }

  /** Whether this is the core group ({@code /api/v1}). */
  public boolean isCore() {
    return isResourceRequest && apiPrefix.equals("api") && apiGroup.isEmpty();
  }

  /** Whether the verb addresses a collection (list, watch, deletecollection, create). */
  public boolean isCollection() {
    return switch (verb) {
      case "list", "watch", "deletecollection", "create" -> true;
      default -> false;
    };
  }
}
