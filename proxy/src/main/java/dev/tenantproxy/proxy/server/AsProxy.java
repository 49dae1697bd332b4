package dev.tenantproxy.proxy.server;

import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.Objects;

/**
 * An exchange attachment ({@link ProxyExchange#put}): the pass-through executes this request with
 * the proxy's own identity (no {@code Impersonate-*}; the client's {@code Authorization} and
 * impersonation headers are removed as always) because an owner grant allows it. Set only by the
 * filter that decided the grant ({@code serve/kinds/ClusterWritesFilter}).
 *
 * @param grant where the grant is written (for the audit line), e.g. {@code Tenant solar
 *     spec.owners User:alice: StorageClasses [List, Update]}
 * @param refused what the caller gets when the API server refuses the proxy itself (401/403: its
 *     own RBAC lacks the verb): a Status in the caller's name that never names the proxy's account
 */
public record AsProxy(String grant, KubeStatusException refused) {
  public AsProxy {
    Objects.requireNonNull(grant, "grant");
    Objects.requireNonNull(refused, "refused");
  }
}
