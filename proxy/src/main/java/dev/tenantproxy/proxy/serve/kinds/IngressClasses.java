package dev.tenantproxy.proxy.serve.kinds;

import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.filters.render.TableColumns;
import dev.tenantproxy.filters.selector.FieldLabels;
import dev.tenantproxy.filters.visibility.ClusterKind;
import dev.tenantproxy.proxy.serve.ServedKind;

/**
 * networking.k8s.io/v1 IngressClasses (cluster-scoped), one {@link ClusterRuleKind}: an owner
 * holding a {@code IngressClasses} {@code List} grant in a tenant ({@code
 * spec.owners[].proxySettings}) sees the classes that tenant's {@code
 * spec.ingressOptions.allowedClasses} allows (a name in {@code allowed}, matched by {@code
 * allowedRegex} or by {@code matchLabels}/{@code matchExpressions}, or the {@code default}); a
 * {@code clusterResources} rule naming ingressclasses with {@code List} also selects them. A caller
 * granted nothing is not served (the API server answers, usually 403).
 *
 * <p>Table columns: the API server's ({@link TableColumns#ingressClasses()}: NAME, CONTROLLER,
 * PARAMETERS, AGE). Field selectors: {@code metadata.name}, {@code metadata.namespace} (the API
 * server's default conversion).
 */
public final class IngressClasses {
  public static final ResourceKind INGRESS_CLASSES =
      new ResourceKind("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false);

  public static final ServedKind INSTANCE =
      new ClusterRuleKind(
          INGRESS_CLASSES,
          ClusterKind.INGRESS_CLASSES,
          FieldLabels.objectMeta(),
          TableColumns.ingressClasses());

  private IngressClasses() {}
}
