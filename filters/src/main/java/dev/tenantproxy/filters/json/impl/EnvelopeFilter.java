package dev.tenantproxy.filters.json.impl;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import dev.tenantproxy.filters.json.FilterResult;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Streams a List or Table document: everything is copied token by token except the elements of one
 * array ({@code items} or {@code rows}), each buffered alone in a {@link TokenBuffer}, offered to a
 * predicate and copied only when kept, and the top-level {@code metadata}, where {@code
 * remainingItemCount} is dropped and {@code continue} optionally replaced.
 */
public final class EnvelopeFilter {
  /** Decides on one buffered element; the parser is on its START_OBJECT. */
  @FunctionalInterface
  public interface ElementPredicate {
    boolean keep(JsonParser element) throws IOException;
  }

  private final String arrayField;
  private final String what;
  private final ElementPredicate predicate;
  private final String continueToken;

  /**
   * @param continueToken null keeps the upstream {@code metadata.continue}; "" removes it; any
   *     other value replaces (or adds) it
   */
  public EnvelopeFilter(
      String arrayField, String what, ElementPredicate predicate, String continueToken) {
    this.arrayField = arrayField;
    this.what = what;
    this.predicate = predicate;
    this.continueToken = continueToken;
  }

  public FilterResult filter(InputStream in, OutputStream out) {
    JsonParser p = null;
    try {
      p = Json.FACTORY.createParser(in);
      try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
        return run(p, g);
      }
    } catch (JsonProcessingException | CharConversionException e) {
      throw Json.malformed(what, p == null ? 0 : p.currentLocation().getByteOffset());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (p != null) {
        try {
          p.close();
        } catch (IOException ignored) {
          // closing a parser over a caller-owned stream does not fail
        }
      }
    }
  }

  private FilterResult run(JsonParser p, JsonGenerator g) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw Json.malformed(what, p.currentTokenLocation().getByteOffset());
    }
    int seen = 0;
    int kept = 0;
    g.writeStartObject();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (field.equals(arrayField) && t == JsonToken.START_ARRAY) {
        g.writeFieldName(field);
        g.writeStartArray();
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          if (t != JsonToken.START_OBJECT) {
            // not an object: nothing to attribute visibility to, never copied
            p.skipChildren();
            continue;
          }
          seen++;
          TokenBuffer element = new TokenBuffer(p);
          element.copyCurrentStructure(p);
          boolean keep;
          try (JsonParser ep = element.asParserOnFirstToken()) {
            keep = predicate.keep(ep);
          }
          if (keep) {
            kept++;
            try (JsonParser ep = element.asParserOnFirstToken()) {
              g.copyCurrentStructure(ep);
            }
          }
        }
        g.writeEndArray();
      } else if (field.equals("metadata") && t == JsonToken.START_OBJECT) {
        g.writeFieldName(field);
        copyListMeta(p, g);
      } else {
        g.writeFieldName(field);
        g.copyCurrentStructure(p);
      }
    }
    g.writeEndObject();
    if (p.nextToken() != null) {
      throw Json.malformed(what, p.currentTokenLocation().getByteOffset());
    }
    return new FilterResult(seen, kept);
  }

  private void copyListMeta(JsonParser p, JsonGenerator g) throws IOException {
    g.writeStartObject();
    boolean wroteContinue = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      if (field.equals("remainingItemCount")) {
        p.skipChildren();
      } else if (field.equals("continue") && continueToken != null) {
        p.skipChildren();
        if (!continueToken.isEmpty()) {
          g.writeStringField("continue", continueToken);
          wroteContinue = true;
        }
      } else {
        g.writeFieldName(field);
        g.copyCurrentStructure(p);
      }
    }
    if (continueToken != null && !continueToken.isEmpty() && !wroteContinue) {
      g.writeStringField("continue", continueToken);
    }
    g.writeEndObject();
  }
}
