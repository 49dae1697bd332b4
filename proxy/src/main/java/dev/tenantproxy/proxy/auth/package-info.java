/**
 * Authentication and impersonation, with kube-apiserver semantics.
 *
 * <h2>DESIGN: the TokenReview and impersonation caches ({@link
 * dev.tenantproxy.proxy.auth.AsyncTtlCache})</h2>
 *
 * <ul>
 *   <li><b>Key</b>: the SHA-256 of the bearer token (hex), never the token; SubjectAccessReview
 *       answers are keyed by (authenticated caller, review attributes). Tokens are never logged,
 *       never used as metric labels, and {@code toString()} of credentials redacts them.
 *   <li><b>TTL by value</b>: an authenticated identity is kept {@code --token-cache-ttl} (30 s); a
 *       rejected token {@code --token-cache-negative-ttl} (5 s), so a flood of one bad token costs
 *       one TokenReview per negative TTL, not one per request. Failures (API server unreachable,
 *       non-2xx) are not cached: the request gets 503 and the next one asks again.
 *   <li><b>Coalescing</b>: the first lookup inserts an in-flight entry holding the pending future;
 *       concurrent identical lookups (any event loop) join it, so N simultaneous requests with one
 *       new token cause one TokenReview.
 *   <li><b>Bound</b>: an access-ordered map under one lock (critical sections are a few map
 *       operations, never I/O); beyond {@code maxEntries} the least recently used completed entries
 *       are evicted. In-flight entries are never evicted (their waiters share them).
 *   <li><b>Threads</b>: the shared future completes on whichever event loop did the lookup; each
 *       waiter is answered on its own context ({@code runOnContext}), so request state is only
 *       touched from its own event loop.
 *   <li><b>Impersonation</b>: one SubjectAccessReview per requested user / group / uid / extra
 *       value (verb {@code impersonate}), all issued at once ({@code Future.all}); the first
 *       refusal in header order gives the API server's 403 wording. Group/uid/extra without a user
 *       is answered 500 InternalError, as kube-apiserver does.
 * </ul>
 */
package dev.tenantproxy.proxy.auth;
