package dev.tenantproxy.proxy.serve.namespaces;

import dev.tenantproxy.filters.selector.FieldSelector;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;

/**
 * A read of namespaces this package serves: {@code GET /api/v1/namespaces} (list or, with {@code
 * watch=true|1}, watch), {@code GET /api/v1/namespaces/<name>} (get, or a watch of that one), and
 * the legacy {@code /api/v1/watch/namespaces[/<name>]}. Writes, subresources and everything else
 * are not namespace reads (null), and pass through.
 */
record NamespaceRequest(Verb verb, String name, MultiMap params) {
  enum Verb {
    LIST,
    GET,
    WATCH
  }

  private static final String COLLECTION = "/api/v1/namespaces";
  private static final String WATCH_COLLECTION = "/api/v1/watch/namespaces";

  static NamespaceRequest classify(HttpMethod method, String path, MultiMap params) {
    if (method != HttpMethod.GET || path == null) {
      return null;
    }
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    boolean legacyWatch = path.startsWith(WATCH_COLLECTION);
    String base = legacyWatch ? WATCH_COLLECTION : COLLECTION;
    if (!path.startsWith(base)) {
      return null;
    }
    String rest = path.substring(base.length());
    String name;
    if (rest.isEmpty()) {
      name = null;
    } else if (rest.charAt(0) == '/' && rest.indexOf('/', 1) < 0 && rest.length() > 1) {
      name = rest.substring(1);
    } else {
      return null; // a subresource or a namespaced resource: not ours
    }
    String watch = params.get("watch");
    boolean watching = legacyWatch || "true".equals(watch) || "1".equals(watch);
    if (watching) {
      return new NamespaceRequest(Verb.WATCH, name, params);
    }
    return new NamespaceRequest(name == null ? Verb.LIST : Verb.GET, name, params);
  }

  String param(String key) {
    String v = params.get(key);
    return v == null ? "" : v;
  }

  boolean flag(String key) {
    String v = params.get(key);
    return "true".equals(v) || "1".equals(v);
  }

  /** The field selector, with {@code metadata.name=<name>} added for a watch of one namespace. */
  String fieldSelector() {
    String fs = param("fieldSelector");
    if (name == null) {
      return fs;
    }
    String byName = "metadata.name=" + FieldSelector.escapeValue(name);
    return fs.isEmpty() ? byName : fs + "," + byName;
  }

  NamespaceFilter filter() {
    return NamespaceFilter.parse(param("labelSelector"), fieldSelector());
  }
}
