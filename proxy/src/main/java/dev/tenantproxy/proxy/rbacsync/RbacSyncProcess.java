package dev.tenantproxy.proxy.rbacsync;

import dev.tenantproxy.cache.informer.TenancyIndex;
import dev.tenantproxy.cache.informer.TenancyIndexOptions;
import dev.tenantproxy.proxy.upstream.KubeClients;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tenant-proxy rbac-sync} as an object: its own small Vert.x (for fabric8's HTTP client), a
 * fabric8 client on the given credentials, a tenancy index and {@link RbacSync} on it. Used by the
 * {@code rbac-sync} command, {@code serve --rbac-sync} and the end-to-end tests.
 */
public final class RbacSyncProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RbacSyncProcess.class);

  private final Vertx vertx;
  private final KubernetesClient client;
  private final TenancyIndex index;
  private final RbacSync sync;

  private RbacSyncProcess(Vertx vertx, KubernetesClient client, TenancyIndex index, RbacSync sync) {
    this.vertx = vertx;
    this.client = client;
    this.index = index;
    this.sync = sync;
  }

  /**
   * Starts (does not block): the index syncs and the elector runs in the background.
   *
   * @param kubeconfig rbac-sync's own credentials; {@code null} = in-cluster ServiceAccount
   * @param context kubeconfig context, {@code null} = current
   */
  public static RbacSyncProcess start(Path kubeconfig, String context, RbacSyncOptions options) {
    Config kube =
        kubeconfig != null
            ? Config.fromKubeconfig(context, kubeconfig.toFile())
            : Config.autoConfigure(null);
    Vertx vertx = Vertx.vertx();
    KubernetesClient client = KubeClients.create(vertx, kube);
    TenancyIndex index = TenancyIndex.create(client, vertx, TenancyIndexOptions.defaults());
    index
        .start()
        .onSuccess(v -> LOG.info("rbac-sync: tenancy index synced"))
        .onFailure(
            e ->
                LOG.warn(
                    "rbac-sync: tenancy index not synced yet (it keeps retrying): {}",
                    e.toString()));
    RbacSync sync = RbacSync.start(client, index, options);
    return new RbacSyncProcess(vertx, client, index, sync);
  }

  public RbacSync sync() {
    return sync;
  }

  @Override
  public void close() {
    sync.close();
    index.close();
    client.close();
    vertx.close();
  }
}
