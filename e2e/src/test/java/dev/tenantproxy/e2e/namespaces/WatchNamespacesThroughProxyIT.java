package dev.tenantproxy.e2e.namespaces;

import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.capsuleUser;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.tenant;
import static dev.tenantproxy.e2e.namespaces.ServedNamespaces.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tenantproxy.e2e.controlplane.ControlPlane;
import dev.tenantproxy.e2e.controlplane.ControlPlaneExtension;
import dev.tenantproxy.e2e.controlplane.KubeUser;
import dev.tenantproxy.e2e.controlplane.Kubectl;
import dev.tenantproxy.e2e.controlplane.Owner;
import dev.tenantproxy.e2e.sandbox.ProxyInFront;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Live visibility: open watches through the proxy follow namespaces joining and leaving. */
@ExtendWith(ControlPlaneExtension.class)
class WatchNamespacesThroughProxyIT {

  /** Bound on each wait (a hang guard on a busy machine, not a latency goal: see L4). */
  private static final Duration BOUND = ServedNamespaces.BOUND;

  /** The lines of {@code kubectl get namespaces -w --output-watch-events} as {@code EVENT NAME}. */
  private static List<String> events(Kubectl.Running watch) {
    List<String> events = new ArrayList<>();
    for (String l : watch.stdout().lines().toList()) {
      String[] cols = l.trim().split("\\s+");
      if (cols.length >= 2 && !cols[0].equals("EVENT")) {
        events.add(cols[0] + " " + cols[1]);
      }
    }
    return events;
  }

  private static double servedWatches(ProxyInFront proxy) {
    Matcher m =
        Pattern.compile("(?m)^tenant_proxy_open_watches\\{decision=\"served\"\\} ([0-9.E]+)")
            .matcher(proxy.metrics().scrape());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void ownerSeesNamespaceAddedToHerTenantAndGoneWhenMovedAwayWhileWatching(
      String version, ControlPlane cp) throws Exception {
    // given alice watching, and a namespace outside her tenant
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    String user = unique("alice");
    KubeUser alice = capsuleUser(cp, user);
    String solar = unique("solar");
    String wind = unique("wind");
    tenant(cp, solar, Owner.user(user), solar + "-dev");
    tenant(cp, wind, Owner.user(unique("bob")), wind + "-dev");
    String moving = unique("moving");
    cp.adminClient()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(moving).endMetadata().build())
        .create();
    try (Kubectl.Running w =
        Kubectl.version(version, proxy.kubeconfig(alice))
            .start("get", "namespaces", "-w", "--output-watch-events")) {
      // kubectl lists (printing her namespace as ADDED), then watches from the list's
      // resourceVersion: whatever changes after the list reaches it through the watch
      await().atMost(BOUND).until(() -> events(w).contains("ADDED " + solar + "-dev"));
      assertThat(events(w)).containsExactly("ADDED " + solar + "-dev");
      // and the proxy counts her watch among the watches it serves itself (once kubectl, having
      // printed the list, has opened it)
      await().atMost(BOUND).until(() -> servedWatches(proxy) >= 1);

      // when the admin adds it to her tenant
      long added = System.nanoTime();
      cp.capsule().addNamespace(solar, moving);
      // then it appears
      await().atMost(BOUND).until(() -> events(w).contains("ADDED " + moving));
      System.out.printf(
          "L4 join (kubectl %s): %d ms from the admin's call to ADDED at kubectl%n",
          version, (System.nanoTime() - added) / 1_000_000);

      // when the admin moves it to another tenant
      long moved = System.nanoTime();
      cp.capsule().moveNamespace(moving, wind);
      // then it disappears, without alice re-listing (the same kubectl process, no error)
      await().atMost(BOUND).until(() -> events(w).contains("DELETED " + moving));
      System.out.printf(
          "L4 leave (kubectl %s): %d ms from the admin's call to DELETED at kubectl%n",
          version, (System.nanoTime() - moved) / 1_000_000);
      assertThat(w.isAlive()).isTrue();
      assertThat(events(w)).doesNotContain("ADDED " + wind + "-dev");
      assertThat(w.stderr()).isEmpty();
    }
  }

  @Test
  void fabric8InformerAsOwnerHoldsExactlyHerNamespacesAndFollowsChanges(ControlPlane cp)
      throws Exception {
    // given
    ProxyInFront proxy = ServedNamespaces.proxy(cp);
    String user = unique("alice");
    KubeUser alice = capsuleUser(cp, user);
    String solar = unique("solar");
    String wind = unique("wind");
    tenant(cp, solar, Owner.user(user), solar + "-dev", solar + "-prod");
    tenant(cp, wind, Owner.user(unique("bob")), wind + "-dev");
    List<String> deleted = new CopyOnWriteArrayList<>();

    try (KubernetesClient client = cp.newClient(proxy.kubeconfig(alice));
        SharedIndexInformer<Namespace> informer =
            client
                .namespaces()
                .inform(
                    new ResourceEventHandler<>() {
                      @Override
                      public void onAdd(Namespace ns) {}

                      @Override
                      public void onUpdate(Namespace oldNs, Namespace newNs) {}

                      @Override
                      public void onDelete(Namespace ns, boolean unknown) {
                        deleted.add(ns.getMetadata().getName());
                      }
                    })) {
      // then it holds exactly her namespaces (once the proxy's index has them: the informer's
      // first list may come before, and the watch that follows it brings them)
      informer.start().toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
      await()
          .atMost(BOUND)
          .until(
              () ->
                  informer
                      .getStore()
                      .listKeys()
                      .containsAll(List.of(solar + "-dev", solar + "-prod")));
      assertThat(informer.getStore().listKeys())
          .containsExactlyInAnyOrder(solar + "-dev", solar + "-prod");

      // when a namespace joins her tenant, one is relabelled, one moves away
      cp.capsule().createNamespace(solar, solar + "-qa");
      await().atMost(BOUND).until(() -> informer.getStore().getByKey(solar + "-qa") != null);
      cp.adminClient()
          .namespaces()
          .withName(solar + "-dev")
          .edit(
              n ->
                  new NamespaceBuilder(n)
                      .editMetadata()
                      .addToLabels("touched", "yes")
                      .endMetadata()
                      .build());
      await()
          .atMost(BOUND)
          .until(
              () -> {
                Namespace n = informer.getStore().getByKey(solar + "-dev");
                Map<String, String> labels = n.getMetadata().getLabels();
                return "yes".equals(labels.get("touched"));
              });
      cp.capsule().moveNamespace(solar + "-prod", wind);
      await().atMost(BOUND).until(() -> deleted.contains(solar + "-prod"));

      // then it still holds exactly her namespaces
      assertThat(informer.getStore().listKeys())
          .containsExactlyInAnyOrder(solar + "-dev", solar + "-qa");
    }
  }
}
