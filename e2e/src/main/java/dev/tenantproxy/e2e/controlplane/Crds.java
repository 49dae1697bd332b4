package dev.tenantproxy.e2e.controlplane;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Waiting for CustomResourceDefinitions the tests create. */
public final class Crds {
  private Crds() {}

  /**
   * Returns once the CRD {@code name} is Established (its API is served). Right after creation the
   * status exists with no conditions yet; that counts as not established, not as a failure.
   */
  public static void awaitEstablished(KubernetesClient client, String name, Duration timeout) {
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(name)
        .waitUntilCondition(Crds::established, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  static boolean established(CustomResourceDefinition crd) {
    if (crd == null || crd.getStatus() == null) {
      return false;
    }
    List<io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionCondition> cs =
        crd.getStatus().getConditions();
    return cs != null
        && cs.stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
