package dev.tenantproxy.proxy.explain;

import dev.tenantproxy.cache.informer.InformerHealth;
import dev.tenantproxy.cache.informer.TenancyIndex;
import dev.tenantproxy.cache.informer.TenancyIndexOptions;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.visibility.ClusterKind;
import dev.tenantproxy.filters.visibility.ServedObject;
import dev.tenantproxy.proxy.upstream.KubeClients;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A live cluster seen as the proxy sees it: the tenancy snapshot built exactly as {@code serve}
 * builds it ({@link TenancyIndex} on fabric8 informers, started and synced once), and the objects
 * of each kind, listed with fabric8. Runs on the calling (non-Vert.x) thread; {@link #close()}
 * stops everything it started.
 */
public final class LiveCluster implements AutoCloseable {
  private final Vertx vertx;
  private final KubernetesClient client;
  private final TenancyIndex index;

  private LiveCluster(Vertx vertx, KubernetesClient client, TenancyIndex index) {
    this.vertx = vertx;
    this.client = client;
    this.index = index;
  }

  /**
   * Connects with {@code kubeconfig} (its {@code context}, else the current one; {@code null}:
   * in-cluster) and waits up to {@code timeout} for the tenancy index to sync.
   */
  public static LiveCluster connect(Path kubeconfig, String context, Duration timeout)
      throws InterruptedException, TimeoutException, ExecutionException {
    Config config =
        kubeconfig != null
            ? Config.fromKubeconfig(context, kubeconfig.toAbsolutePath().toFile())
            : Config.autoConfigure(context);
    Vertx vertx = Vertx.vertx();
    KubernetesClient client = KubeClients.create(vertx, config);
    TenancyIndex index =
        TenancyIndex.create(client, vertx, TenancyIndexOptions.defaults().withSyncTimeout(timeout));
    LiveCluster cluster = new LiveCluster(vertx, client, index);
    try {
      index
          .start()
          .toCompletionStage()
          .toCompletableFuture()
          .get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      cluster.awaitOptionalInformers(System.nanoTime() + timeout.toNanos());
    } catch (InterruptedException | TimeoutException | ExecutionException | RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /**
   * {@code start()} waits for the required informers only; an explanation also needs the optional
   * ones (ProxySetting, GlobalProxySettings): wait until each is synced or failing (e.g. its CRD is
   * not installed), and say on stderr which rules are missing when one is neither by the deadline.
   */
  private void awaitOptionalInformers(long deadlineNanos) throws InterruptedException {
    while (true) {
      List<InformerHealth> pending =
          index.health().stream().filter(h -> !h.synced() && h.lastError() == null).toList();
      if (pending.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadlineNanos) {
        for (InformerHealth h : pending) {
          System.err.println(
              "warning: "
                  + h.kind()
                  + " not synced in time: its rules are missing from this answer");
        }
        return;
      }
      Thread.sleep(50); // a command-line thread polling the index's health; no event for it
    }
  }

  /** The synced snapshot. */
  public TenancySnapshot snapshot() {
    return index.snapshot();
  }

  /** Every object of {@code kind} (name and labels), or why it cannot be listed. */
  public Explainer.KindObjects list(ExplainKind kind) {
    try {
      List<ServedObject> out = new ArrayList<>();
      for (GenericKubernetesResource r :
          client.genericKubernetesResources(context(kind)).list().getItems()) {
        out.add(ServedObject.of(r.getMetadata().getName(), r.getMetadata().getLabels()));
      }
      return new Explainer.KindObjects(kind, out, null);
    } catch (KubernetesClientException e) {
      return new Explainer.KindObjects(
          kind,
          List.of(),
          e.getCode() == 404
              ? "the API server does not serve " + kind.apiVersion() + " " + kind.displayName()
              : "HTTP " + e.getCode() + ": " + e.getStatus().getMessage());
    }
  }

  /** The object {@code name} of {@code kind}, or {@code null} when it does not exist. */
  public ServedObject get(ExplainKind kind, String name) {
    GenericKubernetesResource r =
        client.genericKubernetesResources(context(kind)).withName(name).get();
    return r == null
        ? null
        : ServedObject.of(r.getMetadata().getName(), r.getMetadata().getLabels());
  }

  /**
   * A cluster-scoped kind of the API server found by discovery ({@code widgets.example.com}, {@code
   * example.com}'s preferred version), or {@code null} when it does not serve it.
   */
  public ExplainKind discover(ClusterKind kind) {
    try {
      String groupVersion;
      if (kind.group().isEmpty()) {
        groupVersion = "v1";
      } else {
        APIGroup group = client.getApiGroup(kind.group());
        if (group == null || group.getPreferredVersion() == null) {
          return null;
        }
        groupVersion = group.getPreferredVersion().getGroupVersion();
      }
      APIResourceList resources = client.getApiResources(groupVersion);
      if (resources == null) {
        return null;
      }
      for (APIResource r : resources.getResources()) {
        if (r.getName().equals(kind.resource()) && !Boolean.TRUE.equals(r.getNamespaced())) {
          List<String> aliases = new ArrayList<>();
          aliases.add(r.getName());
          if (r.getSingularName() != null && !r.getSingularName().isEmpty()) {
            aliases.add(r.getSingularName());
          }
          if (r.getShortNames() != null) {
            aliases.addAll(r.getShortNames());
          }
          String version = groupVersion.substring(groupVersion.indexOf('/') + 1);
          return new ExplainKind(kind, version, r.getKind(), aliases);
        }
      }
      return null;
    } catch (KubernetesClientException e) {
      return null;
    }
  }

  private static ResourceDefinitionContext context(ExplainKind kind) {
    return new ResourceDefinitionContext.Builder()
        .withGroup(kind.kind().group())
        .withVersion(kind.version())
        .withKind(kind.kindName())
        .withPlural(kind.kind().resource())
        .withNamespaced(false)
        .build();
  }

  @Override
  public void close() {
    index.close();
    client.close();
    vertx.close();
  }
}
