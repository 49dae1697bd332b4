/**
 * Pass-through: every request no serving filter answers goes to the API server as the effective
 * caller.
 *
 * <h2>DESIGN</h2>
 *
 * <ul>
 *   <li><b>Identity</b>: {@link dev.tenantproxy.proxy.passthrough.ForwardHeaders} removes every
 *       client {@code Authorization}, {@code Impersonate-*}, identity ({@code X-Remote-*} always
 *       and the configured names, {@code X-Forwarded-Client-Cert}) and hop-by-hop header; the
 *       upstream then asserts the effective caller ({@code Upstream.send(method, uri, caller,
 *       ...)}): {@code Impersonate-*} with the proxy's own credentials, or {@code X-Remote-*} on a
 *       front-proxy connection ({@code upstream/CallerAssertion} has the why). An owner-granted
 *       write goes with the proxy's own identity and nothing else.
 *   <li><b>Streaming</b>: the server request is paused on arrival; its body is forwarded upstream
 *       with back-pressure ({@code upstream/RequestBody.streamed}); the response is piped back with
 *       {@code Pipe} (each upstream buffer is written, and so flushed, as it arrives: watch events
 *       and log lines are never held back). The write queue of every response is bounded by {@code
 *       --max-stream-buffer-bytes}: a slow client pauses the upstream read, memory stays bounded.
 *       Bodies are bytes: no decompression, no re-encoding; Content-Type, ETag, Content-Encoding
 *       and Warning pass as they are. A failed stream resets the client stream (never a clean end
 *       that would look complete); a client that goes away resets the upstream request.
 *   <li><b>Requests the API server did not process</b> (above the last stream of a GOAWAY, or
 *       refused: {@code --goaway-chance}, a refused front-proxy certificate, a shutdown) are sent
 *       again on another connection ({@code upstream/Unprocessed}); a body of at most 64 KiB with a
 *       {@code Content-Length} is copied as it streams so that it can be ({@code
 *       upstream/RequestBody}), a larger one is only streamed and such a request fails with 503.
 *   <li><b>Upgrades</b> ({@link dev.tenantproxy.proxy.passthrough.UpgradeRelay}): Vert.x 5.0 only
 *       switches HTTP/1.1 connections to raw sockets for GET upgrades, on the server and on the
 *       client, while SPDY/3.1 exec/attach/port-forward (kubectl before 1.30/1.31) are POST
 *       upgrades. So the upstream side writes the request head on its own TLS connection ({@code
 *       RawUpgrades}) and parses the response head; the client side uses {@code toNetSocket()} for
 *       GET and, for other methods, the same internal step invoked reflectively ({@link
 *       dev.tenantproxy.proxy.passthrough.ServerSockets}). After 101 both sockets are piped into
 *       each other with bounded write queues; either side closing closes both. A non-101 answer is
 *       relayed as an ordinary (small, bounded) response so clients can fall back.
 *   <li><b>Shutdown</b>: open streams register in {@link
 *       dev.tenantproxy.proxy.passthrough.OpenStreams}; a graceful shutdown ends them cleanly (the
 *       terminating chunk is written, the client re-lists/re-watches elsewhere) before listeners
 *       stop.
 * </ul>
 */
package dev.tenantproxy.proxy.passthrough;
