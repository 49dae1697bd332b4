package dev.tenantproxy.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.proxy.testing.ProxyHarness;
import dev.tenantproxy.proxy.testing.TestPki;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Raw HTTP/2 HEADERS frames (Netty's frame codec, header validation off on the client) against a
 * running proxy: a request with bad pseudo-headers or connection-specific headers gets a stream
 * reset or a 4xx, never a 500, and the connection's next stream is served.
 */
class Http2HostileInputTest {
  private static final String CM = "/api/v1/namespaces/solar/configmaps";

  @TempDir static Path dir;
  static ProxyHarness h;
  static TestPki.Issued alice;
  static EventLoopGroup group;

  @BeforeAll
  static void start() {
    h = ProxyHarness.start(dir);
    alice = h.user("alice", "devs");
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    h.close();
  }

  static Stream<Arguments> hostile() {
    return Stream.of(
        Arguments.of("no :path", (Consumer<Http2Headers>) hd -> hd.remove(":path")),
        Arguments.of("no :method", (Consumer<Http2Headers>) hd -> hd.remove(":method")),
        Arguments.of(
            "uppercase header name", (Consumer<Http2Headers>) hd -> hd.add("X-Upper", "1")),
        Arguments.of(
            "connection header", (Consumer<Http2Headers>) hd -> hd.add("connection", "keep-alive")),
        Arguments.of(
            "transfer-encoding header",
            (Consumer<Http2Headers>) hd -> hd.add("transfer-encoding", "chunked")),
        Arguments.of(
            ":path not origin-form", (Consumer<Http2Headers>) hd -> hd.set(":path", "api/v1/x")),
        Arguments.of(":path asterisk", (Consumer<Http2Headers>) hd -> hd.set(":path", "*")),
        Arguments.of("unknown pseudo-header", (Consumer<Http2Headers>) hd -> hd.add(":evil", "1")));
  }

  @ParameterizedTest(name = "{0}: a reset or a 4xx, the next stream served")
  @MethodSource("hostile")
  void aMalformedHttp2RequestIsResetOrRefusedAndTheConnectionsNextStreamIsServed(
      String name, Consumer<Http2Headers> spoil) throws Exception {
    Channel connection = connect();
    try {
      Http2Headers bad = request();
      spoil.accept(bad);

      String answer = send(connection, bad);
      String next = send(connection, request());

      // RST_STREAM PROTOCOL_ERROR (1) from Netty's HTTP/2 decoder, or a 400 Status
      assertThat(answer).as(name).matches("reset 1|status 4\\d\\d");
      assertThat(next).as(name).isEqualTo("status 200");
    } finally {
      connection.close().syncUninterruptibly();
    }
    // and a new connection is served
    Channel fresh = connect();
    try {
      assertThat(send(fresh, request())).isEqualTo("status 200");
    } finally {
      fresh.close().syncUninterruptibly();
    }
    assertThat(h.api.requests)
        .allSatisfy(r -> assertThat(r.headers().get("Impersonate-User")).isEqualTo("alice"));
    h.api.requests.clear();
  }

  private static Http2Headers request() {
    Http2Headers hd = new DefaultHttp2Headers(false);
    hd.method("GET").path(CM).scheme("https").authority("127.0.0.1");
    return hd;
  }

  /** "status N", "reset CODE" or "closed" for one stream. */
  private static String send(Channel connection, Http2Headers headers) throws Exception {
    CompletableFuture<String> answer = new CompletableFuture<>();
    Http2StreamChannel stream =
        new Http2StreamChannelBootstrap(connection)
            .handler(
                new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof Http2HeadersFrame f && f.headers().status() != null) {
                      answer.complete("status " + f.headers().status());
                    } else if (msg instanceof Http2ResetFrame r) {
                      answer.complete("reset " + r.errorCode());
                    }
                    ReferenceCountUtil.release(msg);
                  }

                  @Override
                  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                    // the multiplexer hands a stream's RST_STREAM to its child as an event
                    if (event instanceof Http2ResetFrame r) {
                      answer.complete("reset " + r.errorCode());
                    }
                    ReferenceCountUtil.release(event);
                  }

                  @Override
                  public void channelInactive(ChannelHandlerContext ctx) {
                    answer.complete("closed");
                  }
                })
            .open()
            .get(30, TimeUnit.SECONDS);
    stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
    return answer.get(30, TimeUnit.SECONDS);
  }

  private static Channel connect() throws Exception {
    SslContext tls =
        SslContextBuilder.forClient()
            .trustManager(h.servingCa.cert())
            .keyManager(alice.key().getPrivate(), alice.cert())
            .applicationProtocolConfig(
                new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    ApplicationProtocolNames.HTTP_2))
            .build();
    return new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .handler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                    .addLast(tls.newHandler(ch.alloc(), "127.0.0.1", h.proxy.port()))
                    .addLast(Http2FrameCodecBuilder.forClient().validateHeaders(false).build())
                    .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
              }
            })
        .connect("127.0.0.1", h.proxy.port())
        .sync()
        .channel();
  }
}
