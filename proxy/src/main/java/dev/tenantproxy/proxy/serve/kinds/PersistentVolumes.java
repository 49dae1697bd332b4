package dev.tenantproxy.proxy.serve.kinds;

import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.filters.render.TableColumns;
import dev.tenantproxy.filters.selector.FieldLabels;
import dev.tenantproxy.filters.visibility.ClusterKind;
import dev.tenantproxy.proxy.serve.ServedKind;

/**
 * Core v1 PersistentVolumes (cluster-scoped), one {@link ClusterRuleKind}: an owner holding a
 * {@code PersistentVolumes} {@code List} grant in a tenant ({@code spec.owners[].proxySettings})
 * sees the volumes labelled {@code capsule.clastix.io/tenant=<that tenant>}; a {@code
 * clusterResources} rule naming persistent volumes with {@code List} also selects them. A caller
 * granted nothing is not served (the API server answers, usually 403).
 *
 * <p>Table columns: the API server's ({@link TableColumns#persistentVolumes()}: NAME, CAPACITY,
 * ACCESS MODES, RECLAIM POLICY, STATUS, CLAIM, STORAGECLASS, VOLUMEATTRIBUTESCLASS, REASON, AGE,
 * and VOLUMEMODE for {@code -o wide}). Field selectors: {@code metadata.name}, {@code
 * metadata.namespace} (the API server's default conversion for persistent volumes).
 */
public final class PersistentVolumes {
  public static final ResourceKind PERSISTENT_VOLUMES =
      new ResourceKind("", "v1", "PersistentVolume", "persistentvolumes", false);

  public static final ServedKind INSTANCE =
      new ClusterRuleKind(
          PERSISTENT_VOLUMES,
          ClusterKind.PERSISTENT_VOLUMES,
          FieldLabels.objectMeta(),
          TableColumns.persistentVolumes());

  private PersistentVolumes() {}
}
