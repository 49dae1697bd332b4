package dev.tenantproxy.proxy.explain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.UncheckedIOException;

/**
 * Renders an {@link Explanation} as JSON for scripts: the records' fields as they are named ({@code
 * user}, {@code groups}, {@code capsuleUser}, {@code ownedTenants}, {@code kinds[]} with {@code
 * resource}, {@code served}, {@code total}, {@code rules[]} ({@code rule}, {@code tenant}, {@code
 * source}, {@code detail}, {@code grant}), {@code inactive[]}, {@code visible[]}, and {@code
 * object}).
 */
public final class ExplainJson {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ExplainJson() {}

  public static String render(Explanation e) {
    try {
      return JSON.writeValueAsString(e) + "\n";
    } catch (JsonProcessingException ex) {
      throw new UncheckedIOException(ex);
    }
  }
}
