package dev.tenantproxy.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tenantproxy.testsupport.TestVertx;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.transport.Transport;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NetTransportTest {

  private static boolean linuxX86_64() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    return os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
  }

  /** Builds a Vert.x on {@code transport} the way RunningProxy does and does one HTTP exchange. */
  private static boolean servesOneRequest(Transport transport, boolean expectNative)
      throws Exception {
    Vertx vertx = Vertx.builder().withTransport(transport).build();
    try {
      assertThat(vertx.isNativeTransportEnabled()).isEqualTo(expectNative);
      HttpServer server =
          vertx
              .createHttpServer()
              .requestHandler(r -> r.response().end("on " + transport.name()))
              .listen(0, "127.0.0.1")
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      HttpClient client = vertx.createHttpClient();
      String body =
          TestVertx.onContext(
                  vertx,
                  () ->
                      client
                          .request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
                          .compose(req -> req.send())
                          .compose(resp -> resp.body()))
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS)
              .toString();
      return body.equals("on " + transport.name());
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void autoChoosesNativeEpollOnLinuxX86_64AndServesOverIt() throws Exception {
    assumeTrue(linuxX86_64(), "the bundled epoll library is for linux-x86_64 only");
    Transport chosen = NetTransport.choose("auto");
    assertThat(chosen).isSameAs(Transport.EPOLL);
    assertThat(NetTransport.choose("epoll")).isSameAs(Transport.EPOLL);
    assertThat(servesOneRequest(chosen, true)).isTrue();
  }

  @Test
  void nioIsUsedWhenAskedForAndServesOverIt() throws Exception {
    Transport chosen = NetTransport.choose("NIO");
    assertThat(chosen).isSameAs(Transport.NIO);
    assertThat(servesOneRequest(chosen, false)).isTrue();
  }

  @Test
  void autoFallsBackToNioWhereEpollIsUnavailable() {
    assumeTrue(!Transport.EPOLL.available(), "epoll is available here");
    assertThat(NetTransport.choose("auto")).isSameAs(Transport.NIO);
    assertThatThrownBy(() -> NetTransport.choose("epoll"))
        .hasMessageContaining("TENANT_PROXY_TRANSPORT=epoll");
  }

  @Test
  void anUnknownTransportIsRefusedNamingTheVariableAndTheChoices() {
    assertThatThrownBy(() -> NetTransport.choose("io_uring"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TENANT_PROXY_TRANSPORT=io_uring")
        .hasMessageContaining("auto, epoll or nio");
  }
}
