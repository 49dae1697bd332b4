package dev.tenantproxy.filters.status;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * The one failure type of tenant-proxy. It carries everything a Kubernetes {@code Status} needs;
 * the proxy turns it into a response in exactly one place. Messages must never name anything
 * outside the caller's visibility.
 */
public final class KubeStatusException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private static final JsonFactory JSON = new JsonFactory();

  private final int code;
  private final String reason;
  private final String detailsName;
  private final String detailsKind;
  private final String detailsGroup;

  public KubeStatusException(
      int code,
      String reason,
      String message,
      String detailsName,
      String detailsGroup,
      String detailsKind) {
    super(Objects.requireNonNull(message, "message"), null, false, false);
    this.code = code;
    this.reason = Objects.requireNonNull(reason, "reason");
    this.detailsName = detailsName;
    this.detailsGroup = detailsGroup;
    this.detailsKind = detailsKind;
  }

  public static KubeStatusException badRequest(String message) {
    return new KubeStatusException(400, "BadRequest", message, null, null, null);
  }

  public static KubeStatusException unauthorized() {
    return new KubeStatusException(401, "Unauthorized", "Unauthorized", null, null, null);
  }

  /** Forbidden with the API server's wording, e.g. {@code namespaces "foo" is forbidden: ...}. */
  public static KubeStatusException forbidden(
      String message, String name, String group, String kind) {
    return new KubeStatusException(403, "Forbidden", message, name, group, kind);
  }

  /** {@code <resource> "<name>" not found}, exactly as the API server words it. */
  public static KubeStatusException notFound(String group, String resource, String name) {
    String qualified = group == null || group.isEmpty() ? resource : resource + "." + group;
    return new KubeStatusException(
        404, "NotFound", qualified + " \"" + name + "\" not found", name, group, resource);
  }

  public static KubeStatusException notAcceptable(String message) {
    return new KubeStatusException(406, "NotAcceptable", message, null, null, null);
  }

  /** The 410 a watch or continue token gets when its resourceVersion is older than what is kept. */
  public static KubeStatusException expired(String message) {
    return new KubeStatusException(410, "Expired", message, null, null, null);
  }

  public static KubeStatusException methodNotAllowed(String message) {
    return new KubeStatusException(405, "MethodNotAllowed", message, null, null, null);
  }

  public static KubeStatusException tooManyRequests(String message) {
    return new KubeStatusException(429, "TooManyRequests", message, null, null, null);
  }

  public static KubeStatusException serviceUnavailable(String message) {
    return new KubeStatusException(503, "ServiceUnavailable", message, null, null, null);
  }

  public static KubeStatusException internal(String message) {
    return new KubeStatusException(500, "InternalError", message, null, null, null);
  }

  public int code() {
    return code;
  }

  public String reason() {
    return reason;
  }

  /** This failure as a {@code meta/v1 Status} JSON document (UTF-8). */
  public byte[] toStatusJson() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      writeStatus(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Writes the Status object (for example as the {@code object} of a watch ERROR event). */
  public void writeStatus(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("kind", "Status");
    g.writeStringField("apiVersion", "v1");
    g.writeObjectFieldStart("metadata");
    g.writeEndObject();
    g.writeStringField("status", "Failure");
    g.writeStringField("message", getMessage());
    g.writeStringField("reason", reason);
    if (detailsName != null || detailsKind != null || detailsGroup != null) {
      g.writeObjectFieldStart("details");
      if (detailsName != null) {
        g.writeStringField("name", detailsName);
      }
      if (detailsGroup != null && !detailsGroup.isEmpty()) {
        g.writeStringField("group", detailsGroup);
      }
      if (detailsKind != null) {
        g.writeStringField("kind", detailsKind);
      }
      g.writeEndObject();
    }
    g.writeNumberField("code", code);
    g.writeEndObject();
  }
}
