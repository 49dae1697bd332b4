package dev.tenantproxy.proxy.config;

import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Which TLS implementation the proxy uses on both sides: OpenSSL (BoringSSL, bundled for
 * linux-x86_64) when available, else the JDK's. {@code TENANT_PROXY_TLS_ENGINE=jdk} (or the system
 * property {@code tenantproxy.tls.engine}) forces the JDK engine.
 */
public final class TlsEngine {
  private TlsEngine() {}

  private static final AtomicBoolean WARMING = new AtomicBoolean();

  /**
   * Starts probing for OpenSSL (Netty loads and initialises BoringSSL: ~0.1 s of a start's critical
   * path) on a short-lived thread of its own, so that it overlaps with the caller's other set-up;
   * the first {@link #options()} afterwards waits for it (the JVM's class initialisation lock)
   * rather than doing it again. Nothing when the JDK engine is forced, or after the first call.
   */
  public static void warmUp() {
    if (!"auto".equals(wanted()) || !WARMING.compareAndSet(false, true)) {
      return;
    }
    Thread t =
        new Thread(
            () -> {
              try {
                OpenSSLEngineOptions.isAvailable();
              } catch (RuntimeException | LinkageError e) {
                // options() probes again on the caller's thread and sees the same failure
              }
            },
            "tenant-proxy-tls-probe");
    t.setDaemon(true);
    t.start();
  }

  private static String wanted() {
    return System.getProperty(
            "tenantproxy.tls.engine",
            System.getenv().getOrDefault("TENANT_PROXY_TLS_ENGINE", "auto"))
        .toLowerCase(Locale.ROOT);
  }

  /** The engine options to use; never null. */
  public static SSLEngineOptions options() {
    String wanted = wanted();
    boolean openssl =
        switch (wanted) {
          case "jdk" -> false;
          case "openssl" -> true;
          default -> OpenSSLEngineOptions.isAvailable() && OpenSSLEngineOptions.isAlpnAvailable();
        };
    return openssl ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions();
  }
}
