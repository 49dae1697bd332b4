package dev.tenantproxy.proxy.upstream;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * The API server's answer to an upgrade request sent on a raw connection: the parsed head, the
 * (paused) socket, and the bytes that already followed the head.
 */
public record UpgradeResponse(
    int status, String reason, MultiMap headers, NetSocket socket, Buffer leftover) {}
