package dev.tenantproxy.proxy.serve.kinds;

import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.filters.render.TableColumns;
import dev.tenantproxy.filters.selector.FieldLabels;
import dev.tenantproxy.filters.visibility.ClusterKind;
import dev.tenantproxy.proxy.serve.ServedKind;

/**
 * scheduling.k8s.io/v1 PriorityClasses (cluster-scoped), one {@link ClusterRuleKind}: an owner
 * holding a {@code PriorityClasses} {@code List} grant in a tenant ({@code
 * spec.owners[].proxySettings}) sees the classes that tenant's {@code spec.priorityClasses} allows
 * (a name in {@code allowed}, matched by {@code allowedRegex} or by {@code matchLabels}/{@code
 * matchExpressions}, or the {@code default}); a {@code clusterResources} rule naming
 * priorityclasses with {@code List} also selects them. A caller granted nothing is not served (the
 * API server answers, usually 403).
 *
 * <p>Table columns: the API server's ({@link TableColumns#priorityClasses()}: NAME, VALUE,
 * GLOBAL-DEFAULT, AGE, PREEMPTIONPOLICY). Field selectors: {@code metadata.name}, {@code
 * metadata.namespace} (the API server's default conversion).
 */
public final class PriorityClasses {
  public static final ResourceKind PRIORITY_CLASSES =
      new ResourceKind("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false);

  public static final ServedKind INSTANCE =
      new ClusterRuleKind(
          PRIORITY_CLASSES,
          ClusterKind.PRIORITY_CLASSES,
          FieldLabels.objectMeta(),
          TableColumns.priorityClasses());

  private PriorityClasses() {}
}
