package dev.tenantproxy.filters.json;

import dev.tenantproxy.filters.json.impl.EnvelopeFilter;
import dev.tenantproxy.filters.json.impl.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Keeps only the visible items of a Kubernetes List ({@code NamespaceList}, {@code
 * PartialObjectMetadataList}, ...), streaming: one item is buffered at a time, never the list.
 * {@code metadata.remainingItemCount} is always dropped (it would leak a count); {@code
 * metadata.resourceVersion} is kept. Items that are not JSON objects are dropped. Immutable and
 * thread-safe; the predicate runs on the calling thread.
 *
 * <p>Failures: {@link dev.tenantproxy.filters.status.KubeStatusException} 400 for a body that is
 * not a JSON object (the message never quotes the body). When the body came from the upstream API
 * server the caller should map that to a 500/ERROR event, not pass the 400 on.
 */
public final class ListFilter {
  private final Predicate<ItemMeta> keep;
  private final String continueToken;

  private ListFilter(Predicate<ItemMeta> keep, String continueToken) {
    this.keep = Objects.requireNonNull(keep, "keep");
    this.continueToken = continueToken;
  }

  /** A filter keeping the items whose metadata satisfies {@code keep}. */
  public static ListFilter keeping(Predicate<ItemMeta> keep) {
    return new ListFilter(keep, null);
  }

  /**
   * The same filter writing {@code token} as {@code metadata.continue}: null keeps the upstream
   * value, "" removes it (last page).
   */
  public ListFilter withContinue(String token) {
    return new ListFilter(keep, token);
  }

  /** Streams {@code in} to {@code out}; neither stream is closed. */
  public FilterResult filter(InputStream in, OutputStream out) {
    return new EnvelopeFilter(
            "items", "list", p -> keep.test(Json.readObjectMeta(p)), continueToken)
        .filter(in, out);
  }

  /** Filters a whole body held in memory. */
  public byte[] filter(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
    filter(new ByteArrayInputStream(body), out);
    return out.toByteArray();
  }
}
