/**
 * The HTTPS server and the filter onion.
 *
 * <p>Plug-in point for serving filters: implement {@link dev.tenantproxy.proxy.server.ProxyFilter}
 * and register it with {@link dev.tenantproxy.proxy.server.ProxyServer.Builder#addServingFilter}
 * (the order is fixed in {@link dev.tenantproxy.proxy.server.FilterRegistry}). A serving filter
 * sees an authenticated exchange whose {@code caller()} is the effective identity; it answers what
 * it serves (setting {@link dev.tenantproxy.proxy.server.Decision#SERVED}, or failing with a {@code
 * KubeStatusException}) and calls {@code chain.next(exchange)} for everything else.
 *
 * <p>Listeners: one verticle per event loop on one shared port; TLS requests (does not require)
 * client certificates, which the authenticators verify; ALPN offers h2 and http/1.1; the serving
 * certificate is reloaded when its files change.
 *
 * <p>DESIGN (hostile input): what cannot be framed never reaches a filter. Netty's decoder refuses
 * unparseable HTTP/1.x (every such refusal is a 400 Status, 414 / 431 for what is too long); {@code
 * RequestFraming} then refuses what Netty accepts but Go's net/http (the API server) refuses (a bad
 * request target, a missing or repeated Host, an unknown transfer coding). A refused HTTP/1.x
 * request closes its connection after a linger, and nothing pipelined behind it is served: its
 * bytes can no longer be trusted to be framed as the client meant. HTTP/2 framing errors are
 * Netty's (RST_STREAM PROTOCOL_ERROR) and leave the connection's other streams alone. A connection
 * gets 32 s (kube-apiserver's ReadHeaderTimeout) to deliver its first request head.
 *
 * <p>DESIGN (closing): every accepted connection closes lingering ({@code LingeringClose}, at the
 * head of its pipeline): the last bytes reach the kernel, the write side is half-closed, and what
 * the client still sends is read and dropped until it closes or 2 s pass. A plain close loses the
 * end of the responses whenever the client is still sending (HTTP/2 WINDOW_UPDATEs as it consumes
 * DATA, acks, its GOAWAY): Linux answers a segment arriving at a closed socket (or finds unread
 * data at close) with RST and discards the socket's send queue, so the final DATA / END_STREAM
 * frames not yet delivered are lost and the client sees "Connection reset" (1,000 watches ended by
 * a shutdown on a busy machine: a few dozen reset).
 *
 * <p>DESIGN (flushing): caller connections and the pass-through's pooled upstream connections batch
 * their flushes ({@code FlushBatching}, between TLS and HTTP/2): a flush only marks the connection
 * and submits one task to its own event loop, which does the real flush when the loop has finished
 * its current work, so the frames of one turn leave as one TLS write. The task is queued by the
 * flush itself and never depends on a read, a handshake or any later event (Netty's {@code
 * FlushConsolidationHandler} does, and stalled connections whose TLS handshake ended with data: see
 * the class). A flush goes out at once when the channel is not writable or 16 KiB were written
 * since the last one, and if the handlers after it were not yet told, it tells them first: HTTP/2
 * wakes a stream only on a writability change it is told of, and a burst piling up behind a held
 * flush turned the channel unwritable and writable again without telling it, leaving streams asleep
 * for ever (ShutdownIT; see the class).
 */
package dev.tenantproxy.proxy.server;
