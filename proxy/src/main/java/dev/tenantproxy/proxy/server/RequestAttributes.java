package dev.tenantproxy.proxy.server;

import io.vertx.core.http.HttpMethod;

/**
 * The Kubernetes request attributes of one HTTP request, as the API server's request-info resolver
 * would compute them (verb, group, version, resource, subresource, namespace, name). Used for
 * metrics, the audit line and SubjectAccessReviews; filters that need more (selectors, format) use
 * the classifier of the {@code filters} module.
 */
public record RequestAttributes(
    boolean resourceRequest,
    String verb,
    String apiGroup,
    String apiVersion,
    String resource,
    String subresource,
    String namespace,
    String name,
    String path) {

  /** Parses a request line; never throws. */
  public static RequestAttributes parse(HttpMethod method, String path, String query) {
    String p = path == null ? "/" : path;
    String[] parts = trimSplit(p);
    String lowerVerb = method.name().toLowerCase(java.util.Locale.ROOT);
    int i;
    String group;
    String version;
    if (parts.length >= 2 && parts[0].equals("api")) {
      group = "";
      version = parts[1];
      i = 2;
    } else if (parts.length >= 3 && parts[0].equals("apis")) {
      group = parts[1];
      version = parts[2];
      i = 3;
    } else {
      return new RequestAttributes(false, lowerVerb, "", "", "", "", "", "", p);
    }
    if (i >= parts.length) {
      // /api/v1, /apis/apps/v1: discovery, not a resource request
      return new RequestAttributes(false, lowerVerb, "", "", "", "", "", "", p);
    }
    boolean legacyWatch = false;
    if (i < parts.length && parts[i].equals("watch")) {
      legacyWatch = true;
      i++;
    }
    String namespace = "";
    String resource = "";
    String name = "";
    String sub = "";
    int rest = parts.length - i;
    if (rest >= 2 && parts[i].equals("namespaces")) {
      namespace = parts[i + 1];
      if (rest > 2 && !parts[i + 2].equals("status") && !parts[i + 2].equals("finalize")) {
        i += 2;
        rest -= 2;
      }
    }
    if (rest >= 1) {
      resource = parts[i];
    }
    if (rest >= 2) {
      name = parts[i + 1];
    }
    if (rest >= 3) {
      sub = parts[i + 2];
    }
    if (resource.equals("namespaces") && namespace.isEmpty() && !name.isEmpty()) {
      namespace = name;
    }
    boolean watchParam = query != null && hasTrueParam(query, "watch");
    String verb;
    switch (method.name()) {
      case "GET", "HEAD" -> {
        if (legacyWatch || watchParam) {
          verb = "watch";
        } else {
          verb = name.isEmpty() ? "list" : "get";
        }
      }
      case "POST" -> verb = "create";
      case "PUT" -> verb = "update";
      case "PATCH" -> verb = "patch";
      case "DELETE" -> verb = name.isEmpty() ? "deletecollection" : "delete";
      default -> verb = lowerVerb;
    }
    return new RequestAttributes(true, verb, group, version, resource, sub, namespace, name, p);
  }

  /** Whether this request is a watch (chunked stream of events). */
  public boolean isWatch() {
    return "watch".equals(verb);
  }

  private static String[] trimSplit(String path) {
    String s = path;
    while (s.startsWith("/")) {
      s = s.substring(1);
    }
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s.isEmpty() ? new String[0] : s.split("/");
  }

  private static boolean hasTrueParam(String query, String key) {
    for (String kv : query.split("&")) {
      int eq = kv.indexOf('=');
      String k = eq < 0 ? kv : kv.substring(0, eq);
      String v = eq < 0 ? "" : kv.substring(eq + 1);
      if (k.equals(key) && (v.equals("true") || v.equals("1"))) {
        return true;
      }
    }
    return false;
  }
}
