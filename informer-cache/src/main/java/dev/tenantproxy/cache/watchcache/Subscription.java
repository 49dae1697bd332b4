package dev.tenantproxy.cache.watchcache;

/** A registration that stops when closed. Closing twice is harmless. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  @Override
  void close();
}
