package dev.tenantproxy.proxy.server;

import java.util.ArrayList;
import java.util.List;

/**
 * The one place that orders the onion (outermost first). The operations endpoints are not a filter:
 * they listen on their own port ({@code OpsServer}), so {@code /healthz}, {@code /readyz}, {@code
 * /livez} and {@code /metrics} on the serving port pass through to the API server.
 *
 * <ol>
 *   <li>observing (Status mapping, metrics, audit line)
 *   <li>authentication (401 when nobody)
 *   <li>impersonation (SubjectAccessReviews; 403)
 *   <li>per-caller limits (open watches, requests in flight; 429), the first serving filter
 *   <li>the serving filters, in registration order (namespaces, cluster-scoped kinds, access
 *       reviews, ...): each answers what it serves ({@link Decision#SERVED}) and passes the rest
 *   <li>pass-through to the API server as the effective caller
 * </ol>
 */
public final class FilterRegistry {
  private final ProxyFilter observing;
  private final ProxyFilter authentication;
  private final ProxyFilter impersonation;
  private final List<ProxyFilter> serving = new ArrayList<>();
  private final ProxyFilter passThrough;

  public FilterRegistry(
      ProxyFilter observing,
      ProxyFilter authentication,
      ProxyFilter impersonation,
      ProxyFilter passThrough) {
    this.observing = observing;
    this.authentication = authentication;
    this.impersonation = impersonation;
    this.passThrough = passThrough;
  }

  /** Adds a serving filter after authentication and impersonation, before the pass-through. */
  public FilterRegistry addServing(ProxyFilter filter) {
    serving.add(filter);
    return this;
  }

  public List<ProxyFilter> ordered() {
    List<ProxyFilter> all = new ArrayList<>();
    all.add(observing);
    all.add(authentication);
    all.add(impersonation);
    all.addAll(serving);
    all.add(passThrough);
    return List.copyOf(all);
  }
}
