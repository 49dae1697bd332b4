package dev.tenantproxy.proxy.auth;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.status.KubeStatusException;
import dev.tenantproxy.proxy.config.ProxyConfig.RequestHeaderConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * kube-apiserver's authenticator union: request headers (only from a front proxy whose client
 * certificate chains to the request-header CA and whose CN is allowed), then the client certificate
 * (CN = user, O = groups), then the bearer token (TokenReview, cached). Identity headers on any
 * other connection are ignored. Every authenticated identity carries {@code system:authenticated},
 * like the API server adds it.
 */
public final class KubeAuthenticator implements Authenticator {
  static final String AUTHENTICATED = "system:authenticated";
  private static final String SESSION_CLIENT = "tenantproxy.client-ca";
  private static final String SESSION_FRONT = "tenantproxy.front-proxy";
  private static final String SESSION_CALLER = "tenantproxy.client-cert-caller";

  private final X509Verifier clientCa;
  private final X509Verifier frontProxyCa;
  private final RequestHeaderConfig requestHeader;
  private final CachingTokenAuthenticator tokens;

  /**
   * @param clientCa verifier for user client certificates, or null
   * @param frontProxyCa verifier for front-proxy certificates, or null (identity headers ignored)
   * @param requestHeader header names and allowed CNs, or null
   * @param tokens bearer-token authenticator, or null (tokens ignored)
   */
  public KubeAuthenticator(
      X509Verifier clientCa,
      X509Verifier frontProxyCa,
      RequestHeaderConfig requestHeader,
      CachingTokenAuthenticator tokens) {
    this.clientCa = clientCa;
    this.frontProxyCa = requestHeader == null ? null : frontProxyCa;
    this.requestHeader = requestHeader;
    this.tokens = tokens;
  }

  @Override
  public Future<Caller> authenticate(HttpServerRequest request) {
    List<X509Certificate> chain = peerChain(request);
    SSLSession session = request.connection().sslSession();
    if (!chain.isEmpty() && frontProxyCa != null && isFrontProxy(chain, session)) {
      Caller fromHeaders = fromHeaders(request.headers());
      if (fromHeaders != null) {
        return Future.succeededFuture(fromHeaders);
      }
    }
    if (!chain.isEmpty()
        && clientCa != null
        && verified(session, SESSION_CLIENT, clientCa, chain)) {
      // the certificate's identity, like its validation, is kept on the TLS session: the subject
      // is parsed once per connection, not per request
      if (session != null && session.getValue(SESSION_CALLER) instanceof Caller known) {
        return Future.succeededFuture(known);
      }
      X509Certificate leaf = chain.get(0);
      String cn = X509Verifier.commonName(leaf);
      if (cn != null && !cn.isEmpty()) {
        Caller caller =
            new Caller(
                cn,
                "",
                withAuthenticated(X509Verifier.organizations(leaf)),
                Map.of(Caller.CREDENTIAL_ID, List.of(credentialId(leaf))));
        if (session != null) {
          session.putValue(SESSION_CALLER, caller);
        }
        return Future.succeededFuture(caller);
      }
    }
    String token = bearer(request.headers().get(HttpHeaders.AUTHORIZATION));
    if (token != null && tokens != null) {
      return tokens
          .authenticate(token)
          .compose(
              who ->
                  who.map(c -> Future.succeededFuture(ensureAuthenticatedGroup(c)))
                      .orElseGet(() -> Future.failedFuture(KubeStatusException.unauthorized())));
    }
    return Future.failedFuture(KubeStatusException.unauthorized());
  }

  /**
   * The credential id kube-apiserver gives a client-certificate user ({@code X509SHA256=} and the
   * lower-case hex SHA-256 of the certificate's DER), under {@link Caller#CREDENTIAL_ID} in the
   * extra: forwarded, the API server's audit names the certificate of a proxied request as of a
   * direct one (by request headers only: impersonating it would cost a check per request).
   */
  static String credentialId(X509Certificate leaf) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded());
      return "X509SHA256=" + java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 of a client certificate", e);
    }
  }

  private boolean isFrontProxy(List<X509Certificate> chain, SSLSession session) {
    if (!verified(session, SESSION_FRONT, frontProxyCa, chain)) {
      return false;
    }
    if (requestHeader.allowedNames().isEmpty()) {
      return true;
    }
    String cn = X509Verifier.commonName(chain.get(0));
    return cn != null && requestHeader.allowedNames().contains(cn);
  }

  private Caller fromHeaders(MultiMap headers) {
    String user = null;
    for (String h : requestHeader.usernameHeaders()) {
      String v = headers.get(h);
      if (v != null && !v.isEmpty()) {
        user = v;
        break;
      }
    }
    if (user == null) {
      return null;
    }
    List<String> groups = new ArrayList<>();
    for (String h : requestHeader.groupHeaders()) {
      groups.addAll(headers.getAll(h));
    }
    Map<String, List<String>> extra = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : headers) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      for (String prefix : requestHeader.extraHeaderPrefixes()) {
        String p = prefix.toLowerCase(Locale.ROOT);
        if (name.startsWith(p) && name.length() > p.length()) {
          String key = URLDecoder.decode(name.substring(p.length()), StandardCharsets.UTF_8);
          extra.computeIfAbsent(key, k -> new ArrayList<>()).add(e.getValue());
        }
      }
    }
    return new Caller(user, "", withAuthenticated(groups), extra);
  }

  private static boolean verified(
      SSLSession session, String key, X509Verifier verifier, List<X509Certificate> chain) {
    // the result is kept on the TLS session: one path validation per connection, not per request
    if (session != null) {
      Object cached = session.getValue(key);
      if (cached instanceof Boolean b) {
        return b;
      }
    }
    boolean ok = verifier.verify(chain);
    if (session != null) {
      session.putValue(key, ok);
    }
    return ok;
  }

  static List<X509Certificate> peerChain(HttpServerRequest request) {
    if (!request.isSSL()) {
      return List.of();
    }
    try {
      List<Certificate> certs = request.connection().peerCertificates();
      List<X509Certificate> out = new ArrayList<>(certs == null ? 0 : certs.size());
      if (certs != null) {
        for (Certificate c : certs) {
          if (c instanceof X509Certificate x) {
            out.add(x);
          }
        }
      }
      return out;
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }

  static String bearer(String authorization) {
    if (authorization == null) {
      return null;
    }
    String a = authorization.trim();
    if (a.length() < 7 || !a.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = a.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  static List<String> withAuthenticated(List<String> groups) {
    if (groups.contains(AUTHENTICATED)) {
      return groups;
    }
    List<String> out = new ArrayList<>(groups);
    out.add(AUTHENTICATED);
    return out;
  }

  private static Caller ensureAuthenticatedGroup(Caller c) {
    if (c.groups().contains(AUTHENTICATED)) {
      return c;
    }
    return new Caller(c.user(), c.uid(), withAuthenticated(c.groups()), c.extra());
  }
}
