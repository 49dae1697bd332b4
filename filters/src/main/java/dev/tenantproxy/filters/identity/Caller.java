package dev.tenantproxy.filters.identity;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The authenticated identity of one request, as the API server would see it: user name, uid, groups
 * and extra attributes. Immutable; the collections are copied on construction.
 */
public record Caller(
    String user, String uid, List<String> groups, Map<String, List<String>> extra) {

  /** Prefix of every ServiceAccount user name: {@code system:serviceaccount:<namespace>:<name>}. */
  public static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

  /**
   * The extra key under which kube-apiserver names the credential of a request ({@code
   * X509SHA256=…} for a client certificate, {@code JTI=…} for a ServiceAccount token).
   */
  public static final String CREDENTIAL_ID = "authentication.kubernetes.io/credential-id";

  public Caller {
    Objects.requireNonNull(user, "user");
    uid = uid == null ? "" : uid;
    groups = groups == null ? List.of() : List.copyOf(groups);
    extra = extra == null ? Map.of() : Map.copyOf(extra);
  }

  public static Caller of(String user, String... groups) {
    return new Caller(user, "", List.of(groups), Map.of());
  }

  /** Whether this caller is a ServiceAccount ({@code system:serviceaccount:<ns>:<name>}). */
  public boolean isServiceAccount() {
    return user.startsWith(SERVICE_ACCOUNT_PREFIX)
        && user.indexOf(':', SERVICE_ACCOUNT_PREFIX.length()) > 0;
  }

  /**
   * The namespace of a ServiceAccount caller, or {@code null} when the caller is not a
   * ServiceAccount.
   */
  public String serviceAccountNamespace() {
    if (!isServiceAccount()) {
      return null;
    }
    int end = user.indexOf(':', SERVICE_ACCOUNT_PREFIX.length());
    return user.substring(SERVICE_ACCOUNT_PREFIX.length(), end);
  }
}
