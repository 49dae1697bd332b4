package dev.tenantproxy.filters.request.impl;

import dev.tenantproxy.filters.request.ResponseFormat;
import dev.tenantproxy.filters.request.ResponseFormat.IncludeObject;
import dev.tenantproxy.filters.request.ResponseFormat.MediaKind;
import dev.tenantproxy.filters.request.ResponseFormat.Representation;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code Accept} negotiation in the manner of k8s.io/apiserver {@code negotiation}: clauses sorted
 * by q (stable, q=0 dropped); the first clause the server can produce wins; an {@code as=} clause
 * is producible only for {@code g=meta.k8s.io} with a known kind and version.
 *
 * <p>DESIGN: clients send a handful of distinct {@code Accept} values (kubectl, client-go and
 * fabric8 each a fixed one), so the outcome of the negotiation is remembered by the header's text:
 * at most {@value #MAX_REMEMBERED} values of at most {@value #MAX_REMEMBERED_LENGTH} characters;
 * once full, further values are parsed every time (a hostile client cannot grow it). The {@code
 * includeObject} parameter is applied per request (it can fail with a 400).
 */
public final class AcceptParser {
  static final int MAX_REMEMBERED = 256;
  static final int MAX_REMEMBERED_LENGTH = 512;

  private static final Map<String, Negotiated> REMEMBERED = new ConcurrentHashMap<>();

  private AcceptParser() {}

  private record Clause(String type, String subtype, Map<String, String> params, double q) {}

  /** The outcome of negotiating one {@code Accept} value, without {@code includeObject}. */
  private record Negotiated(
      MediaKind preferred,
      boolean acceptsJson,
      Representation representation,
      String representationVersion) {}

  private static final Negotiated BLANK =
      new Negotiated(MediaKind.JSON, true, Representation.OBJECT, "");

  public static ResponseFormat parse(String accept, String includeObjectParam) {
    Negotiated n = negotiated(accept);
    IncludeObject include = includeObject(includeObjectParam, n.representation());
    return new ResponseFormat(
        n.preferred(), n.acceptsJson(), n.representation(), n.representationVersion(), include);
  }

  /** Values remembered (for tests). */
  static int remembered() {
    return REMEMBERED.size();
  }

  private static Negotiated negotiated(String accept) {
    if (accept == null || accept.isBlank()) {
      return BLANK;
    }
    Negotiated n = REMEMBERED.get(accept);
    if (n == null) {
      n = negotiate(accept);
      if (accept.length() <= MAX_REMEMBERED_LENGTH && REMEMBERED.size() < MAX_REMEMBERED) {
        REMEMBERED.putIfAbsent(accept, n);
      }
    }
    return n;
  }

  private static Negotiated negotiate(String accept) {
    MediaKind preferred = null;
    boolean acceptsJson = false;
    Representation representation = Representation.OBJECT;
    String version = "";
    for (Clause c : clauses(accept)) {
      MediaKind kind = kindOf(c);
      if (kind == null) {
        continue;
      }
      Representation rep = Representation.OBJECT;
      String v = "";
      String as = c.params().get("as");
      if (as != null) {
        rep = representationOf(as, c.params().get("g"), c.params().get("v"));
        if (rep == null) {
          continue;
        }
        v = c.params().get("v");
      }
      if (preferred == null) {
        preferred = kind;
      }
      if (kind == MediaKind.JSON && !acceptsJson) {
        acceptsJson = true;
        representation = rep;
        version = v;
      }
    }
    if (preferred == null) {
      preferred = MediaKind.NONE;
    }
    return new Negotiated(preferred, acceptsJson, representation, version);
  }

  private static IncludeObject includeObject(String value, Representation representation) {
    if (value == null || value.isEmpty()) {
      return IncludeObject.METADATA;
    }
    return switch (value) {
      case "None" -> IncludeObject.NONE;
      case "Metadata" -> IncludeObject.METADATA;
      case "Object" -> IncludeObject.OBJECT;
      default -> {
        if (representation == Representation.TABLE) {
          throw KubeStatusException.badRequest(
              "Unable to convert to Table as requested: includeObject: Invalid value: \""
                  + value
                  + "\": must be 'Metadata', 'Object', 'None', or empty");
        }
        yield IncludeObject.METADATA;
      }
    };
  }

  private static Representation representationOf(String as, String group, String version) {
    if (!"meta.k8s.io".equals(group) || !("v1".equals(version) || "v1beta1".equals(version))) {
      return null;
    }
    return switch (as) {
      case "Table" -> Representation.TABLE;
      case "PartialObjectMetadata" -> Representation.PARTIAL_OBJECT_METADATA;
      case "PartialObjectMetadataList" -> Representation.PARTIAL_OBJECT_METADATA_LIST;
      default -> null;
    };
  }

  private static MediaKind kindOf(Clause c) {
    String t = c.type();
    String s = c.subtype();
    if (t.equals("*") && s.equals("*") || t.equals("application") && s.equals("*")) {
      return MediaKind.JSON;
    }
    if (!t.equals("application")) {
      return null;
    }
    return switch (s) {
      case "json" -> MediaKind.JSON;
      case "yaml" -> MediaKind.YAML;
      case "vnd.kubernetes.protobuf" -> MediaKind.PROTOBUF;
      case "cbor" -> MediaKind.CBOR;
      default -> null;
    };
  }

  private static List<Clause> clauses(String accept) {
    List<Clause> out = new ArrayList<>();
    for (String part : splitOutsideQuotes(accept, ',')) {
      List<String> pieces = splitOutsideQuotes(part, ';');
      String mediaRange = pieces.get(0).trim().toLowerCase(Locale.ROOT);
      int slash = mediaRange.indexOf('/');
      if (slash <= 0 || slash == mediaRange.length() - 1) {
        continue;
      }
      Map<String, String> params = new HashMap<>();
      double q = 1.0;
      for (int i = 1; i < pieces.size(); i++) {
        String p = pieces.get(i).trim();
        int eq = p.indexOf('=');
        if (eq <= 0) {
          continue;
        }
        String name = p.substring(0, eq).trim().toLowerCase(Locale.ROOT);
        String value = p.substring(eq + 1).trim();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        if (name.equals("q")) {
          try {
            q = Double.parseDouble(value);
          } catch (NumberFormatException e) {
            q = 1.0;
          }
        } else {
          params.put(name, value);
        }
      }
      if (q > 0) {
        out.add(
            new Clause(mediaRange.substring(0, slash), mediaRange.substring(slash + 1), params, q));
      }
    }
    out.sort(Comparator.comparingDouble(Clause::q).reversed());
    return out;
  }

  private static List<String> splitOutsideQuotes(String s, char sep) {
    List<String> out = new ArrayList<>();
    boolean quoted = false;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == sep && !quoted) {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    out.add(s.substring(start));
    return out;
  }
}
