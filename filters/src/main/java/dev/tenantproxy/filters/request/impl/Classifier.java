package dev.tenantproxy.filters.request.impl;

import dev.tenantproxy.filters.request.ListOptions;
import dev.tenantproxy.filters.request.QueryParams;
import dev.tenantproxy.filters.request.ResourceRequest;
import dev.tenantproxy.filters.request.ResponseFormat;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Classifies a request by the API server's request-info rules (verb, group, resource, namespace,
 * name), then decodes its list options.
 */
public final class Classifier {
  private Classifier() {}

  public static ResourceRequest classify(
      String method, String rawPath, String rawQuery, String accept, String contentType) {
    String upper = method.toUpperCase(Locale.ROOT);
    String path = decodePath(rawPath == null || rawPath.isEmpty() ? "/" : rawPath);
    QueryParams query = QueryParams.parse(rawQuery);
    ResponseFormat format = ResponseFormat.of(accept, query.first("includeObject"));
    String verb = upper.toLowerCase(Locale.ROOT);

    List<String> parts = splitPath(path);
    boolean grouped;
    if (parts.size() < 3 || !(parts.get(0).equals("api") || parts.get(0).equals("apis"))) {
      return nonResource(upper, path, verb, format, contentType, query);
    }
    String apiPrefix = parts.get(0);
    List<String> current = parts.subList(1, parts.size());
    String group = "";
    grouped = apiPrefix.equals("apis");
    if (grouped) {
      if (current.size() < 3) {
        return nonResource(upper, path, verb, format, contentType, query);
      }
      group = current.get(0);
      current = current.subList(1, current.size());
    }
    String version = current.get(0);
    current = current.subList(1, current.size());

    boolean viaSpecialVerb = false;
    if (current.get(0).equals("watch") || current.get(0).equals("proxy")) {
      if (current.size() < 2) {
        throw KubeStatusException.badRequest(
            "unable to determine kind and namespace from url, " + rawPath);
      }
      verb = current.get(0);
      current = current.subList(1, current.size());
      viaSpecialVerb = true;
    } else {
      verb =
          switch (upper) {
            case "POST" -> "create";
            case "GET", "HEAD" -> "get";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> "";
          };
    }

    String namespace = "";
    if (current.get(0).equals("namespaces")) {
      if (current.size() > 1) {
        namespace = current.get(1);
        if (current.size() > 2
            && !(current.get(2).equals("status") || current.get(2).equals("finalize"))) {
          current = current.subList(2, current.size());
        }
      }
    }

    String resource = "";
    String name = "";
    String subresource = "";
    if (current.size() >= 3 && !verb.equals("proxy")) {
      subresource = current.get(2);
    }
    if (current.size() >= 2) {
      name = current.get(1);
    }
    if (current.size() >= 1) {
      resource = current.get(0);
    }

    ListOptions options = ListOptions.NONE;
    if (name.isEmpty() && verb.equals("get")) {
      options = ListOptionsDecoder.decode(query, false);
      verb = options.watch() ? "watch" : "list";
      // as RequestInfo: an exact metadata.name selector names the object (RBAC resourceNames)
      String exact = options.fieldSelector().exactMatch("metadata.name").orElse(null);
      if (exact != null && isValidPathSegmentName(exact)) {
        name = exact;
      }
    } else if (viaSpecialVerb && verb.equals("watch")) {
      // legacy /watch/ paths are served by the list/watch handler with watch forced on; with a
      // name they watch that one object
      options = ListOptionsDecoder.decode(query, true);
    } else if (name.isEmpty() && verb.equals("delete")) {
      options = ListOptionsDecoder.decode(query, false);
    }
    if (name.isEmpty() && verb.equals("delete")) {
      verb = "deletecollection";
    }
    return new ResourceRequest(
        upper,
        path,
        true,
        verb,
        apiPrefix,
        group,
        version,
        namespace,
        resource,
        subresource,
        name,
        current,
        viaSpecialVerb && verb.equals("watch"),
        options,
        format,
        contentType,
        query);
  }

  private static ResourceRequest nonResource(
      String method,
      String path,
      String verb,
      ResponseFormat format,
      String contentType,
      QueryParams query) {
    return new ResourceRequest(
        method,
        path,
        false,
        verb,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        List.of(),
        false,
        ListOptions.NONE,
        format,
        contentType,
        query);
  }

  /** {@code path.IsValidPathSegmentName}. */
  private static boolean isValidPathSegmentName(String name) {
    return !name.equals(".")
        && !name.equals("..")
        && name.indexOf('/') < 0
        && name.indexOf('%') < 0;
  }

  private static List<String> splitPath(String path) {
    int start = 0;
    int end = path.length();
    while (start < end && path.charAt(start) == '/') {
      start++;
    }
    while (end > start && path.charAt(end - 1) == '/') {
      end--;
    }
    if (start == end) {
      return List.of();
    }
    return new ArrayList<>(Arrays.asList(path.substring(start, end).split("/", -1)));
  }

  /** Go's {@code url.PathUnescape} as applied by net/http to the request path. */
  private static String decodePath(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length() || hex(raw.charAt(i + 1)) < 0 || hex(raw.charAt(i + 2)) < 0) {
          throw KubeStatusException.badRequest("invalid URL escape in path");
        }
        out.write(hex(raw.charAt(i + 1)) << 4 | hex(raw.charAt(i + 2)));
        i += 2;
      } else {
        byte[] b = raw.substring(i, i + 1).getBytes(StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < raw.length()) {
          b = raw.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
          i++;
        }
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
