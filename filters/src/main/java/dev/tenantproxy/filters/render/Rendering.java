package dev.tenantproxy.filters.render;

import dev.tenantproxy.filters.request.ResponseFormat.IncludeObject;
import java.util.Objects;

/**
 * How one served list or watch is rendered: the response shape, what Table rows carry, the kind's
 * columns, and the typed list kind and apiVersion (for example {@code NamespaceList}, {@code v1}).
 */
public record Rendering(
    ResponseFormat format,
    IncludeObject includeObject,
    TableColumns columns,
    String kind,
    String apiVersion) {

  public Rendering {
    Objects.requireNonNull(format, "format");
    includeObject = includeObject == null ? IncludeObject.METADATA : includeObject;
    Objects.requireNonNull(columns, "columns");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(apiVersion, "apiVersion");
  }

  /** Namespaces ({@code v1 Namespace}) in the given format. */
  public static Rendering namespaces(ResponseFormat format, IncludeObject includeObject) {
    return new Rendering(format, includeObject, TableColumns.namespaces(), "Namespace", "v1");
  }

  /**
   * Namespaces in the format the client asked for.
   *
   * @throws dev.tenantproxy.filters.status.KubeStatusException 406 when it accepts no JSON
   */
  public static Rendering namespaces(dev.tenantproxy.filters.request.ResponseFormat requested) {
    return namespaces(ResponseFormat.from(requested), requested.includeObject());
  }

  /** The Content-Type of a list response in this shape. */
  public String contentType() {
    return "application/json";
  }
}
