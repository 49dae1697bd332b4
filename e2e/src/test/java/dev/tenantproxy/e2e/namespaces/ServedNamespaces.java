package dev.tenantproxy.e2e.namespaces;

import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One tenant-proxy per test JVM with namespace serving wired in exactly as {@code tenant-proxy
 * serve} wires it, in front of the shared control plane; plus helpers to make tenants and talk to
 * the proxy as a user (kubectl or raw HTTPS with the user's client certificate).
 */
final class ServedNamespaces {
  private static ProxyInFront proxy;

  private ServedNamespaces() {}

  static synchronized ProxyInFront proxy(ControlPlane cp) {
    if (proxy == null) {
      try {
        Path dir = Files.createTempDirectory("tenant-proxy-namespaces-it-");
        proxy = ProxyInFront.start(cp, dir, true);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      ProxyInFront started = proxy;
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "namespaces-it-proxy-stop"));
      awaitReady(cp, started);
    }
    return proxy;
  }

  private static void awaitReady(ControlPlane cp, ProxyInFront p) {
    HttpClient client = client(cp, p, null);
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  client
                      .request(
                          new RequestOptions()
                              .setMethod(HttpMethod.GET)
                              .setHost("127.0.0.1")
                              .setPort(p.port())
                              .setURI("/readyz"))
                      .compose(r -> r.send())
                      .map(r -> r.statusCode() == 200)
                      .otherwise(false)
                      .await(10, TimeUnit.SECONDS));
    } finally {
      client.close();
    }
  }

  /** A Vert.x HTTPS client to the proxy, presenting {@code user}'s certificate (null: none). */
  static HttpClient client(ControlPlane cp, ProxyInFront p, KubeUser user) {
    HttpClientOptions o =
        new HttpClientOptions()
            .setSsl(true)
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(p.caPem())));
    if (user != null) {
      o.setKeyCertOptions(
          new PemKeyCertOptions()
              .addCertValue(Buffer.buffer(user.certificatePem().orElseThrow()))
              .addKeyValue(Buffer.buffer(user.privateKeyPem().orElseThrow())));
    }
    return cp.vertx().createHttpClient(o);
  }

  /** A raw answer of the proxy. */
  record Answer(int status, String contentType, String body) {}

  static Answer get(ControlPlane cp, ProxyInFront p, KubeUser user, String uri, String accept) {
    HttpClient client = client(cp, p, user);
    try {
      RequestOptions o =
          new RequestOptions()
              .setMethod(HttpMethod.GET)
              .setHost("127.0.0.1")
              .setPort(p.port())
              .setURI(uri);
      if (accept != null) {
        o.putHeader("Accept", accept);
      }
      return client
          .request(o)
          .compose(r -> r.send())
          .compose(
              r ->
                  r.body()
                      .map(
                          b ->
                              new Answer(
                                  r.statusCode(), r.getHeader("Content-Type"), b.toString())))
          .await(30, TimeUnit.SECONDS);
    } finally {
      client.close();
    }
  }

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  /** A fresh Capsule user (client certificate, group {@value Capsule#CAPSULE_USERS_GROUP}). */
  static KubeUser capsuleUser(ControlPlane cp, String name, String... groups) {
    String[] all = new String[groups.length + 1];
    all[0] = Capsule.CAPSULE_USERS_GROUP;
    System.arraycopy(groups, 0, all, 1, groups.length);
    return cp.users().certificate(name, all);
  }

  /** kubectl {@code version} as {@code user} through the proxy. */
  static Kubectl kubectl(ProxyInFront p, KubeUser user, String version) {
    return Kubectl.version(version, p.kubeconfig(user));
  }

  /** A tenant owned by {@code owner} with the given namespaces. */
  static void tenant(ControlPlane cp, String tenant, Owner owner, String... namespaces) {
    cp.capsule().createTenant(tenant, owner);
    for (String ns : namespaces) {
      cp.capsule().createNamespace(tenant, ns);
    }
  }
}
