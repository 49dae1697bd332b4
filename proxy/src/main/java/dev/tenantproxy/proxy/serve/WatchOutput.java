package dev.tenantproxy.proxy.serve;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;

/**
 * Where a served watch writes its events: a chunked HTTP response (one JSON line per event, each
 * flushed as a chunk) or a WebSocket (one text message per event, as fabric8 and client-go's
 * WebSocket watches expect). Both are write streams with back-pressure. Served watches and merged
 * all-namespaces watches ({@code serve/allnamespaces}) write through it.
 */
public interface WatchOutput {
  /** Writes one event line (ending with a newline). */
  void write(Buffer line);

  boolean writeQueueFull();

  void drainHandler(Handler<Void> handler);

  /** Writes what is left (may be null) and ends the stream. */
  void end(Buffer rest);

  /** Ends the stream. */
  default void end() {
    end(null);
  }

  /**
   * An output bound later (a WebSocket exists only after the upgrade, which waits for the watch's
   * first answers): writing before {@link #bind} is a bug; ending before it does nothing.
   */
  final class Deferred implements WatchOutput {
    private WatchOutput target;
    private Handler<Void> drain;

    /** Binds the real output; from now on everything goes to it. */
    public void bind(WatchOutput output) {
      target = output;
      if (drain != null) {
        output.drainHandler(drain);
      }
    }

    private WatchOutput target() {
      if (target == null) {
        throw new IllegalStateException("the watch wrote before its output was bound");
      }
      return target;
    }

    @Override
    public void write(Buffer line) {
      target().write(line);
    }

    @Override
    public boolean writeQueueFull() {
      return target != null && target.writeQueueFull();
    }

    @Override
    public void drainHandler(Handler<Void> handler) {
      drain = handler;
      if (target != null) {
        target.drainHandler(handler);
      }
    }

    @Override
    public void end(Buffer rest) {
      if (target != null) {
        target.end(rest);
      }
    }
  }

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
      public void end(Buffer rest) {
        if (response.ended() || response.closed()) {
          return;
        }
        if (rest == null || rest.length() == 0) {
          response.end();
        } else {
          response.end(rest);
        }
      }
    };
  }

  static WatchOutput of(ServerWebSocket ws) {
    return new WatchOutput() {
      @Override
      public void write(Buffer lines) {
        // one message per event; a buffer may hold several lines (the rest at the end)
        String text = lines.toString();
        int start = 0;
        int nl;
        while ((nl = text.indexOf('\n', start)) >= 0) {
          if (nl > start) {
            ws.writeTextMessage(text.substring(start, nl));
          }
          start = nl + 1;
        }
        if (start < text.length()) {
          ws.writeTextMessage(text.substring(start));
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
      public void end(Buffer rest) {
        if (rest != null && rest.length() > 0) {
          write(rest);
        }
        if (!ws.isClosed()) {
          ws.close();
        }
      }
    };
  }
}
