package dev.tenantproxy.proxy.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** What the watch hub hands one watcher, in order. */
public sealed interface WatchMessage {

  /** An ADDED / MODIFIED / DELETED event for the watcher. */
  record Event(String type, ServedObject object) implements WatchMessage {}

  /**
   * A BOOKMARK at {@code resourceVersion}; {@code initialEventsEnd} ends a WatchList's initial
   * events.
   */
  record Bookmark(long resourceVersion, boolean initialEventsEnd) implements WatchMessage {}

  /** An ERROR event; the watch ends after it. */
  record Error(KubeStatusException status) implements WatchMessage {}

  /**
   * The one ERROR-event writer of every served watch (chunked HTTP and WebSocket alike): {@code
   * {"type":"ERROR","object":<Status>}} and a newline.
   */
  static byte[] errorLine(KubeStatusException status) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("type", "ERROR");
      g.writeFieldName("object");
      status.writeStatus(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.write('\n');
    return out.toByteArray();
  }
}
