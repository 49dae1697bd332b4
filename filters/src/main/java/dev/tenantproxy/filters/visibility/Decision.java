package dev.tenantproxy.filters.visibility;

import java.util.List;

/**
 * Whether a caller sees one object, and why.
 *
 * @param reasons the rules that make it visible (at least one when visible; {@link
 *     CallerView#decide} stops at the first, {@link CallerView#explain} lists all)
 * @param misses when explaining: why each rule that could apply does not (empty from {@link
 *     CallerView#decide})
 */
public record Decision(boolean visible, List<Reason> reasons, List<String> misses) {

  static final Decision HIDDEN = new Decision(false, List.of(), List.of());

  public Decision {
    reasons = List.copyOf(reasons);
    misses = List.copyOf(misses);
  }
}
