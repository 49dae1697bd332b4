package dev.tenantproxy.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.JdkTls;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import dev.tenantproxy.testsupport.RawTls;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same hostile HTTP/1.1 bytes, sent over TLS with a user's certificate straight to the real
 * kube-apiserver and to the proxy in front of it, get the same class of answer (2xx / 4xx / 5xx, or
 * a closed connection) and the same number of answers; the proxy keeps serving.
 */
@ExtendWith(ControlPlaneExtension.class)
class HostileInputIT {
  private static final String CM = "/api/v1/namespaces/default/configmaps";
  private static final int TIMEOUT_MS = 60_000;

  @TempDir static Path dir;
  static ProxyInFront proxy;
  static ControlPlane cp;

  @BeforeAll
  static void start(ControlPlane controlPlane) {
    cp = controlPlane;
    proxy = ProxyInFront.start(cp, dir, false);
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  private static Map<String, String> cases() {
    String get = "GET " + CM + " HTTP/1.1\r\nHost: x\r\n";
    String post = "POST " + CM + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    String then = "GET " + CM + "?limit=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    Map<String, String> c = new LinkedHashMap<>();
    c.put("a well-formed GET", get + "Connection: close\r\n\r\n");
    c.put("garbage request line", "HELLO\r\n\r\n" + then);
    c.put("no HTTP version", "GET " + CM + "\r\nHost: x\r\n\r\n" + then);
    c.put("bad method characters", "G@T " + CM + " HTTP/1.1\r\nHost: x\r\n\r\n" + then);
    c.put("space in the URI", "GET /api/v1/a b HTTP/1.1\r\nHost: x\r\n\r\n" + then);
    c.put("NUL in the URI", "GET /api/v1/a\0b HTTP/1.1\r\nHost: x\r\n\r\n" + then);
    c.put("header without colon", get + "Foo\r\n\r\n" + then);
    c.put("invalid header name", get + "X(A): 1\r\n\r\n" + then);
    c.put("no Host", "GET " + CM + " HTTP/1.1\r\n\r\n" + then);
    c.put("two Hosts", get + "Host: y\r\n\r\n" + then);
    c.put("two Content-Lengths", post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x" + then);
    c.put("negative Content-Length", post + "Content-Length: -1\r\n\r\n{}" + then);
    c.put("Transfer-Encoding gzip", post + "Transfer-Encoding: gzip\r\n\r\n{}" + then);
    c.put(
        "Content-Length and chunked",
        get + "Content-Length: 30\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + then);
    c.put("HTTP/0.9", "GET " + CM + " HTTP/0.9\r\nHost: x\r\n\r\n" + then);
    c.put("pipelined", get + "\r\n" + get + "\r\n" + then);
    return c;
  }

  @Test
  void hostileHttp11InputIsAnsweredAsTheApiServerAnswersItAndTheProxyKeepsServing()
      throws IOException {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    KubeUser admin = cp.users().certificate("raw-" + suffix, "system:masters");
    SSLContext direct =
        JdkTls.sslContext(
            admin.certificatePem().orElseThrow(), admin.privateKeyPem().orElseThrow(), cp.caPem());
    SSLContext viaProxy =
        JdkTls.sslContext(
            admin.certificatePem().orElseThrow(),
            admin.privateKeyPem().orElseThrow(),
            proxy.caPem());
    URI api = URI.create(cp.apiServerUrl());
    List<String> table = new ArrayList<>();
    List<String> mismatches = new ArrayList<>();
    Map.Entry<String, String> first = cases().entrySet().iterator().next();

    for (Map.Entry<String, String> c : cases().entrySet()) {
      String d = answers(RawTls.connect(direct, api.getHost(), api.getPort(), TIMEOUT_MS), c);
      String p = answers(RawTls.connect(viaProxy, proxy.port(), TIMEOUT_MS), c);
      table.add(c.getKey() + ": api server " + d + " | proxy " + p);
      if (!classes(d).equals(classes(p))) {
        mismatches.add(c.getKey() + ": api server " + d + " but the proxy " + p);
      }
      // the proxy still serves
      assertThat(
              answers(
                  RawTls.connect(viaProxy, proxy.port(), TIMEOUT_MS),
                  cases().entrySet().iterator().next()))
          .startsWith("[200");
    }
    Files.writeString(
        Path.of("target", "hostile-input-parity.txt"), String.join("\n", table) + "\n");

    assertThat(mismatches).as("answers that differ from the API server's: " + table).isEmpty();
  }

  /** The statuses answered on one connection until it ends, e.g. [400 BadRequest]. */
  private static String answers(RawTls raw, Map.Entry<String, String> c) {
    try (raw) {
      raw.write(c.getValue());
      return raw.readUntilClosed().stream()
          .map(r -> r.status() + " " + r.body().replaceAll("\\s+", " "))
          .map(s -> s.length() > 120 ? s.substring(0, 120) : s)
          .collect(Collectors.joining(" ; ", "[", "]"));
    }
  }

  /** Only the status classes: "[4xx, 2xx]". */
  private static String classes(String answers) {
    List<String> out = new ArrayList<>();
    for (String a : answers.substring(1, answers.length() - 1).split(" ; ")) {
      if (!a.isEmpty()) {
        out.add(a.charAt(0) + "xx");
      }
    }
    return out.toString();
  }
}
