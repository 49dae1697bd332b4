package dev.tenantproxy.proxy.passthrough;

import io.vertx.core.buffer.Buffer;

/** Minimal HTTP/1.1 chunked-body decoding for the small bodies of refused upgrades. */
final class RawChunks {
  private RawChunks() {}

  /** Whether {@code raw} holds a complete chunked body (up to the last chunk and its CRLF). */
  static boolean complete(Buffer raw) {
    return decodeOrNull(raw) != null;
  }

  /** The decoded body; what is decodable when incomplete. */
  static Buffer decode(Buffer raw) {
    Buffer b = decodeOrNull(raw);
    return b != null ? b : Buffer.buffer();
  }

  private static Buffer decodeOrNull(Buffer raw) {
    Buffer out = Buffer.buffer();
    int i = 0;
    while (true) {
      int eol = find(raw, i);
      if (eol < 0) {
        return null;
      }
      String sizeLine = raw.getString(i, eol, "ISO-8859-1");
      int semi = sizeLine.indexOf(';');
      int size;
      try {
        size = Integer.parseInt((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
      } catch (NumberFormatException e) {
        return null;
      }
      i = eol + 2;
      if (size == 0) {
        return out;
      }
      if (raw.length() < i + size + 2) {
        return null;
      }
      out.appendBuffer(raw.getBuffer(i, i + size));
      i += size + 2;
    }
  }

  private static int find(Buffer b, int from) {
    for (int i = from; i + 1 < b.length(); i++) {
      if (b.getByte(i) == '\r' && b.getByte(i + 1) == '\n') {
        return i;
      }
    }
    return -1;
  }
}
