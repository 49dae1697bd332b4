package dev.tenantproxy.e2e.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.File;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * The L2 benchmark's second reference point ({@code -Dbench.l2.reference=netty}, run as its own JVM
 * by {@link NettyReferenceProxy}): an HTTP/2 frame relay written on Netty alone, with no request
 * layer above the frames. It is the shape of the "relay HTTP/2 frames below Vert.x" step that
 * lean.md names as the one lever left for L2, reduced to what every request-header proxy must do:
 * TLS with a verified client certificate, the caller's identity headers dropped and {@code
 * X-Remote-User} / {@code X-Remote-Group} added from the certificate (read once per connection),
 * one upstream HTTP/2 connection per event loop authenticated by a request-header certificate,
 * frames relayed both ways, flushes of a loop turn consolidated. No authorization, no served reads,
 * no audit line, no metrics, no flow-control care beyond Netty's own, no error handling beyond a
 * 502: not a product and not shipped, a measured floor for that design.
 *
 * <p>Arguments: port, serving certificate, serving key, client CA, upstream URL, upstream CA,
 * request-header client certificate, its key (PEM files).
 */
public final class NettyReferenceRelay {
  private static final AttributeKey<Identity> IDENTITY = AttributeKey.valueOf("l2-identity");

  private record Identity(String user, List<String> groups) {}

  private final SslContext upstreamTls;
  private final String host;
  private final int port;
  private final Map<EventLoop, Promise<Channel>> upstreams = new ConcurrentHashMap<>();

  private NettyReferenceRelay(SslContext upstreamTls, String host, int port) {
    this.upstreamTls = upstreamTls;
    this.host = host;
    this.port = port;
  }

  public static void main(String[] args) throws Exception {
    int listen = Integer.parseInt(args[0]);
    ApplicationProtocolConfig h2 =
        new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2);
    SslContext serverTls =
        SslContextBuilder.forServer(new File(args[1]), new File(args[2]))
            .trustManager(new File(args[3]))
            .clientAuth(ClientAuth.REQUIRE)
            .sslProvider(SslProvider.OPENSSL)
            .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
            .applicationProtocolConfig(h2)
            .build();
    URI upstream = URI.create(args[4]);
    SslContext upstreamTls =
        SslContextBuilder.forClient()
            .trustManager(new File(args[5]))
            .keyManager(new File(args[6]), new File(args[7]))
            .sslProvider(SslProvider.OPENSSL)
            .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
            .applicationProtocolConfig(h2)
            .build();
    NettyReferenceRelay relay =
        new NettyReferenceRelay(upstreamTls, upstream.getHost(), upstream.getPort());
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    new ServerBootstrap()
        .group(group)
        .channel(EpollServerSocketChannel.class)
        .childHandler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.pipeline()
                    .addLast(serverTls.newHandler(ch.alloc()))
                    .addLast(new FlushConsolidationHandler(256, true))
                    .addLast(Http2FrameCodecBuilder.forServer().build())
                    .addLast(
                        new Http2MultiplexHandler(
                            new ChannelInitializer<Http2StreamChannel>() {
                              @Override
                              protected void initChannel(Http2StreamChannel stream) {
                                stream.pipeline().addLast(relay.new Request());
                              }
                            }));
              }
            })
        .bind("127.0.0.1", listen)
        .sync();
    System.out.println("listening on 127.0.0.1:" + listen);
  }

  /** The upstream connection of {@code loop}, opened on first use. */
  private Future<Channel> upstream(EventLoop loop) {
    Promise<Channel> existing = upstreams.get(loop);
    if (existing != null) {
      return existing;
    }
    Promise<Channel> promise = loop.newPromise();
    upstreams.put(loop, promise);
    new Bootstrap()
        .group(loop)
        .channel(EpollSocketChannel.class)
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.pipeline()
                    .addLast(upstreamTls.newHandler(ch.alloc(), host, port))
                    .addLast(new FlushConsolidationHandler(256, true))
                    .addLast(Http2FrameCodecBuilder.forClient().build())
                    .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
              }
            })
        .connect(host, port)
        .addListener(
            connected -> {
              if (!connected.isSuccess()) {
                upstreams.remove(loop);
                promise.setFailure(connected.cause());
                return;
              }
              Channel ch = ((io.netty.channel.ChannelFuture) connected).channel();
              ch.pipeline()
                  .get(SslHandler.class)
                  .handshakeFuture()
                  .addListener(
                      done -> {
                        if (done.isSuccess()) {
                          ch.closeFuture().addListener(c -> upstreams.remove(loop, promise));
                          promise.setSuccess(ch);
                        } else {
                          upstreams.remove(loop);
                          promise.setFailure(done.cause());
                        }
                      });
            });
    return promise;
  }

  /** One caller stream: its request relayed to a new upstream stream, the answer relayed back. */
  private final class Request extends ChannelInboundHandlerAdapter {
    private Http2StreamChannel up;
    private List<Object> early; // frames read before the upstream stream opened

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Http2HeadersFrame h && up == null && early == null) {
        early = new ArrayList<>();
        Http2Headers out = upstreamHeaders(ctx.channel(), h.headers());
        boolean end = h.isEndStream();
        Channel caller = ctx.channel();
        upstream(caller.eventLoop())
            .addListener(
                conn -> {
                  if (!conn.isSuccess()) {
                    fail(caller);
                    return;
                  }
                  new Http2StreamChannelBootstrap((Channel) conn.getNow())
                      .handler(new Response(caller))
                      .open()
                      .addListener(
                          opened -> {
                            if (!opened.isSuccess()) {
                              fail(caller);
                              return;
                            }
                            up = (Http2StreamChannel) opened.getNow();
                            up.write(new DefaultHttp2HeadersFrame(out, end));
                            for (Object o : early) {
                              up.write(o);
                            }
                            early = null;
                            up.flush();
                          });
                });
        return;
      }
      if (msg instanceof Http2DataFrame d) {
        Http2DataFrame copy = new DefaultHttp2DataFrame(d.content().retain(), d.isEndStream());
        ReferenceCountUtil.release(d);
        if (up != null) {
          up.writeAndFlush(copy);
        } else if (early != null) {
          early.add(copy);
        } else {
          copy.release();
        }
        return;
      }
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (up != null && up.isActive()) {
        up.close();
      }
      ctx.fireChannelInactive();
    }
  }

  /** The upstream stream's answer, relayed to the caller's stream. */
  private static final class Response extends ChannelInboundHandlerAdapter {
    private final Channel caller;

    Response(Channel caller) {
      this.caller = caller;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Http2HeadersFrame h) {
        caller.writeAndFlush(new DefaultHttp2HeadersFrame(h.headers(), h.isEndStream()));
      } else if (msg instanceof Http2DataFrame d) {
        caller.writeAndFlush(new DefaultHttp2DataFrame(d.content().retain(), d.isEndStream()));
        d.release();
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (caller.isActive()) {
        caller.close();
      }
      ctx.fireChannelInactive();
    }
  }

  private Http2Headers upstreamHeaders(Channel stream, Http2Headers in) {
    Http2Headers out = new DefaultHttp2Headers();
    out.method(in.method()).path(in.path()).scheme("https").authority(host + ":" + port);
    for (Map.Entry<CharSequence, CharSequence> e : in) {
      String name = e.getKey().toString();
      if (name.startsWith(":")
          || name.equals("authorization")
          || name.startsWith("impersonate-")
          || name.startsWith("x-remote-")) {
        continue;
      }
      out.add(e.getKey(), e.getValue());
    }
    Identity who = identity(stream.parent());
    out.set("x-remote-user", who.user());
    for (String g : who.groups()) {
      out.add("x-remote-group", g);
    }
    return out;
  }

  /** The caller of {@code connection}, from its client certificate, read once per connection. */
  private static Identity identity(Channel connection) {
    Identity who = connection.attr(IDENTITY).get();
    if (who != null) {
      return who;
    }
    try {
      X509Certificate cert =
          (X509Certificate)
              connection
                  .pipeline()
                  .get(SslHandler.class)
                  .engine()
                  .getSession()
                  .getPeerCertificates()[0];
      String user = "";
      List<String> groups = new ArrayList<>();
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          user = rdn.getValue().toString();
        } else if (rdn.getType().equalsIgnoreCase("O")) {
          groups.add(rdn.getValue().toString());
        }
      }
      who = new Identity(user, List.copyOf(groups));
    } catch (Exception e) {
      throw new IllegalStateException("no client certificate", e);
    }
    connection.attr(IDENTITY).set(who);
    return who;
  }

  private static void fail(Channel caller) {
    caller.writeAndFlush(
        new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("502"), true));
  }
}
