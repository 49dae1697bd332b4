package dev.tenantproxy.proxy.serve.namespaces;

import dev.tenantproxy.filters.request.ListOptions;
import dev.tenantproxy.filters.request.ResourceRequest;
import dev.tenantproxy.filters.selector.FieldLabels;

/**
 * A read of namespaces this package serves, picked out of a request classified by the {@code
 * filters} module ({@link ResourceRequest#classify}): {@code GET /api/v1/namespaces} (list or, with
 * {@code watch}, watch), {@code GET /api/v1/namespaces/<name>} (get) and the legacy {@code
 * /api/v1/watch/namespaces[/<name>]}. Writes, {@code HEAD}, subresources and everything else are
 * not namespace reads (null), and pass through.
 *
 * @param name the namespace of a get or of a watch of one ({@code /watch/namespaces/<name>}); null
 *     for a list or a collection watch (a {@code metadata.name} field selector stays a selector)
 */
record NamespaceRequest(Verb verb, String name, ResourceRequest request) {
  enum Verb {
    LIST,
    GET,
    WATCH
  }

  /** The namespace read, or null when the request is something else. */
  static NamespaceRequest of(ResourceRequest r) {
    if (!r.method().equals("GET")
        || !r.isCore()
        || !r.apiVersion().equals("v1")
        || !r.resource().equals("namespaces")
        || !r.subresource().isEmpty()
        || r.parts().size() > 2) {
      return null;
    }
    if (r.isList()) {
      return r.namespace().isEmpty() ? new NamespaceRequest(Verb.LIST, null, r) : null;
    }
    boolean named = r.parts().size() == 2;
    if (named && !r.namespace().equals(r.name())) {
      return null; // /api/v1/namespaces/<ns>/namespaces/<name>: not a Namespace
    }
    if (!named && !r.namespace().isEmpty()) {
      return null;
    }
    if (r.isWatch()) {
      return new NamespaceRequest(Verb.WATCH, named ? r.name() : null, r);
    }
    if (r.verb().equals("get") && named) {
      return new NamespaceRequest(Verb.GET, r.name(), r);
    }
    return null;
  }

  ListOptions options() {
    return request.listOptions();
  }

  /**
   * The selectors over namespace fields; field names are checked against the Namespace field
   * labels, and a watch of one namespace is narrowed to it.
   *
   * @throws dev.tenantproxy.filters.status.KubeStatusException 400 {@code field label not
   *     supported}
   */
  NamespaceFilter filter() {
    ListOptions o = options();
    return new NamespaceFilter(
        o.labelSelector(), o.fieldSelector().validate(FieldLabels.namespaces()), name);
  }
}
