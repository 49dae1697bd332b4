package dev.tenantproxy.proxy.explain;

import dev.tenantproxy.filters.visibility.Reason;
import java.util.List;
import java.util.Map;

/**
 * What {@code tenant-proxy explain} found: for one user (and groups), whether the proxy serves it,
 * the tenants it owns, and per kind the rules that apply, those that do not, and the visible
 * objects with their reasons; or, for one named object, why it is or is not visible. Plain data,
 * rendered as text ({@link ExplainText}) or JSON ({@link ExplainJson}).
 *
 * @param capsuleUser whether the proxy serves this user; if not, every request passes through and
 *     {@code kinds} is empty
 * @param object the named object explained, or {@code null}
 */
public record Explanation(
    String user,
    List<String> groups,
    boolean capsuleUser,
    List<String> ownedTenants,
    List<KindView> kinds,
    ObjectView object) {

  public Explanation {
    groups = List.copyOf(groups);
    ownedTenants = List.copyOf(ownedTenants);
    kinds = List.copyOf(kinds);
  }

  /**
   * One kind.
   *
   * @param served whether any rule gives the user List (else requests pass through to the API
   *     server as the user: its own RBAC answers, usually 403 Forbidden)
   * @param total how many objects of the kind exist ({@code -1} when they could not be listed)
   * @param rules the rules that apply to the user
   * @param inactive rules of the user's tenants that do not apply (a grant is missing) and tenants
   *     that write no rule for this kind
   * @param error why the kind could not be listed, or {@code null}
   */
  public record KindView(
      String resource,
      String apiVersion,
      boolean served,
      int total,
      List<Reason> rules,
      List<String> inactive,
      List<Item> visible,
      String error) {
    public KindView {
      rules = List.copyOf(rules);
      inactive = List.copyOf(inactive);
      visible = List.copyOf(visible);
    }
  }

  /** A visible object and every rule that selects it. */
  public record Item(String name, List<Reason> reasons) {
    public Item {
      reasons = List.copyOf(reasons);
    }
  }

  /**
   * One named object.
   *
   * @param exists whether the object exists (a user gets the same 404 for a missing object and one
   *     it may not see)
   * @param served whether any rule gives the user Get of this kind
   * @param whyNot why each rule that could select it does not (empty when visible)
   * @param writes for a visible object: {@code Update} / {@code Delete} → whether allowed and why
   */
  public record ObjectView(
      String resource,
      String name,
      boolean exists,
      boolean served,
      boolean visible,
      Map<String, String> labels,
      List<Reason> reasons,
      List<String> whyNot,
      List<Write> writes) {
    public ObjectView {
      labels = labels == null ? Map.of() : Map.copyOf(labels);
      reasons = List.copyOf(reasons);
      whyNot = List.copyOf(whyNot);
      writes = List.copyOf(writes);
    }
  }

  /** Whether the user may {@code operation} ({@code Update}, {@code Delete}) the object. */
  public record Write(String operation, boolean allowed, String reason) {}
}
