package dev.tenantproxy.cache.informer;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One run of one informer (a fresh fabric8 informer per {@code start()}). Its first list is
 * complete (every object is reported), so at its end the writer deletes what the list did not
 * confirm; its later lists (re-lists after a 410) only report differences. The mutable fields are
 * touched only on the writer thread, except the volatile ones.
 */
final class Generation {
  final ResourceKind kind;
  final CompletableFuture<Void> synced = new CompletableFuture<>();
  final Set<String> seenInFirstList = new HashSet<>();
  boolean firstList = true;
  volatile boolean stopped;
  volatile Instant lastListAt;

  Generation(ResourceKind kind) {
    this.kind = kind;
  }
}
