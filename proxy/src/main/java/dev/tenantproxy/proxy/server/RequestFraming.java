package dev.tenantproxy.proxy.server;

import dev.tenantproxy.filters.status.KubeStatusException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.List;

/**
 * Checks the framing of a request the HTTP decoder accepted but the API server (Go net/http) would
 * refuse, before any filter sees it. A refused HTTP/1.x request is answered and its connection
 * closed: what follows it on the wire can no longer be trusted to be framed as the client meant.
 *
 * <ul>
 *   <li>request target not in origin form ({@code /...}) nor absolute form ({@code https://h/...}),
 *       or with an ASCII control character (NUL, CR, ...): 400, as Go's "invalid control character
 *       in URL" / "invalid request URI";
 *   <li>HTTP/1.1 without a Host header, or with more than one: 400 (RFC 9112 §3.2; Go: "missing
 *       required Host header", "too many Host headers");
 *   <li>a Transfer-Encoding other than exactly {@code chunked}: 501 NotImplemented (RFC 9112 §6.1;
 *       Go: "Unsupported transfer encoding") — Netty would take {@code gzip} as "no body" and parse
 *       the body as the next request;
 * </ul>
 *
 * <p>Both Transfer-Encoding: chunked and Content-Length: Netty's decoder drops the Content-Length
 * before the request reaches here and reads the chunked body, as Go does (RFC 9112 §6.1 allows it);
 * whatever follows the chunked body is the next request on the same connection, with the same
 * client identity, through every filter — nothing reaches the API server unauthenticated. Two
 * different Content-Length values, or a non-numeric or negative one, are refused by the decoder
 * (400).
 */
final class RequestFraming {
  private RequestFraming() {}

  /** The refusal for {@code request}, or null if it is well framed. */
  static KubeStatusException check(HttpServerRequest request) {
    String uri = request.uri();
    if (uri == null || !(uri.startsWith("/") || absoluteForm(uri)) || hasControl(uri)) {
      return KubeStatusException.badRequest("malformed HTTP request: invalid request URI");
    }
    if (request.version() == HttpVersion.HTTP_2) {
      return null;
    }
    List<String> hosts = request.headers().getAll(HttpHeaders.HOST);
    if (request.version() == HttpVersion.HTTP_1_1 && hosts.size() != 1) {
      return KubeStatusException.badRequest(
          hosts.isEmpty() ? "missing required Host header" : "too many Host headers");
    }
    List<String> te = request.headers().getAll(HttpHeaders.TRANSFER_ENCODING);
    if (!te.isEmpty() && (te.size() != 1 || !te.get(0).trim().equalsIgnoreCase("chunked"))) {
      return new KubeStatusException(
          501, "NotImplemented", "unsupported transfer encoding", null, null, null);
    }
    return null;
  }

  private static boolean absoluteForm(String uri) {
    String lower = uri.length() > 8 ? uri.substring(0, 8).toLowerCase(java.util.Locale.ROOT) : "";
    return lower.startsWith("https://") || lower.startsWith("http://");
  }

  private static boolean hasControl(String uri) {
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return true;
      }
    }
    return false;
  }
}
