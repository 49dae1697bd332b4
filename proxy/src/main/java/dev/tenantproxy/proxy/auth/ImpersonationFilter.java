package dev.tenantproxy.proxy.auth;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.proxy.auth.AccessReviewer.Answer;
import dev.tenantproxy.proxy.auth.AccessReviewer.Attributes;
import dev.tenantproxy.proxy.server.FilterChain;
import dev.tenantproxy.proxy.server.ProxyExchange;
import dev.tenantproxy.proxy.server.ProxyFilter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Honours client {@code Impersonate-*} headers only after SubjectAccessReviews (verb {@code
 * impersonate}, one per user / group / uid / extra value, issued concurrently and cached per
 * (caller, attributes)) allow every part; otherwise 403 and nothing is forwarded. The effective
 * caller then becomes the impersonated identity, built the way kube-apiserver builds it.
 */
public final class ImpersonationFilter implements ProxyFilter {
  static final String USER = "Impersonate-User";
  static final String GROUP = "Impersonate-Group";
  static final String UID = "Impersonate-Uid";
  static final String EXTRA_PREFIX = "impersonate-extra-";
  private static final String AUTH_GROUP = "authentication.k8s.io";

  private record Key(Caller caller, Attributes attributes) {}

  private record Requested(Caller identity, List<Attributes> checks) {}

  private final AccessReviewer reviewer;
  private final AsyncTtlCache<Key, Answer> cache;
  private final AsyncTtlCache.OutcomeListener listener;

  public ImpersonationFilter(
      AccessReviewer reviewer,
      Duration ttl,
      int maxEntries,
      AsyncTtlCache.OutcomeListener listener) {
    this.reviewer = reviewer;
    this.listener = listener;
    long ttlNanos = ttl.toNanos();
    this.cache = new AsyncTtlCache<>(maxEntries, a -> ttlNanos, System::nanoTime);
  }

  @Override
  public Future<Void> handle(ProxyExchange exchange, FilterChain chain) {
    Requested requested;
    try {
      requested = parse(exchange.request().headers());
    } catch (KubeStatusException e) {
      return Future.failedFuture(e);
    }
    if (requested == null) {
      return chain.next(exchange);
    }
    Caller actor = exchange.authenticatedCaller();
    List<Future<Answer>> answers = new ArrayList<>(requested.checks().size());
    for (Attributes a : requested.checks()) {
      answers.add(cache.get(new Key(actor, a), k -> reviewer.review(actor, a), listener));
    }
    return Future.all(answers)
        .compose(
            all -> {
              for (int i = 0; i < answers.size(); i++) {
                Answer answer = all.resultAt(i);
                if (!answer.allowed()) {
                  return Future.failedFuture(
                      forbidden(actor, requested.checks().get(i), answer.reason()));
                }
              }
              exchange.impersonating(requested.identity());
              return chain.next(exchange);
            });
  }

  /** The requested identity and the checks it needs, or null when nothing is impersonated. */
  static Requested parse(MultiMap headers) {
    String user = headers.get(USER);
    List<String> groups = headers.getAll(GROUP);
    String uid = headers.get(UID);
    Map<String, List<String>> extra = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : headers) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith(EXTRA_PREFIX) && name.length() > EXTRA_PREFIX.length()) {
        String key =
            URLDecoder.decode(name.substring(EXTRA_PREFIX.length()), StandardCharsets.UTF_8);
        extra.computeIfAbsent(key, k -> new ArrayList<>()).add(e.getValue());
      }
    }
    boolean hasUser = user != null && !user.isEmpty();
    boolean hasUid = uid != null && !uid.isEmpty();
    if (!hasUser && groups.isEmpty() && extra.isEmpty() && !hasUid) {
      return null;
    }
    if (!hasUser) {
      throw KubeStatusException.badRequest(
          "requested "
              + describe(groups, extra, hasUid ? uid : null)
              + " without impersonating a user");
    }
    List<Attributes> checks = new ArrayList<>();
    List<String> effectiveGroups = new ArrayList<>();
    String saNamespace = null;
    if (user.startsWith(Caller.SERVICE_ACCOUNT_PREFIX)) {
      String rest = user.substring(Caller.SERVICE_ACCOUNT_PREFIX.length());
      int colon = rest.indexOf(':');
      if (colon > 0 && colon < rest.length() - 1 && rest.indexOf(':', colon + 1) < 0) {
        saNamespace = rest.substring(0, colon);
        checks.add(
            new Attributes(
                "impersonate", "", "serviceaccounts", "", saNamespace, rest.substring(colon + 1)));
      }
    }
    if (saNamespace == null) {
      checks.add(new Attributes("impersonate", "", "users", "", "", user));
    }
    for (String g : groups) {
      checks.add(new Attributes("impersonate", "", "groups", "", "", g));
      effectiveGroups.add(g);
    }
    if (hasUid) {
      checks.add(new Attributes("impersonate", AUTH_GROUP, "uids", "", "", uid));
    }
    extra.forEach(
        (k, values) -> {
          for (String v : values) {
            checks.add(new Attributes("impersonate", AUTH_GROUP, "userextras", k, "", v));
          }
        });
    if (groups.isEmpty()) {
      if (saNamespace != null) {
        effectiveGroups.add("system:serviceaccounts");
        effectiveGroups.add("system:serviceaccounts:" + saNamespace);
      }
      if (!user.equals("system:anonymous")
          && !effectiveGroups.contains("system:authenticated")
          && !effectiveGroups.contains("system:unauthenticated")) {
        effectiveGroups.add("system:authenticated");
      }
    }
    return new Requested(
        new Caller(user, hasUid ? uid : "", effectiveGroups, extra), List.copyOf(checks));
  }

  /**
   * The requested parts as kube-apiserver prints them in its 400 (Go's {@code %v} of its
   * ObjectReferences: kind, namespace, name, uid, apiVersion, resourceVersion, fieldPath): groups,
   * then extras, then the uid.
   */
  private static String describe(List<String> groups, Map<String, List<String>> extra, String uid) {
    List<String> parts = new ArrayList<>();
    String v1 = AUTH_GROUP + "/v1";
    for (String g : groups) {
      parts.add(reference("Group", g, "", ""));
    }
    extra.forEach(
        (key, values) -> {
          for (String value : values) {
            parts.add(reference("UserExtra", value, v1, key));
          }
        });
    if (uid != null) {
      parts.add(reference("UID", uid, v1, ""));
    }
    return "[" + String.join(" ", parts) + "]";
  }

  private static String reference(String kind, String name, String apiVersion, String fieldPath) {
    return "{" + String.join(" ", kind, "", name, "", apiVersion, "", fieldPath) + "}";
  }

  /** kube-apiserver's wording for a refused impersonation. */
  static KubeStatusException forbidden(Caller actor, Attributes a, String reason) {
    String resource =
        a.subresource().isEmpty() ? a.resource() : a.resource() + "/" + a.subresource();
    String qualified = a.group().isEmpty() ? a.resource() : a.resource() + "." + a.group();
    String scope =
        a.namespace().isEmpty()
            ? "at the cluster scope"
            : "in the namespace \"" + a.namespace() + "\"";
    String message =
        qualified
            + " \""
            + a.name()
            + "\" is forbidden: User \""
            + actor.user()
            + "\" cannot impersonate resource \""
            + resource
            + "\" in API group \""
            + a.group()
            + "\" "
            + scope
            + (reason == null || reason.isEmpty() ? "" : ": " + reason);
    return KubeStatusException.forbidden(message, a.name(), a.group(), a.resource());
  }
}
