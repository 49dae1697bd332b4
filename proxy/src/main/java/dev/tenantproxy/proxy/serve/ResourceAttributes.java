package dev.tenantproxy.proxy.serve;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code spec.resourceAttributes} of a SelfSubjectAccessReview, read from its JSON or from its
 * Kubernetes protobuf encoding (what client-go 1.32+ typed clients such as {@code kubectl auth
 * can-i} send): the envelope {@code k8s\0} + {@code runtime.Unknown{typeMeta=1, raw=2}}, raw being
 * {@code SelfSubjectAccessReview{metadata=1, spec=2}}, spec {@code {resourceAttributes=1}}, and
 * resourceAttributes {@code {namespace=1, verb=2, group=3, version=4, resource=5, subresource=6,
 * name=7}}. Only length-delimited and varint fields are expected; anything else means "not
 * understood" (null), and the review passes through.
 */
record ResourceAttributes(
    String namespace,
    String verb,
    String group,
    String version,
    String resource,
    String subresource,
    String name) {

  private static final byte[] MAGIC = {'k', '8', 's', 0};

  /** The attributes, or null when the body has none or cannot be read. */
  static ResourceAttributes parse(String contentType, byte[] body) {
    try {
      if (contentType != null && contentType.startsWith("application/vnd.kubernetes.protobuf")) {
        return parseProtobuf(body);
      }
      JsonObject review = new JsonObject(new String(body, StandardCharsets.UTF_8));
      JsonObject spec = review.getJsonObject("spec");
      JsonObject ra = spec == null ? null : spec.getJsonObject("resourceAttributes");
      if (ra == null) {
        return null;
      }
      return new ResourceAttributes(
          ra.getString("namespace", ""),
          ra.getString("verb", ""),
          ra.getString("group", ""),
          ra.getString("version", ""),
          ra.getString("resource", ""),
          ra.getString("subresource", ""),
          ra.getString("name", ""));
    } catch (RuntimeException e) {
      return null;
    }
  }

  JsonObject toJson() {
    JsonObject o = new JsonObject();
    put(o, "namespace", namespace);
    put(o, "verb", verb);
    put(o, "group", group);
    put(o, "version", version);
    put(o, "resource", resource);
    put(o, "subresource", subresource);
    put(o, "name", name);
    return o;
  }

  private static void put(JsonObject o, String key, String value) {
    if (value != null && !value.isEmpty()) {
      o.put(key, value);
    }
  }

  // ---- a minimal protobuf reader ------------------------------------------------------------

  private static ResourceAttributes parseProtobuf(byte[] body) {
    if (body.length < MAGIC.length) {
      return null;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (body[i] != MAGIC[i]) {
        return null;
      }
    }
    byte[] unknown = java.util.Arrays.copyOfRange(body, MAGIC.length, body.length);
    byte[] raw = field(unknown, 2);
    byte[] spec = raw == null ? null : field(raw, 2);
    byte[] ra = spec == null ? null : field(spec, 1);
    if (ra == null) {
      return null;
    }
    return new ResourceAttributes(
        string(ra, 1),
        string(ra, 2),
        string(ra, 3),
        string(ra, 4),
        string(ra, 5),
        string(ra, 6),
        string(ra, 7));
  }

  private static String string(byte[] message, int number) {
    byte[] v = field(message, number);
    return v == null ? "" : new String(v, StandardCharsets.UTF_8);
  }

  /** The last length-delimited field {@code number} of {@code message}, or null. */
  private static byte[] field(byte[] message, int number) {
    int[] pos = {0};
    byte[] found = null;
    while (pos[0] < message.length) {
      long key = varint(message, pos);
      int wire = (int) (key & 7);
      long n = key >>> 3;
      switch (wire) {
        case 0 -> varint(message, pos);
        case 1 -> pos[0] += 8;
        case 5 -> pos[0] += 4;
        case 2 -> {
          int len = (int) varint(message, pos);
          if (len < 0 || pos[0] + len > message.length) {
            throw new IllegalArgumentException("truncated");
          }
          if (n == number) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(len);
            out.write(message, pos[0], len);
            found = out.toByteArray();
          }
          pos[0] += len;
        }
        default -> throw new IllegalArgumentException("unsupported wire type " + wire);
      }
    }
    return found;
  }

  private static long varint(byte[] b, int[] pos) {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos[0] >= b.length) {
        throw new IllegalArgumentException("truncated varint");
      }
      byte x = b[pos[0]++];
      result |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        return result;
      }
    }
    throw new IllegalArgumentException("varint too long");
  }
}
