package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.filters.request.ListOptions;
import dev.tenantproxy.filters.request.ResourceRequest;

/**
 * A read of a served cluster-scoped kind, picked out of a request classified by the {@code filters}
 * module ({@link ResourceRequest#classify}): {@code GET <prefix>/<plural>} (list or, with {@code
 * watch}, watch), {@code GET <prefix>/<plural>/<name>} (get) and the legacy {@code
 * <prefix>/watch/<plural>[/<name>]}. Writes, {@code HEAD}, subresources and everything else are not
 * reads of the kind (null), and pass through.
 *
 * @param name the object of a get or of a watch of one ({@code /watch/<plural>/<name>}); null for a
 *     list or a collection watch (a {@code metadata.name} field selector stays a selector)
 */
record ReadRequest(ServedKind kind, Verb verb, String name, ResourceRequest request) {
  enum Verb {
    LIST,
    GET,
    WATCH
  }

  /** The read of {@code kind}, or null when the request is something else. */
  static ReadRequest of(ServedKind kind, ResourceRequest r) {
    var k = kind.kind();
    if (!r.method().equals("GET")
        || !r.isResourceRequest()
        || !r.apiPrefix().equals(k.group().isEmpty() ? "api" : "apis")
        || !r.apiGroup().equals(k.group())
        || !r.apiVersion().equals(k.version())
        || !r.resource().equals(k.plural())
        || !r.subresource().isEmpty()
        || r.parts().size() > 2) {
      return null;
    }
    // the classifier reads /api/v1/namespaces/<name> as namespace <name>; for any other
    // cluster-scoped kind a namespace in the path is a namespaced request: not this kind's read
    boolean selfNamed = k.equals(dev.tenantproxy.cache.informer.ResourceKind.NAMESPACES);
    if (r.isList()) {
      return r.namespace().isEmpty() ? new ReadRequest(kind, Verb.LIST, null, r) : null;
    }
    boolean named = r.parts().size() == 2;
    if (named && !(selfNamed ? r.namespace().equals(r.name()) : r.namespace().isEmpty())) {
      return null; // /api/v1/namespaces/<ns>/namespaces/<name>: not a Namespace
    }
    if (!named && !r.namespace().isEmpty()) {
      return null;
    }
    if (r.isWatch()) {
      return new ReadRequest(kind, Verb.WATCH, named ? r.name() : null, r);
    }
    if (r.verb().equals("get") && named) {
      return new ReadRequest(kind, Verb.GET, r.name(), r);
    }
    return null;
  }

  ListOptions options() {
    return request.listOptions();
  }

  /**
   * The selectors over the kind's fields; field names are checked against the kind's field labels,
   * and a watch of one object is narrowed to it.
   *
   * @throws dev.tenantproxy.filters.status.KubeStatusException 400 {@code field label not
   *     supported}
   */
  ObjectFilter filter() {
    ListOptions o = options();
    return new ObjectFilter(
        o.labelSelector(), o.fieldSelector().validate(kind.fieldLabels()), name);
  }
}
