package dev.tenantproxy.filters.request.impl;

import dev.tenantproxy.filters.request.ListOptions;
import dev.tenantproxy.filters.request.QueryParams;
import dev.tenantproxy.filters.selector.FieldSelector;
import dev.tenantproxy.filters.selector.LabelSelector;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decodes {@code ListOptions} from query parameters like the API server's parameter codec (first
 * value wins; bools are false only for {@code 0} / {@code false}; integers with Go's {@code
 * ParseInt} and its error text) and validates the combination like {@code ValidateListOptions} (422
 * Invalid). The WatchList feature is taken as enabled (default since Kubernetes 1.34).
 */
public final class ListOptionsDecoder {
  private ListOptionsDecoder() {}

  public static ListOptions decode(QueryParams q, boolean forceWatch) {
    String labelRaw = orEmpty(q.first("labelSelector"));
    String fieldRaw = orEmpty(q.first("fieldSelector"));
    LabelSelector labels = LabelSelector.parse(labelRaw);
    FieldSelector fields = FieldSelector.parse(fieldRaw);
    boolean watch = forceWatch || bool(q, "watch");
    long limit = q.has("limit") ? int64(q.first("limit")) : 0;
    Long timeout = q.has("timeoutSeconds") ? int64(q.first("timeoutSeconds")) : null;
    boolean bookmarks = bool(q, "allowWatchBookmarks");
    Boolean sendInitialEvents = q.has("sendInitialEvents") ? bool(q, "sendInitialEvents") : null;
    ListOptions options =
        new ListOptions(
            labelRaw,
            labels,
            fieldRaw,
            fields,
            watch,
            limit,
            orEmpty(q.first("continue")),
            orEmpty(q.first("resourceVersion")),
            orEmpty(q.first("resourceVersionMatch")),
            timeout,
            bookmarks,
            sendInitialEvents);
    validate(options);
    return options;
  }

  private static void validate(ListOptions o) {
    List<String> errs = new ArrayList<>();
    String match = o.resourceVersionMatch();
    if (o.watch()) {
      if (o.sendInitialEvents() != null && !match.equals("NotOlderThan")) {
        errs.add(
            "resourceVersionMatch: Forbidden: sendInitialEvents requires setting"
                + " resourceVersionMatch to NotOlderThan");
      }
      if (!match.isEmpty()) {
        if (o.sendInitialEvents() == null) {
          errs.add(
              "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless"
                  + " sendInitialEvents is provided");
        }
        if (!match.equals("NotOlderThan")) {
          errs.add(
              "resourceVersionMatch: Unsupported value: \""
                  + match
                  + "\": supported values: \"NotOlderThan\"");
        }
        if (!o.continueToken().isEmpty()) {
          errs.add(
              "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is"
                  + " provided");
        }
      }
    } else {
      if (!match.isEmpty()) {
        if (o.resourceVersion().isEmpty()) {
          errs.add(
              "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless"
                  + " resourceVersion is provided");
        }
        if (!o.continueToken().isEmpty()) {
          errs.add(
              "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is"
                  + " provided");
        }
        if (!match.equals("Exact") && !match.equals("NotOlderThan")) {
          errs.add(
              "resourceVersionMatch: Unsupported value: \""
                  + match
                  + "\": supported values: \"Exact\", \"NotOlderThan\", \"\"");
        }
        if (match.equals("Exact") && o.resourceVersion().equals("0")) {
          errs.add(
              "resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for"
                  + " resourceVersion \"0\"");
        }
      }
      if (o.sendInitialEvents() != null) {
        errs.add("sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list");
      }
    }
    if (errs.isEmpty()) {
      return;
    }
    String detail = errs.size() == 1 ? errs.get(0) : "[" + String.join(", ", errs) + "]";
    throw new KubeStatusException(
        422,
        "Invalid",
        "ListOptions.meta.k8s.io \"\" is invalid: " + detail,
        "",
        "meta.k8s.io",
        "ListOptions");
  }

  private static boolean bool(QueryParams q, String name) {
    String v = q.first(name);
    if (v == null) {
      return false;
    }
    return !(v.equals("0") || v.toLowerCase(Locale.ROOT).equals("false"));
  }

  /** Go's {@code strconv.ParseInt(s, 10, 64)} with its error message. */
  private static long int64(String s) {
    boolean digits = !s.isEmpty();
    int start = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-') ? 1 : 0;
    if (start == s.length()) {
      digits = false;
    }
    for (int i = start; i < s.length() && digits; i++) {
      char c = s.charAt(i);
      digits = c >= '0' && c <= '9';
    }
    if (!digits) {
      throw KubeStatusException.badRequest(
          "strconv.ParseInt: parsing " + quote(s) + ": invalid syntax");
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw KubeStatusException.badRequest(
          "strconv.ParseInt: parsing " + quote(s) + ": value out of range");
    }
  }

  private static String quote(String s) {
    return dev.tenantproxy.filters.selector.impl.Validation.goQuote(s);
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
