package dev.tenantproxy.filters.tenancy;

import java.util.List;
import java.util.Objects;

/**
 * A CapsuleConfiguration ({@code v1beta2}, cluster-scoped; the default object is named {@code
 * default}).
 *
 * @param users {@code status.users}: who is a Capsule user
 * @param ignoreUserWithGroups {@code spec.ignoreUserWithGroups}: members of these groups are not
 */
public record CapsuleConfigurationInfo(
    String name, String resourceVersion, List<Principal> users, List<String> ignoreUserWithGroups)
    implements TenancyObject {

  /** The name of the configuration Capsule installs. */
  public static final String DEFAULT_NAME = "default";

  public CapsuleConfigurationInfo {
    Objects.requireNonNull(name, "name");
    resourceVersion = resourceVersion == null ? "" : resourceVersion;
    users = users == null ? List.of() : List.copyOf(users);
    ignoreUserWithGroups =
        ignoreUserWithGroups == null ? List.of() : List.copyOf(ignoreUserWithGroups);
  }

  @Override
  public String key() {
    return name;
  }
}
