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
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Live visibility: open watches through the proxy follow namespaces joining and leaving. */
@ExtendWith(ControlPlaneExtension.class)
class WatchNamespacesThroughProxyIT {

  /** {@code kubectl get namespaces -w --output-watch-events} running in the background. */
  private static final class KubectlWatch implements AutoCloseable {
    final Process process;
    final Path out;
    final Path home;

    KubectlWatch(Kubectl kubectl, Path kubeconfig) throws IOException {
      home = Files.createTempDirectory("kubectl-watch-");
      out = home.resolve("stdout");
      List<String> cmd =
          List.of(
              kubectl.binaryPath().toString(),
              "--kubeconfig=" + kubeconfig,
              "--cache-dir=" + home.resolve("cache"),
              "get",
              "namespaces",
              "-w",
              "--output-watch-events");
      ProcessBuilder b =
          new ProcessBuilder(cmd)
              .redirectOutput(out.toFile())
              .redirectError(home.resolve("stderr").toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      b.environment().keySet().removeIf(k -> k.startsWith("KUBE"));
      b.environment().put("HOME", home.toString());
      process = b.start();
    }

    /** Lines as {@code EVENT NAME}. */
    List<String> events() throws IOException {
      List<String> out2 = new ArrayList<>();
      for (String l : Files.readAllLines(out, StandardCharsets.UTF_8)) {
        String[] cols = l.trim().split("\\s+");
        if (cols.length >= 2 && !cols[0].equals("EVENT")) {
          out2.add(cols[0] + " " + cols[1]);
        }
      }
      return out2;
    }

    String stderr() throws IOException {
      return Files.readString(home.resolve("stderr"));
    }

    @Override
    public void close() {
      process.destroy();
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
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
    try (KubectlWatch w =
        new KubectlWatch(
            Kubectl.version(version, proxy.kubeconfig(alice)), proxy.kubeconfig(alice))) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> w.events().contains("ADDED " + solar + "-dev"));
      assertThat(w.events()).containsExactly("ADDED " + solar + "-dev");
      // and the proxy counts her watch among the watches it serves itself
      assertThat(proxy.metrics().scrape())
          .containsPattern("(?m)^tenant_proxy_open_watches\\{decision=\"served\"\\} [1-9]");

      // when the admin adds it to her tenant
      long added = System.nanoTime();
      cp.capsule().addNamespace(solar, moving);
      // then it appears
      await().atMost(Duration.ofSeconds(10)).until(() -> w.events().contains("ADDED " + moving));
      System.out.printf(
          "L4 join (kubectl %s): %d ms from the admin's call to ADDED at kubectl%n",
          version, (System.nanoTime() - added) / 1_000_000);

      // when the admin moves it to another tenant
      long moved = System.nanoTime();
      cp.capsule().moveNamespace(moving, wind);
      // then it disappears, without alice re-listing (the same kubectl process, no error)
      await().atMost(Duration.ofSeconds(10)).until(() -> w.events().contains("DELETED " + moving));
      System.out.printf(
          "L4 leave (kubectl %s): %d ms from the admin's call to DELETED at kubectl%n",
          version, (System.nanoTime() - moved) / 1_000_000);
      assertThat(w.process.isAlive()).isTrue();
      assertThat(w.events()).doesNotContain("ADDED " + wind + "-dev");
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
      // then it holds exactly her namespaces
      informer.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(informer.getStore().listKeys())
          .containsExactlyInAnyOrder(solar + "-dev", solar + "-prod");

      // when a namespace joins her tenant, one is relabelled, one moves away
      cp.capsule().createNamespace(solar, solar + "-qa");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> informer.getStore().getByKey(solar + "-qa") != null);
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
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                Namespace n = informer.getStore().getByKey(solar + "-dev");
                Map<String, String> labels = n.getMetadata().getLabels();
                return "yes".equals(labels.get("touched"));
              });
      cp.capsule().moveNamespace(solar + "-prod", wind);
      await().atMost(Duration.ofSeconds(10)).until(() -> deleted.contains(solar + "-prod"));

      // then it still holds exactly her namespaces
      assertThat(informer.getStore().listKeys())
          .containsExactlyInAnyOrder(solar + "-dev", solar + "-qa");
    }
  }
}
