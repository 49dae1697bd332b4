package dev.tenantproxy.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

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

  /** Connects with {@code user}'s certificate (or none), trusting {@code ca}, ALPN http/1.1. */
  public static RawTls connect(int port, TestPki.Issued ca, TestPki.Issued user, int timeoutMs) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca.cert());
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      if (user != null) {
        keys.setKeyEntry(
            "user", user.key().getPrivate(), new char[0], new Certificate[] {user.cert()});
      }
      kmf.init(keys, new char[0]);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
      SSLParameters p = s.getSSLParameters();
      p.setApplicationProtocols(new String[] {"http/1.1"});
      s.setSSLParameters(p);
      s.setSoTimeout(timeoutMs);
      s.startHandshake();
      return new RawTls(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
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
      }
      return new Resp(status, headers, body.toString(StandardCharsets.UTF_8));
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no response within the read timeout", e);
    } catch (IOException e) {
      return null; // reset
    }
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
