package dev.tenantproxy.e2e.proxy;

import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.Capsule;
import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Owner;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.util.UUID;

/** A Capsule tenant owned by a fresh certificate user, with one namespace. */
record OwnedTenant(String name, String namespace, KubeUser owner) {

  /** A new tenant {@code <prefix>-<id>} with namespace {@code <prefix>-<id>-dev}. */
  static OwnedTenant create(ControlPlane cp, String prefix) {
    String id = UUID.randomUUID().toString().substring(0, 8);
    String name = prefix + "-" + id;
    KubeUser owner = cp.users().certificate("owner-" + id, Capsule.CAPSULE_USERS_GROUP);
    cp.capsule().createTenant(name, Owner.user(owner.name()));
    cp.capsule().createNamespace(name, name + "-dev");
    return new OwnedTenant(name, name + "-dev", owner);
  }

  /** A pod in the namespace that is never scheduled (the control plane has no kubelet). */
  void createUnscheduledPod(ControlPlane cp, String pod) {
    // (the pod is refused until the controller-manager has created ServiceAccount "default")
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () ->
                cp.adminClient()
                        .pods()
                        .inNamespace(namespace)
                        .resource(
                            new PodBuilder()
                                .withNewMetadata()
                                .withName(pod)
                                .endMetadata()
                                .withNewSpec()
                                .addNewContainer()
                                .withName("c")
                                .withImage("registry.k8s.io/pause:3.9")
                                .endContainer()
                                .endSpec()
                                .build())
                        .create()
                    != null);
  }
}
