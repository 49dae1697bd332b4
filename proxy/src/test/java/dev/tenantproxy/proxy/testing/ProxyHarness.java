package dev.tenantproxy.proxy.testing;

import dev.tenantproxy.proxy.config.ProxyConfig;
import dev.tenantproxy.proxy.ops.Readiness;
import dev.tenantproxy.proxy.server.ProxyFilter;
import dev.tenantproxy.proxy.server.ProxyServer;
import dev.tenantproxy.proxy.upstream.Upstream;
import dev.tenantproxy.proxy.upstream.UpstreamCredentials;
import dev.tenantproxy.testsupport.TestVertx;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A proxy in front of a {@link FakeApiServer}, both on port 0, with a PKI: a serving CA, a client
 * CA (users) and a front-proxy CA (identity headers). The proxy authenticates to the fake with the
 * token {@code proxy-token}.
 */
public final class ProxyHarness implements AutoCloseable {
  public static final String PROXY_TOKEN = "proxy-token";

  public final Vertx vertx;
  public final Path dir;
  public final TestPki.Issued servingCa;
  public final TestPki.Issued clientCa;
  public final TestPki.Issued frontProxyCa;
  public final FakeApiServer api = new FakeApiServer();
  public final TestPki.Issued proxyServing;
  public ProxyServer proxy;
  public Upstream upstream;
  public ProxyConfig config;

  private ProxyHarness(Path dir) {
    this.vertx = TestVertx.create();
    this.dir = dir;
    this.servingCa = TestPki.ca(dir, "serving-ca");
    this.clientCa = TestPki.ca(dir, "client-ca");
    this.frontProxyCa = TestPki.ca(dir, "front-proxy-ca");
    this.proxyServing = TestPki.server(dir, "proxy", servingCa);
  }

  /** Starts the fake API server and the proxy; {@code tweak} adjusts the configuration. */
  public static ProxyHarness start(
      Path dir, UnaryOperator<ProxyConfig> tweak, Readiness readiness, List<ProxyFilter> serving) {
    ProxyHarness h = new ProxyHarness(dir);
    TestPki.Issued apiServing = TestPki.server(dir, "api", h.servingCa);
    int apiPort = await(h.api.start(h.vertx, apiServing));
    UpstreamCredentials creds =
        new UpstreamCredentials(
            URI.create("https://127.0.0.1:" + apiPort),
            Buffer.buffer(read(h.servingCa.certFile())),
            null,
            null,
            PROXY_TOKEN,
            null);
    // 30 s, not 5: a cold TLS handshake on two cores loaded 10x over took 13 s (flake hunt)
    h.upstream = Upstream.create(h.vertx, creds, 30_000);
    ProxyConfig base =
        ProxyConfig.defaults(h.proxyServing.certFile(), h.proxyServing.keyFile())
            .withBindAddress("127.0.0.1")
            .withPort(0)
            .withOpsPort(0)
            .withEventLoops(2)
            .withClientCaFile(h.clientCa.certFile())
            .withRequestHeader(
                new ProxyConfig.RequestHeaderConfig(
                    h.frontProxyCa.certFile(),
                    List.of("front-proxy"),
                    List.of("X-Remote-User"),
                    List.of("X-Remote-Group"),
                    List.of("X-Remote-Extra-")))
            .withShutdownGracePeriod(Duration.ofSeconds(2));
    h.config = tweak.apply(base);
    ProxyServer.Builder b = ProxyServer.builder(h.vertx, h.config, h.upstream).readiness(readiness);
    serving.forEach(b::addServingFilter);
    h.proxy = b.build();
    await(h.proxy.start());
    return h;
  }

  public static ProxyHarness start(Path dir) {
    return start(dir, c -> c, Readiness.always(), List.of());
  }

  /** A client certificate signed by the client CA. */
  public TestPki.Issued user(String name, String... groups) {
    return TestPki.client(dir, "user-" + name, clientCa, name, List.of(groups));
  }

  /** A client certificate signed by the front-proxy CA. */
  public TestPki.Issued frontProxy(String cn) {
    return TestPki.client(dir, "front-" + cn, frontProxyCa, cn, List.of());
  }

  /** A client of the proxy, with a client certificate or none. */
  public TestClient client(TestPki.Issued cert, HttpVersion version) {
    HttpClientOptions o =
        new HttpClientOptions()
            .setSsl(true)
            .setTrustOptions(new PemTrustOptions().addCertPath(servingCa.certFile().toString()))
            .setDefaultHost("127.0.0.1")
            .setDefaultPort(proxy.port())
            .setProtocolVersion(version)
            .setUseAlpn(version == HttpVersion.HTTP_2)
            .setDecompressionSupported(false);
    if (cert != null) {
      o.setKeyCertOptions(
          new PemKeyCertOptions()
              .setCertPath(cert.certFile().toString())
              .setKeyPath(cert.keyFile().toString()));
    }
    return new TestClient(vertx, vertx.httpClientBuilder().with(o).build());
  }

  /** A complete response. */
  public record Response(int status, MultiMap headers, String body) {}

  /** Sends one request and waits for the whole answer. */
  public static Response call(
      TestClient client, HttpMethod method, String uri, MultiMap headers, String body) {
    return await(
        client.exchange(
            agent ->
                agent
                    .request(new RequestOptions().setMethod(method).setURI(uri))
                    .compose(
                        req -> {
                          if (headers != null) {
                            req.headers().addAll(headers);
                          }
                          return (body == null ? req.send() : req.send(body))
                              .compose(
                                  resp ->
                                      resp.body()
                                          .map(
                                              b ->
                                                  new Response(
                                                      resp.statusCode(),
                                                      resp.headers(),
                                                      b.toString())));
                        })));
  }

  public static Response get(TestClient client, String uri, MultiMap headers) {
    return call(client, HttpMethod.GET, uri, headers, null);
  }

  public static MultiMap headers(String... kv) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < kv.length; i += 2) {
      m.add(kv[i], kv[i + 1]);
    }
    return m;
  }

  public static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      await(proxy.shutdown());
    } finally {
      vertx
          .close()
          .toCompletionStage()
          .toCompletableFuture()
          .orTimeout(10, TimeUnit.SECONDS)
          .join();
    }
  }
}
