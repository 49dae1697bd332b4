package dev.tenantproxy.proxy.serve.kinds;

import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.filters.render.TableColumns;
import dev.tenantproxy.filters.selector.FieldLabels;
import dev.tenantproxy.filters.visibility.ClusterKind;
import dev.tenantproxy.proxy.serve.ServedKind;

/**
 * node.k8s.io/v1 RuntimeClasses (cluster-scoped), one {@link ClusterRuleKind}: an owner holding a
 * {@code RuntimeClasses} {@code List} grant in a tenant ({@code spec.owners[].proxySettings}) sees
 * the classes that tenant's {@code spec.runtimeClasses} allows (a name in {@code allowed}, matched
 * by {@code allowedRegex} or by {@code matchLabels}/{@code matchExpressions}, or the {@code
 * default}); a {@code clusterResources} rule naming runtimeclasses with {@code List} also selects
 * them. A caller granted nothing is not served (the API server answers, usually 403).
 *
 * <p>Table columns: the API server's ({@link TableColumns#runtimeClasses()}: NAME, HANDLER, AGE).
 * Field selectors: {@code metadata.name}, {@code metadata.namespace} (the API server's default
 * conversion).
 */
public final class RuntimeClasses {
  public static final ResourceKind RUNTIME_CLASSES =
      new ResourceKind("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false);

  public static final ServedKind INSTANCE =
      new ClusterRuleKind(
          RUNTIME_CLASSES,
          ClusterKind.RUNTIME_CLASSES,
          FieldLabels.objectMeta(),
          TableColumns.runtimeClasses());

  private RuntimeClasses() {}
}
