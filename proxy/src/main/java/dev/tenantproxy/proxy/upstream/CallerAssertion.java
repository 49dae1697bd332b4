package dev.tenantproxy.proxy.upstream;

import dev.tenantproxy.filters.identity.Caller;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How a request made in a caller's name tells the API server who the caller is; chosen once by
 * {@link Upstream#create}, applied by the upstream to every request opened for a caller.
 *
 * <p>DESIGN. kube-apiserver accepts an asserted identity in two ways, and they cost it differently
 * per request:
 *
 * <ul>
 *   <li>{@link #IMPERSONATION}: the proxy's own credentials plus {@code Impersonate-*}. The API
 *       server's impersonation filter runs one authorization check per impersonated user, group,
 *       uid and extra value before it serves the request (RBAC walks the ClusterRoleBindings for
 *       each). Works on every cluster; the proxy needs the {@code impersonate} verb.
 *   <li>{@link #REQUEST_HEADER}: {@code X-Remote-*} on a connection authenticated with a client
 *       certificate signed by the API server's {@code --requestheader-client-ca-file} (the
 *       mechanism of kube-aggregator and front proxies). The API server trusts the headers of such
 *       a connection without any authorization check, so the asserted identity costs nothing per
 *       request, and attributes impersonation leaves out for cost (the credential id) go too. Needs
 *       the front-proxy CA's key to issue the certificate: self-managed clusters.
 * </ul>
 *
 * Either way the API server then authorizes the request as the caller. Client-sent {@code
 * Impersonate-*} and {@code X-Remote-*} headers never reach this point ({@code
 * passthrough/ForwardHeaders} strips them); the assertion is the only source of these headers.
 */
enum CallerAssertion {
  IMPERSONATION {
    @Override
    void addTo(MultiMap out, Caller caller) {
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
                if (k.equals(Caller.CREDENTIAL_ID)) {
                  return; // one more check per request, for the audit line only (lean.md)
                }
                String header = "Impersonate-Extra-" + escapeExtraKey(k);
                for (String v : values) {
                  out.add(header, v);
                }
              });
    }
  },

  REQUEST_HEADER {
    @Override
    void addTo(MultiMap out, Caller caller) {
      out.set(USER, caller.user());
      if (!caller.uid().isEmpty()) {
        out.set(UID, caller.uid());
      }
      // every group as it is: the API server appends system:authenticated itself only when
      // neither it nor system:unauthenticated is present, so the identity it builds is the same
      for (String g : caller.groups()) {
        out.add(GROUP, g);
      }
      caller
          .extra()
          .forEach(
              (k, values) -> {
                String header = EXTRA_PREFIX + escapeExtraKey(k);
                for (String v : values) {
                  out.add(header, v);
                }
              });
    }
  };

  /** The request-header names this proxy asserts with (kubeadm's and every guide's). */
  static final String USER = "X-Remote-User";

  static final String GROUP = "X-Remote-Group";
  static final String UID = "X-Remote-Uid";
  static final String EXTRA_PREFIX = "X-Remote-Extra-";

  private static final String AUTHENTICATED = "system:authenticated";
  private static final String UNAUTHENTICATED = "system:unauthenticated";
  private static final String ANONYMOUS = "system:anonymous";

  /** Adds the headers that assert {@code caller} to {@code out}. */
  abstract void addTo(MultiMap out, Caller caller);

  /**
   * True when kube-apiserver, impersonating {@code user} with {@code groups} minus a last {@code
   * system:authenticated}, appends that group by itself, so that the identity it builds is exactly
   * the same, order included: the user is not {@code system:anonymous}, {@code
   * system:authenticated} is the last group and occurs once, no group is {@code
   * system:unauthenticated}, and at least one other group is sent (with no {@code
   * Impersonate-Group} at all the API server would give a service-account user its service-account
   * groups instead). Each {@code Impersonate-Group} costs the API server one authorization check.
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

  /**
   * Percent-encodes every byte of {@code key} that is not an RFC 7230 token character, as client-go
   * does; the API server decodes both header families the same way.
   */
  static String escapeExtraKey(String key) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(bytes.length + 8);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c < 0x80 && isTokenChar((char) c) && c != '%') {
        sb.append((char) c);
      } else { // once per request for the credential id's '/': no String.format on the hot path
        sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return sb.toString();
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private static boolean isTokenChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$&'*+-.^_`|~".indexOf(c) >= 0;
  }
}
