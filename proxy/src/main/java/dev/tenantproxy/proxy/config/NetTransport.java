package dev.tenantproxy.proxy.config;

import io.vertx.core.transport.Transport;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which Netty transport the proxy's Vert.x uses for every socket (the server, the upstream client,
 * fabric8's informers): Linux's native epoll (netty-transport-native-epoll, bundled for
 * linux-x86_64) when available, else Java NIO. Epoll saves CPU per request on the pass-through path
 * (fewer syscalls and no selector-key bookkeeping; docs/benchmarks/lean.md).
 *
 * <p>{@code TENANT_PROXY_TRANSPORT} (or the system property {@code tenantproxy.transport}): {@code
 * auto} (default: epoll when available, else NIO with one log line), {@code epoll} (fail at start
 * when unavailable), {@code nio}.
 */
public final class NetTransport {
  private static final Logger LOG = LoggerFactory.getLogger(NetTransport.class);

  /** The environment variable naming the transport. */
  public static final String ENV = "TENANT_PROXY_TRANSPORT";

  /** The system property naming the transport (wins over {@link #ENV}). */
  public static final String PROPERTY = "tenantproxy.transport";

  private NetTransport() {}

  /** The transport configured by {@link #PROPERTY} / {@link #ENV}; never null. */
  public static Transport choose() {
    return choose(System.getProperty(PROPERTY, System.getenv().getOrDefault(ENV, "auto")));
  }

  /**
   * The transport for {@code wanted} ({@code auto}, {@code epoll} or {@code nio}).
   *
   * @throws IllegalArgumentException for another value, or {@code epoll} where it is unavailable
   */
  public static Transport choose(String wanted) {
    String value = wanted == null ? "auto" : wanted.trim().toLowerCase(Locale.ROOT);
    switch (value) {
      case "nio":
        return Transport.NIO;
      case "epoll":
        if (!Transport.EPOLL.available()) {
          throw new IllegalArgumentException(
              ENV
                  + "=epoll: the native epoll transport is unavailable here ("
                  + Transport.EPOLL.unavailabilityCause()
                  + "); set "
                  + ENV
                  + "=auto or nio");
        }
        return Transport.EPOLL;
      case "", "auto":
        if (Transport.EPOLL.available()) {
          return Transport.EPOLL;
        }
        LOG.info(
            "native epoll transport unavailable ({}), using NIO",
            Transport.EPOLL.unavailabilityCause());
        return Transport.NIO;
      default:
        throw new IllegalArgumentException(
            ENV + "=" + wanted + " is not a transport: use auto, epoll or nio");
    }
  }
}
