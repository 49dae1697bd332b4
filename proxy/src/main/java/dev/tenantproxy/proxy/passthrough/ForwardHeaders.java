package dev.tenantproxy.proxy.passthrough;

import dev.tenantproxy.filters.identity.Caller;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Header rules of the pass-through. Towards the API server: every client credential ({@code
 * Authorization}), impersonation and identity header is removed, hop-by-hop headers are removed
 * (the upgrade pair is kept for upgrades), and {@code Impersonate-*} for the effective caller is
 * added. Back to the client: hop-by-hop headers are removed, everything else (Content-Type, ETag,
 * Content-Encoding, Warning, ...) is kept as is.
 */
public final class ForwardHeaders {
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "proxy-authenticate",
          "proxy-authorization",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "http2-settings");

  private static final String AUTHENTICATED = "system:authenticated";
  private static final String UNAUTHENTICATED = "system:unauthenticated";
  private static final String ANONYMOUS = "system:anonymous";

  private final List<String> identityHeaders;
  private final List<String> identityPrefixes;

  /**
   * @param identityHeaders user/group header names to strip (X-Remote-User, ... and configured)
   * @param identityPrefixes extra-attribute header prefixes to strip (X-Remote-Extra-, ...)
   */
  public ForwardHeaders(List<String> identityHeaders, List<String> identityPrefixes) {
    this.identityHeaders =
        identityHeaders.stream().map(h -> h.toLowerCase(Locale.ROOT)).distinct().toList();
    this.identityPrefixes =
        identityPrefixes.stream().map(h -> h.toLowerCase(Locale.ROOT)).distinct().toList();
  }

  /**
   * The headers to send upstream for a client request by {@code caller}; a null caller sends the
   * request with the proxy's own identity (no {@code Impersonate-*}; an owner-granted write).
   */
  public MultiMap toUpstream(
      MultiMap client, Caller caller, boolean upgrade, String clientAddress) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    Set<String> connectionTokens = connectionTokens(client);
    for (Map.Entry<String, String> e : client) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (name.equals("host")
          || name.equals("authorization")
          || name.startsWith("impersonate-")
          || name.equals("x-forwarded-client-cert")
          || name.equals("expect") // 100-continue is answered by the proxy's own server
          || isIdentity(name)) {
        continue;
      }
      if (HOP_BY_HOP.contains(name) || connectionTokens.contains(name)) {
        if (!(upgrade && name.equals("upgrade"))) {
          continue;
        }
      }
      out.add(e.getKey(), e.getValue());
    }
    if (upgrade) {
      out.set("Connection", "Upgrade");
    }
    if (caller != null) {
      addImpersonation(out, caller);
    }
    if (clientAddress != null) {
      String prior = client.get("X-Forwarded-For");
      out.set("X-Forwarded-For", prior == null ? clientAddress : prior + ", " + clientAddress);
    }
    return out;
  }

  /** Copies an upstream response's headers for the client, without hop-by-hop headers. */
  public static void toClient(MultiMap upstream, MultiMap client, boolean upgrade) {
    Set<String> connectionTokens = connectionTokens(upstream);
    for (Map.Entry<String, String> e : upstream) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(name) || connectionTokens.contains(name)) {
        if (!(upgrade && (name.equals("upgrade") || name.equals("connection")))) {
          continue;
        }
      }
      client.add(e.getKey(), e.getValue());
    }
  }

  /**
   * Adds {@code Impersonate-*} for {@code caller}, extra keys percent-encoded as client-go does. A
   * last {@code system:authenticated} is left out where the API server adds it itself (see {@link
   * #impliedByApiServer}): each {@code Impersonate-Group} costs the API server one authorization
   * check per request, and this group would add nothing to the identity it builds.
   */
  public static void addImpersonation(MultiMap out, Caller caller) {
    out.set("Impersonate-User", caller.user());
    if (!caller.uid().isEmpty()) {
      out.set("Impersonate-Uid", caller.uid());
    }
    List<String> groups = caller.groups();
    int sent = impliedByApiServer(caller.user(), groups) ? groups.size() - 1 : groups.size();
    for (int i = 0; i < sent; i++) {
      out.add("Impersonate-Group", groups.get(i));
    }
    caller
        .extra()
        .forEach(
            (k, values) -> {
              String header = "Impersonate-Extra-" + escapeExtraKey(k);
              for (String v : values) {
                out.add(header, v);
              }
            });
  }

  /**
   * True when kube-apiserver, impersonating {@code user} with {@code groups} minus a last {@code
   * system:authenticated}, appends that group by itself, so that the identity it builds is exactly
   * the same, order included: the user is not {@code system:anonymous}, {@code
   * system:authenticated} is the last group and occurs once, no group is {@code
   * system:unauthenticated}, and at least one other group is sent (with no {@code
   * Impersonate-Group} at all the API server would give a service-account user its service-account
   * groups instead).
   */
  static boolean impliedByApiServer(String user, List<String> groups) {
    int n = groups.size();
    if (user.equals(ANONYMOUS) || n < 2 || !groups.get(n - 1).equals(AUTHENTICATED)) {
      return false;
    }
    for (int i = 0; i < n - 1; i++) {
      String g = groups.get(i);
      if (g.equals(AUTHENTICATED) || g.equals(UNAUTHENTICATED)) {
        return false;
      }
    }
    return true;
  }

  /** Percent-encodes every byte of {@code key} that is not an RFC 7230 token character. */
  static String escapeExtraKey(String key) {
    StringBuilder sb = new StringBuilder();
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c < 0x80 && isTokenChar((char) c) && c != '%') {
        sb.append((char) c);
      } else {
        sb.append('%').append(String.format("%02X", c));
      }
    }
    return sb.toString();
  }

  private static boolean isTokenChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$&'*+-.^_`|~".indexOf(c) >= 0;
  }

  private boolean isIdentity(String lowerName) {
    if (identityHeaders.contains(lowerName)) {
      return true;
    }
    for (String p : identityPrefixes) {
      if (lowerName.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  private static Set<String> connectionTokens(MultiMap headers) {
    Set<String> tokens = new HashSet<>();
    for (String v : headers.getAll("Connection")) {
      for (String t : v.split(",")) {
        String token = t.trim().toLowerCase(Locale.ROOT);
        if (!token.isEmpty() && !token.equals("upgrade")) {
          tokens.add(token);
        }
      }
    }
    return tokens;
  }

  /** Whether the client asks for a protocol upgrade (WebSocket, SPDY/3.1). */
  public static boolean isUpgrade(MultiMap headers) {
    if (!headers.contains("Upgrade")) {
      return false;
    }
    for (String v : headers.getAll("Connection")) {
      for (String t : v.split(",")) {
        if (t.trim().equalsIgnoreCase("upgrade")) {
          return true;
        }
      }
    }
    return false;
  }
}
