package dev.tenantproxy.proxy.passthrough;

import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Header rules of the pass-through. Towards the API server: every client credential ({@code
 * Authorization}), impersonation and identity header is removed (the {@code X-Remote-*} family
 * always, whatever names {@code --requestheader-*} configures: the proxy may assert callers with
 * it), and hop-by-hop headers are removed (the upgrade pair is kept for upgrades); the upstream
 * adds the effective caller's identity ({@code upstream/CallerAssertion}). Back to the client:
 * hop-by-hop headers are removed, everything else (Content-Type, ETag, Content-Encoding, Warning,
 * ...) is kept as is.
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

  /** Request-header identity names removed from every client request, configured or not. */
  private static final List<String> ALWAYS_IDENTITY =
      List.of("x-remote-user", "x-remote-group", "x-remote-uid");

  private static final List<String> ALWAYS_IDENTITY_PREFIXES = List.of("x-remote-extra-");

  private final List<String> identityHeaders;
  private final List<String> identityPrefixes;

  /**
   * @param identityHeaders user/group header names to strip (X-Remote-User, ... and configured)
   * @param identityPrefixes extra-attribute header prefixes to strip (X-Remote-Extra-, ...)
   */
  public ForwardHeaders(List<String> identityHeaders, List<String> identityPrefixes) {
    this.identityHeaders =
        java.util.stream.Stream.concat(ALWAYS_IDENTITY.stream(), identityHeaders.stream())
            .map(h -> h.toLowerCase(Locale.ROOT))
            .distinct()
            .toList();
    this.identityPrefixes =
        java.util.stream.Stream.concat(ALWAYS_IDENTITY_PREFIXES.stream(), identityPrefixes.stream())
            .map(h -> h.toLowerCase(Locale.ROOT))
            .distinct()
            .toList();
  }

  /**
   * The headers to send upstream for a client request, without any identity: the upstream adds the
   * caller's (or none, for a request executed with the proxy's own identity).
   */
  public MultiMap toUpstream(MultiMap client, boolean upgrade, String clientAddress) {
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
