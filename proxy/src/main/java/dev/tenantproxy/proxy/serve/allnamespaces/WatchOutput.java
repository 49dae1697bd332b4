package dev.tenantproxy.proxy.serve.allnamespaces;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;

/**
 * Where a merged watch writes: a chunked HTTP response (one JSON line per event) or a WebSocket
 * (one text message per event). The same shape as {@code serve/namespaces}' output; it moves into
 * the serving core with it.
 */
interface WatchOutput {
  void write(Buffer line);

  boolean writeQueueFull();

  void drainHandler(Handler<Void> handler);

  void end();

  static WatchOutput of(HttpServerResponse response) {
    return new WatchOutput() {
      @Override
      public void write(Buffer line) {
        response.write(line);
      }

      @Override
      public boolean writeQueueFull() {
        return response.writeQueueFull();
      }

      @Override
      public void drainHandler(Handler<Void> handler) {
        response.drainHandler(handler);
      }

      @Override
      public void end() {
        if (!response.ended() && !response.closed()) {
          response.end();
        }
      }
    };
  }

  static WatchOutput of(ServerWebSocket ws) {
    return new WatchOutput() {
      @Override
      public void write(Buffer line) {
        String text = line.toString().strip();
        if (!text.isEmpty()) {
          ws.writeTextMessage(text);
        }
      }

      @Override
      public boolean writeQueueFull() {
        return ws.writeQueueFull();
      }

      @Override
      public void drainHandler(Handler<Void> handler) {
        ws.drainHandler(handler);
      }

      @Override
      public void end() {
        if (!ws.isClosed()) {
          ws.close();
        }
      }
    };
  }
}
