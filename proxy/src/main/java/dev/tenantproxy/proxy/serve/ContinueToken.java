package dev.tenantproxy.proxy.serve;

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
 * The {@code continue} token of a served list (any kind): base64url of {@code {"v":1,"rv":"<list
 * resourceVersion>","start":"<last name returned>"}}. It names only the resourceVersion of the
 * first page and the last object the caller was given (one it may see), so it reveals nothing
 * outside the caller's visibility; a forged token can only move where a page of the caller's own
 * visible objects starts.
 */
public record ContinueToken(long resourceVersion, String lastName) {
  private static final JsonFactory JSON = new JsonFactory();

  public ContinueToken {
    Objects.requireNonNull(lastName, "lastName");
  }

  public String encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("v", 1);
      g.writeStringField("rv", Long.toString(resourceVersion));
      g.writeStringField("start", lastName);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
  }

  /**
   * Decodes a token.
   *
   * @throws KubeStatusException 400 {@code continue key is not valid: ...} for anything this proxy
   *     did not produce
   */
  public static ContinueToken decode(String token) {
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
    }
    Long rv = null;
    String start = null;
    int version = 0;
    try (JsonParser p = JSON.createParser(raw)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "v" -> version = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : 0;
          case "rv" -> rv = value == JsonToken.VALUE_STRING ? parseRv(p.getText()) : null;
          case "start" -> start = value == JsonToken.VALUE_STRING ? p.getText() : null;
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
    }
    if (version != 1) {
      throw invalid("server does not recognize this encoded key version");
    }
    if (rv == null || rv <= 0 || start == null || start.isEmpty()) {
      throw invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
    }
    return new ContinueToken(rv, start);
  }

  private static Long parseRv(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static KubeStatusException invalid(String why) {
    return KubeStatusException.badRequest("continue key is not valid: " + why);
  }
}
