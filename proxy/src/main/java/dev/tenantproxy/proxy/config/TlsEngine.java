package dev.tenantproxy.proxy.config;

import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import java.util.Locale;

/**
 * Which TLS implementation the proxy uses on both sides: OpenSSL (BoringSSL, bundled for
 * linux-x86_64) when available, else the JDK's. {@code TENANT_PROXY_TLS_ENGINE=jdk} (or the system
 * property {@code tenantproxy.tls.engine}) forces the JDK engine.
 */
public final class TlsEngine {
  private TlsEngine() {}

  /** The engine options to use; never null. */
  public static SSLEngineOptions options() {
    String wanted =
        System.getProperty(
            "tenantproxy.tls.engine",
            System.getenv().getOrDefault("TENANT_PROXY_TLS_ENGINE", "auto"));
    boolean openssl =
        switch (wanted.toLowerCase(Locale.ROOT)) {
          case "jdk" -> false;
          case "openssl" -> true;
          default -> OpenSSLEngineOptions.isAvailable() && OpenSSLEngineOptions.isAlpnAvailable();
        };
    return openssl ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions();
  }
}
