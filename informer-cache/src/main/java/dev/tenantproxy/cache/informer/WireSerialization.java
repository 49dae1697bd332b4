package dev.tenantproxy.cache.informer;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;

/**
 * fabric8's serialization, except for the informers' list pages ({@link WireObject.Page}): those
 * are decoded from the page's bytes, each item's JSON sliced out of them instead of re-written
 * token by token.
 *
 * <p>DESIGN: fabric8 reads a list response whole into a byte array and hands it to {@link
 * #unmarshal(InputStream, TypeReference)} as a stream, which Jackson would read in 8 KB chunks: the
 * item's bytes are then gone by the time it ends, so the page's deserializer had to copy every
 * token of every item into a new JSON, and C2 compiled that copy three times during a fleet start
 * (docs/benchmarks/lean.md, "Tenth pass": slicing saves about 12% of the start's CPU). Here the
 * stream is read back into one array (a copy of a page of at most {@code listPageSize(kind)}
 * objects), parsed from it, and each item is a slice of it. Every other type goes to fabric8, so a
 * client built with this serializes and decodes as one built without it.
 */
final class WireSerialization extends KubernetesSerialization {

  @Override
  @SuppressWarnings("unchecked")
  public <T> T unmarshal(InputStream is, TypeReference<T> type) {
    if (type.getType() != WireObject.Page.class) {
      return super.unmarshal(is, type);
    }
    try (is) {
      return (T) WireObject.page(is.readAllBytes());
    } catch (IOException | JacksonException | IllegalArgumentException e) {
      // as fabric8 reports a response it cannot decode
      throw new KubernetesClientException("An error has occurred.", e);
    }
  }
}
