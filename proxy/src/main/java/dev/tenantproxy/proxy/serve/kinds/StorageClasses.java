package dev.tenantproxy.proxy.serve.kinds;

import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.filters.render.TableColumns;
import dev.tenantproxy.filters.selector.FieldLabels;
import dev.tenantproxy.filters.visibility.ClusterKind;
import dev.tenantproxy.proxy.serve.ServedKind;

/**
 * storage.k8s.io/v1 StorageClasses (cluster-scoped), one {@link ClusterRuleKind}: an owner holding
 * a {@code StorageClasses} {@code List} grant in a tenant ({@code spec.owners[].proxySettings})
 * sees the classes that tenant's {@code spec.storageClasses} allows (a name in {@code allowed},
 * matched by {@code allowedRegex} or by {@code matchLabels}/{@code matchExpressions}, or the {@code
 * default}); a {@code clusterResources} rule naming storage classes with {@code List} also selects
 * them. A caller granted nothing is not served (the API server answers, usually 403).
 *
 * <p>Table columns: the API server's ({@link TableColumns#storageClasses()}: NAME with {@code
 * (default)}, PROVISIONER, RECLAIMPOLICY, VOLUMEBINDINGMODE, ALLOWVOLUMEEXPANSION, AGE). Field
 * selectors: {@code metadata.name}, {@code metadata.namespace} (the API server's default
 * conversion: no class has a namespace).
 */
public final class StorageClasses {
  public static final ResourceKind STORAGE_CLASSES =
      new ResourceKind("storage.k8s.io", "v1", "StorageClass", "storageclasses", false);

  public static final ServedKind INSTANCE =
      new ClusterRuleKind(
          STORAGE_CLASSES,
          ClusterKind.STORAGE_CLASSES,
          FieldLabels.objectMeta(),
          TableColumns.storageClasses());

  private StorageClasses() {}
}
