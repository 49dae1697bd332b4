package dev.tenantproxy.proxy.cli;

import dev.tenantproxy.proxy.rbacsync.RbacSyncOptions;
import dev.tenantproxy.proxy.rbacsync.RbacSyncProcess;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tenant-proxy rbac-sync}: keeps one ClusterRole and ClusterRoleBinding per tenant so that
 * owners can get, list and watch their namespaces by name straight at the API server (direct mode).
 */
@Command(
    name = "rbac-sync",
    mixinStandardHelpOptions = true,
    description =
        "Keep per-tenant ClusterRoles/ClusterRoleBindings (get, list, watch on the tenant's"
            + " namespaces by name) in sync with the tenants, for clients that talk straight to the"
            + " API server. Several replicas: one writes (Lease). Every flag also reads"
            + " TENANT_PROXY_<FLAG>.")
public final class RbacSyncCommand implements Callable<Integer> {

  @Option(
      names = "--kubeconfig",
      defaultValue = "${env:TENANT_PROXY_KUBECONFIG}",
      description = "rbac-sync's own credentials; unset = in-cluster ServiceAccount.")
  Path kubeconfig;

  @Option(
      names = "--context",
      defaultValue = "${env:TENANT_PROXY_CONTEXT}",
      description = "kubeconfig context (default: the current context).")
  String context;

  @Mixin RbacSyncFlags flags;

  @Override
  public Integer call() throws Exception {
    RbacSyncOptions options;
    try {
      options = flags.toOptions();
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    RbacSyncProcess process = RbacSyncProcess.start(kubeconfig, context, options);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  process.close();
                  stopped.countDown();
                  // the shutdown's own log lines are still queued for the log writer
                  dev.tenantproxy.proxy.ops.BatchingConsoleAppender.stopLogging();
                },
                "tenant-proxy-rbac-sync-shutdown"));
    stopped.await();
    return 0;
  }
}
