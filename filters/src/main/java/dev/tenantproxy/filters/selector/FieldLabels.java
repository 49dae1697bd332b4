package dev.tenantproxy.filters.selector;

import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.Set;

/**
 * The field labels a resource supports in field selectors, and the API server's error wording for
 * an unsupported one.
 */
public final class FieldLabels {
  private static final FieldLabels NAMESPACES =
      new FieldLabels(Set.of("metadata.name", "name", "status.phase"), false);
  private static final FieldLabels NODES =
      new FieldLabels(Set.of("metadata.name", "spec.unschedulable"), false);
  private static final FieldLabels OBJECT_META =
      new FieldLabels(Set.of("metadata.name", "metadata.namespace"), true);

  private final Set<String> supported;
  private final boolean defaultConversion;

  private FieldLabels(Set<String> supported, boolean defaultConversion) {
    this.supported = Set.copyOf(supported);
    this.defaultConversion = defaultConversion;
  }

  /** Core v1 namespaces: {@code metadata.name}, {@code name} (legacy), {@code status.phase}. */
  public static FieldLabels namespaces() {
    return NAMESPACES;
  }

  /** Core v1 nodes: {@code metadata.name}, {@code spec.unschedulable} ("true" / "false"). */
  public static FieldLabels nodes() {
    return NODES;
  }

  /**
   * Kinds without their own conversion (custom resources, most cluster-scoped kinds): {@code
   * metadata.name} and {@code metadata.namespace}, rejected with {@code "x" is not a known field
   * selector: only "metadata.name", "metadata.namespace"}.
   */
  public static FieldLabels objectMeta() {
    return OBJECT_META;
  }

  /** A kind with a registered conversion function supporting these labels. */
  public static FieldLabels of(Set<String> supported) {
    return new FieldLabels(supported, false);
  }

  public boolean supports(String label) {
    return supported.contains(label);
  }

  public Set<String> supported() {
    return supported;
  }

  /** Throws the API server's 400 when {@code label} is not supported. */
  void check(String label) {
    if (supports(label)) {
      return;
    }
    if (defaultConversion) {
      throw KubeStatusException.badRequest(
          "\""
              + label
              + "\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
    }
    throw KubeStatusException.badRequest("field label not supported: " + label);
  }
}
