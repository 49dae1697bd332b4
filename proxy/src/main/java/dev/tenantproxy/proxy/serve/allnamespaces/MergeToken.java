package dev.tenantproxy.proxy.serve.allnamespaces;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Objects;

/**
 * The {@code continue} token of a merged all-namespaces list: base64url of {@code
 * {"v":1,"rv":"<snapshot resourceVersion>","ns":"<namespace to resume in>","up":"<the API server's
 * continue token for that namespace, or empty>"}}. Everything in it comes from the caller's own
 * view: a namespace it was shown and the API server's token for a list the caller made in that
 * namespace (itself bound to that namespace's key prefix by the API server). A forged token cannot
 * widen the view: the namespace is only a position in the caller's sorted visible namespaces (one
 * outside it resumes at the next visible one, without its upstream token), and every upstream
 * request is made as the caller.
 */
record MergeToken(String resourceVersion, String namespace, String upstreamContinue) {
  private static final JsonFactory JSON = new JsonFactory();

  MergeToken {
    Objects.requireNonNull(resourceVersion, "resourceVersion");
    Objects.requireNonNull(namespace, "namespace");
    upstreamContinue = upstreamContinue == null ? "" : upstreamContinue;
  }

  String encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("v", 1);
      g.writeStringField("rv", resourceVersion);
      g.writeStringField("ns", namespace);
      g.writeStringField("up", upstreamContinue);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
  }

  /**
   * Decodes a token this proxy produced.
   *
   * @throws KubeStatusException 400 {@code continue key is not valid: ...} (the API server's
   *     wording) for anything else
   */
  static MergeToken decode(String token) {
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw invalid();
    }
    String rv = null;
    String ns = null;
    String up = "";
    int version = 0;
    try (JsonParser p = JSON.createParser(raw)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw invalid();
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        boolean text = value == JsonToken.VALUE_STRING;
        switch (field) {
          case "v" -> version = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : 0;
          case "rv" -> rv = text ? p.getText() : null;
          case "ns" -> ns = text ? p.getText() : null;
          case "up" -> up = text ? p.getText() : "";
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw invalid();
    }
    if (version != 1 || rv == null || !rv.matches("[0-9]{1,19}") || ns == null || ns.isEmpty()) {
      throw invalid();
    }
    return new MergeToken(rv, ns, up);
  }

  private static KubeStatusException invalid() {
    return KubeStatusException.badRequest(
        "continue key is not valid: incorrect encoded start resourceVersion (version"
            + " meta.k8s.io/v1)");
  }
}
