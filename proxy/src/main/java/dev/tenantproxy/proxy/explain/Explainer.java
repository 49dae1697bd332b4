package dev.tenantproxy.proxy.explain;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.visibility.Access;
import dev.tenantproxy.filters.visibility.CallerView;
import dev.tenantproxy.filters.visibility.ClusterVisibility;
import dev.tenantproxy.filters.visibility.Decision;
import dev.tenantproxy.filters.visibility.GrantOperation;
import dev.tenantproxy.filters.visibility.ServedObject;
import dev.tenantproxy.filters.visibility.Visibility;
import dev.tenantproxy.filters.visibility.WriteDecision;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The library call behind {@code tenant-proxy explain}: pure, over one snapshot and the objects of
 * each kind (the same rules the proxy applies, {@link ClusterVisibility}).
 */
public final class Explainer {
  private Explainer() {}

  /**
   * The objects of one kind, as listed from the cluster.
   *
   * @param error why they could not be listed (then {@code objects} is empty), or {@code null}
   */
  public record KindObjects(ExplainKind kind, List<ServedObject> objects, String error) {
    public KindObjects {
      objects = List.copyOf(objects);
    }
  }

  /** What {@code caller} sees of each kind, and why. */
  public static Explanation explain(
      TenancySnapshot snapshot, Caller caller, List<KindObjects> kinds) {
    boolean capsuleUser = Visibility.isCapsuleUser(snapshot, caller);
    List<Explanation.KindView> views = new ArrayList<>();
    if (capsuleUser) {
      for (KindObjects k : kinds) {
        views.add(kindView(snapshot, caller, k));
      }
    }
    return new Explanation(
        caller.user(),
        caller.groups(),
        capsuleUser,
        List.copyOf(Visibility.ownedTenants(snapshot, caller)),
        views,
        null);
  }

  /**
   * Why {@code caller} does or does not see the object {@code name} of {@code kind} ({@code object}
   * is {@code null} when it does not exist).
   */
  public static Explanation explainObject(
      TenancySnapshot snapshot, Caller caller, ExplainKind kind, String name, ServedObject object) {
    boolean capsuleUser = Visibility.isCapsuleUser(snapshot, caller);
    CallerView view = ClusterVisibility.view(snapshot, caller, kind.kind());
    Explanation.ObjectView ov;
    if (!capsuleUser) {
      ov =
          new Explanation.ObjectView(
              kind.displayName(),
              name,
              object != null,
              false,
              false,
              object == null ? Map.of() : object.labels(),
              List.of(),
              List.of(
                  "User "
                      + caller.user()
                      + " is not a Capsule user: the request passes through to the API server as"
                      + " this user, whose own RBAC decides"),
              List.of());
    } else if (object == null) {
      ov =
          new Explanation.ObjectView(
              kind.displayName(),
              name,
              false,
              view.grantsAnything(Access.GET),
              false,
              Map.of(),
              List.of(),
              List.of(
                  "no "
                      + kind.displayName()
                      + " named "
                      + name
                      + " exists (a tenant user gets the same 404 as for an object it may not"
                      + " see)"),
              List.of());
    } else {
      Decision d = view.explain(object, Access.GET);
      List<Explanation.Write> writes = new ArrayList<>();
      if (d.visible()) {
        for (GrantOperation op : List.of(GrantOperation.UPDATE, GrantOperation.DELETE)) {
          WriteDecision w = view.mayWrite(object, op);
          writes.add(new Explanation.Write(op.capsuleName(), w.allowed(), w.reason()));
        }
      }
      List<String> whyNot = new ArrayList<>(d.misses());
      if (!d.visible() && !view.grantsAnything(Access.GET)) {
        whyNot.add(
            "nothing grants this user "
                + kind.displayName()
                + ": the request passes through to the API server as the user (its RBAC answers,"
                + " usually 403 Forbidden)");
      }
      ov =
          new Explanation.ObjectView(
              kind.displayName(),
              name,
              true,
              view.grantsAnything(Access.GET),
              d.visible(),
              new TreeMap<>(object.labels()),
              d.reasons(),
              whyNot,
              writes);
    }
    return new Explanation(
        caller.user(),
        caller.groups(),
        capsuleUser,
        List.copyOf(Visibility.ownedTenants(snapshot, caller)),
        List.of(),
        ov);
  }

  private static Explanation.KindView kindView(
      TenancySnapshot snapshot, Caller caller, KindObjects k) {
    CallerView view = ClusterVisibility.view(snapshot, caller, k.kind().kind());
    List<Explanation.Item> visible = new ArrayList<>();
    List<ServedObject> sorted =
        k.objects().stream().sorted(Comparator.comparing(ServedObject::name)).toList();
    for (ServedObject o : sorted) {
      Decision d = view.explain(o, Access.LIST);
      if (d.visible()) {
        visible.add(new Explanation.Item(o.name(), d.reasons()));
      }
    }
    return new Explanation.KindView(
        k.kind().displayName(),
        k.kind().apiVersion(),
        view.grantsAnything(Access.LIST),
        k.error() == null ? k.objects().size() : -1,
        view.rules(),
        view.inactiveRules(),
        visible,
        k.error());
  }
}
