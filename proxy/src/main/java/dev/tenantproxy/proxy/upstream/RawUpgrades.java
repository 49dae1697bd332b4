package dev.tenantproxy.proxy.upstream;

import dev.tenantproxy.filters.identity.Caller;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Upgrade requests (SPDY/3.1 and WebSocket) on raw HTTP/1.1 connections. Vert.x 5.0's HTTP client
 * only switches to a raw socket after a 101 for GET requests, while exec/attach/port-forward over
 * SPDY use POST; so the request head is written and the response head parsed here, then the socket
 * is handed over as is.
 */
final class RawUpgrades {
  private static final int MAX_HEAD = 64 * 1024;
  private static final byte[] END_OF_HEAD = {'\r', '\n', '\r', '\n'};

  private final NetClient client;
  private final NetClient asCallers;
  private final CallerAssertion assertion;
  private final UpstreamCredentials credentials;
  private final String host;
  private final int port;
  private final boolean ssl;
  private final int connectTimeoutMs;
  private final Supplier<String> token;

  RawUpgrades(
      Vertx vertx,
      UpstreamCredentials credentials,
      FrontProxyClient frontProxy,
      CallerAssertion assertion,
      String host,
      int port,
      boolean ssl,
      int connectTimeoutMs,
      Supplier<String> token) {
    this.client =
        vertx.createNetClient(
            options(
                credentials,
                credentials.clientCertPem(),
                credentials.clientKeyPem(),
                ssl,
                connectTimeoutMs));
    this.asCallers =
        frontProxy == null
            ? client
            : vertx.createNetClient(
                options(
                    credentials, frontProxy.certPem(), frontProxy.keyPem(), ssl, connectTimeoutMs));
    this.assertion = assertion;
    this.credentials = credentials;
    this.host = host;
    this.port = port;
    this.ssl = ssl;
    this.connectTimeoutMs = connectTimeoutMs;
    this.token = token;
  }

  /**
   * Upgrades in callers' names connect with {@code next} from now on. Each upgrade has a connection
   * of its own, never reused, so no connection made with the previous certificate takes a new
   * request and nothing needs retiring: the upgraded streams open now (exec, attach, port-forward
   * sessions) were authenticated when they started, the API server does not check them again, and
   * they go on until they end, as kube-apiserver's own aggregator leaves them when it reloads its
   * proxy client certificate. ({@link NetClient#updateSSLOptions} changes the options of later
   * connections only, in Vert.x 5.0.7 a volatile field read by {@code connect}.)
   */
  Future<Void> renewFrontProxy(FrontProxyClient next) {
    if (asCallers == client) {
      return Future.succeededFuture();
    }
    return asCallers
        .updateSSLOptions(
            options(credentials, next.certPem(), next.keyPem(), ssl, connectTimeoutMs)
                .getSslOptions())
        .mapEmpty();
  }

  private static NetClientOptions options(
      UpstreamCredentials credentials,
      Buffer certPem,
      Buffer keyPem,
      boolean ssl,
      int connectTimeoutMs) {
    NetClientOptions o =
        new NetClientOptions()
            .setConnectTimeout(connectTimeoutMs)
            .setSsl(ssl)
            .setSslEngineOptions(dev.tenantproxy.proxy.config.TlsEngine.options());
    if (ssl) {
      o.setHostnameVerificationAlgorithm("HTTPS");
      if (credentials.caPem() != null) {
        o.setTrustOptions(new PemTrustOptions().addCertValue(credentials.caPem()));
      }
      if (certPem != null && keyPem != null) {
        o.setKeyCertOptions(new PemKeyCertOptions().setCertValue(certPem).setKeyValue(keyPem));
      }
    }
    return o;
  }

  /**
   * Opens the upgrade in {@code caller}'s name (null: as the proxy): on the proxy's own connection
   * with its token and, for a caller, {@code Impersonate-*}; or, when callers are asserted by
   * request headers, on a front-proxy connection with {@code X-Remote-*} and no token.
   */
  Future<UpgradeResponse> upgrade(HttpMethod method, String uri, MultiMap headers, Caller caller) {
    boolean asserted = caller != null && asCallers != client;
    MultiMap identity = MultiMap.caseInsensitiveMultiMap();
    if (caller != null) {
      assertion.addTo(identity, caller);
    }
    return (asserted ? asCallers : client)
        .connect(port, host)
        .compose(
            socket -> {
              StringBuilder head = new StringBuilder(512);
              head.append(method.name()).append(' ').append(uri).append(" HTTP/1.1\r\n");
              head.append("Host: ").append(hostHeader()).append("\r\n");
              String t = asserted ? null : token.get();
              if (t != null) {
                head.append("Authorization: Bearer ").append(t).append("\r\n");
              }
              for (Map.Entry<String, String> e : headers) {
                String name = e.getKey();
                if (name.equalsIgnoreCase("host") || name.equalsIgnoreCase("authorization")) {
                  continue;
                }
                head.append(name).append(": ").append(clean(e.getValue())).append("\r\n");
              }
              for (Map.Entry<String, String> e : identity) {
                head.append(e.getKey()).append(": ").append(clean(e.getValue())).append("\r\n");
              }
              head.append("\r\n");
              Promise<UpgradeResponse> answer = Promise.promise();
              Buffer received = Buffer.buffer();
              socket.exceptionHandler(answer::tryFail);
              socket.closeHandler(
                  v -> answer.tryFail(new java.io.IOException("upstream closed before answering")));
              socket.handler(
                  chunk -> {
                    received.appendBuffer(chunk);
                    int end = indexOf(received, END_OF_HEAD);
                    if (end < 0) {
                      if (received.length() > MAX_HEAD) {
                        socket.close();
                        answer.tryFail(new java.io.IOException("upstream response head too large"));
                      }
                      return;
                    }
                    socket.pause();
                    socket.handler(null);
                    socket.exceptionHandler(null);
                    socket.closeHandler(null);
                    try {
                      answer.tryComplete(
                          parse(
                              received.getString(0, end, "ISO-8859-1"),
                              socket,
                              received.getBuffer(end + 4, received.length())));
                    } catch (RuntimeException e) {
                      socket.close();
                      answer.tryFail(e);
                    }
                  });
              socket.write(Buffer.buffer(head.toString().getBytes(StandardCharsets.UTF_8)));
              return answer.future();
            });
  }

  Future<Void> close() {
    if (asCallers != client) {
      return Future.all(client.close(), asCallers.close()).mapEmpty();
    }
    return client.close();
  }

  private String hostHeader() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return h + ":" + port;
  }

  private static String clean(String value) {
    // header injection guard: values never carry line breaks
    return value.replace('\r', ' ').replace('\n', ' ');
  }

  private static UpgradeResponse parse(String head, NetSocket socket, Buffer leftover) {
    String[] lines = head.split("\r\n");
    String[] status = lines[0].split(" ", 3);
    if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
      throw new IllegalStateException("not an HTTP/1.x response: " + lines[0]);
    }
    int code = Integer.parseInt(status[1].trim());
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.add(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
      }
    }
    return new UpgradeResponse(code, status.length > 2 ? status[2] : "", headers, socket, leftover);
  }

  static int indexOf(Buffer b, byte[] pattern) {
    int n = b.length() - pattern.length;
    outer:
    for (int i = 0; i <= n; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (b.getByte(i + j) != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
