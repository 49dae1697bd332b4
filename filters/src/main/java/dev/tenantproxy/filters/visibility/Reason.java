package dev.tenantproxy.filters.visibility;

import java.util.Objects;

/**
 * Why an object is visible: the rule, the tenant it comes from ({@code null} for a
 * GlobalProxySettings rule), where the rule is written, what it says, and the owner grant it needed
 * ({@code null} when none was needed).
 *
 * @param source where the rule is written, e.g. {@code Tenant solar spec.nodeSelector}, {@code
 *     ProxySetting solar-dev/extra spec.subjects[0].clusterResources[1]}
 * @param detail what it says, e.g. {@code pool=solar}, {@code allowed [fast, standard]}
 * @param grant the grant that enabled it, e.g. {@code User alice: StorageClasses [List]}
 */
public record Reason(RuleKind rule, String tenant, String source, String detail, String grant) {

  public Reason {
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(detail, "detail");
  }

  /** One line for people, e.g. {@code Tenant solar spec.nodeSelector pool=solar}. */
  public String describe() {
    String s = source + " " + detail;
    return grant == null ? s : s + " (grant: " + grant + ")";
  }
}
