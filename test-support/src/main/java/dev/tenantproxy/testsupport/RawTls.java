package dev.tenantproxy.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A raw HTTP/1.1 connection over TLS (the JDK's SSLSocket, blocking, on the test thread, with a
 * read timeout): exact bytes out, responses parsed one by one, end of stream seen.
 */
public final class RawTls implements AutoCloseable {
  /** One parsed response; {@code headers} keys are lower case. */
  public record Resp(int status, Map<String, String> headers, String body) {}

  private final SSLSocket socket;
  private final InputStream in;

  private RawTls(SSLSocket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
  }

  /** Connects to 127.0.0.1:{@code port} with {@code tls}, ALPN http/1.1 only. */
  public static RawTls connect(SSLContext tls, int port, int timeoutMs) {
    return connect(tls, "127.0.0.1", port, timeoutMs);
  }

  /** Connects to {@code host}:{@code port} with {@code tls}, ALPN http/1.1 only. */
  public static RawTls connect(SSLContext tls, String host, int port, int timeoutMs) {
    try {
      SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(host, port);
      SSLParameters p = s.getSSLParameters();
      p.setApplicationProtocols(new String[] {"http/1.1"});
      s.setSSLParameters(p);
      s.setSoTimeout(timeoutMs);
      s.startHandshake();
      return new RawTls(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public RawTls write(String ascii) {
    return write(ascii.getBytes(StandardCharsets.ISO_8859_1));
  }

  public RawTls write(byte[] bytes) {
    try {
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next response, or null if the connection ended (closed or reset) before one began. */
  public Resp read() {
    try {
      String statusLine = line();
      if (statusLine == null) {
        return null;
      }
      String[] parts = statusLine.split(" ", 3);
      int status = Integer.parseInt(parts[1]);
      Map<String, String> headers = new LinkedHashMap<>();
      for (String l = line(); l != null && !l.isEmpty(); l = line()) {
        int colon = l.indexOf(':');
        headers.merge(
            l.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            l.substring(colon + 1).trim(),
            (a, b) -> a + "," + b);
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        for (int size = Integer.parseInt(line().trim(), 16); size > 0; ) {
          body.write(in.readNBytes(size));
          line();
          size = Integer.parseInt(line().trim(), 16);
        }
        line();
      } else if (headers.containsKey("content-length")) {
        body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
      } else if (status >= 200 && status != 204 && status != 304) {
        body.write(untilEnd()); // no framing: the body ends with the connection (Go's 400s)
      }
      return new Resp(status, headers, body.toString(StandardCharsets.UTF_8));
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no response within the read timeout", e);
    } catch (IOException e) {
      return null; // reset
    }
  }

  private byte[] untilEnd() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      for (int n = in.read(buf); n != -1; n = in.read(buf)) {
        b.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      // reset after the body
    }
    return b.toByteArray();
  }

  /** All responses until the connection ends. */
  public List<Resp> readUntilClosed() {
    List<Resp> all = new ArrayList<>();
    for (Resp r = read(); r != null; r = read()) {
      all.add(r);
    }
    return all;
  }

  /** True once the peer has ended the connection (waits up to the read timeout). */
  public boolean closedByPeer() {
    try {
      return in.read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        byte[] bytes = b.toByteArray();
        int n =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  public SSLSocket socket() {
    return socket;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing
    }
  }
}
