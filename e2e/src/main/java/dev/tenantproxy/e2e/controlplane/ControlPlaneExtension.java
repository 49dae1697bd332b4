package dev.tenantproxy.e2e.controlplane;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Shares one {@link ControlPlane} per test JVM (started on first use, stopped when the test run
 * ends, or by the shutdown hook) and injects it, or its {@link Capsule}, {@link Users} or admin
 * {@link KubernetesClient}, into test constructors and methods. Each test creates its own
 * uniquely-named tenants and namespaces.
 *
 * <pre>{@code
 * @ExtendWith(ControlPlaneExtension.class)
 * class SomethingIT {
 *   @Test
 *   void ownerSeesHisNamespace(ControlPlane cp) { ... }
 * }
 * }</pre>
 *
 * The control plane lives in {@code target/control-plane-*} when run from a Maven module (logs stay
 * there after the run), else in a temporary directory.
 */
public final class ControlPlaneExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ControlPlaneExtension.class);
  private static final Set<Class<?>> SUPPORTED =
      Set.of(ControlPlane.class, Capsule.class, Users.class, KubernetesClient.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return SUPPORTED.contains(parameter.getParameter().getType());
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    ControlPlane cp = shared(context);
    Class<?> type = parameter.getParameter().getType();
    if (type == Capsule.class) {
      return cp.capsule();
    }
    if (type == Users.class) {
      return cp.users();
    }
    if (type == KubernetesClient.class) {
      return cp.adminClient();
    }
    return cp;
  }

  /**
   * The JVM's shared control plane, started on first call; closed by JUnit at the end of the run.
   */
  public static ControlPlane shared(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(ControlPlane.class, k -> startShared(), ControlPlane.class);
  }

  private static ControlPlane startShared() {
    try {
      Path target = Path.of("target");
      Path dir =
          Files.isDirectory(target)
              ? Files.createTempDirectory(target.toAbsolutePath(), "control-plane-")
              : Files.createTempDirectory("tenant-proxy-control-plane-");
      System.err.println("[control-plane] starting in " + dir);
      long start = System.nanoTime();
      ControlPlane cp = ControlPlane.builder().directory(dir).start();
      System.err.printf(
          "[control-plane] serving at %s after %d ms%n",
          cp.apiServerUrl(), (System.nanoTime() - start) / 1_000_000);
      return cp;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
