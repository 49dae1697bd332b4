package dev.tenantproxy.filters.visibility;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.CapsuleConfigurationInfo;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Who is a Capsule user, which tenants a caller owns and which namespaces it may see: pure
 * functions over one {@link TenancySnapshot}, costing O(groups + owned) via the snapshot's indexes.
 *
 * <p>A caller matches an owner entry when: kind {@code User} and the name equals the caller's user
 * name; kind {@code Group} and the caller has that group; kind {@code ServiceAccount} and the name
 * ({@code system:serviceaccount:<ns>:<name>}) equals the caller's user name.
 */
public final class Visibility {

  /** Members of this group (kube-system's service accounts) are never Capsule users. */
  public static final String KUBE_SYSTEM_SERVICE_ACCOUNTS = "system:serviceaccounts:kube-system";

  private Visibility() {}

  /**
   * The principals a caller acts as: its user name as a User, each group as a Group, and, for a
   * ServiceAccount caller, its user name as a ServiceAccount.
   */
  public static List<Principal> principalsOf(Caller caller) {
    List<Principal> out = new ArrayList<>(caller.groups().size() + 2);
    out.add(Principal.user(caller.user()));
    if (caller.isServiceAccount()) {
      out.add(Principal.serviceAccount(caller.user()));
    }
    for (String g : caller.groups()) {
      out.add(Principal.group(g));
    }
    return out;
  }

  /** Whether {@code caller} matches {@code principal} (see the class comment). */
  public static boolean matches(Caller caller, Principal principal) {
    return switch (principal.kind()) {
      case USER -> principal.name().equals(caller.user());
      case SERVICE_ACCOUNT -> caller.isServiceAccount() && principal.name().equals(caller.user());
      case GROUP -> caller.groups().contains(principal.name());
    };
  }

  /** {@link #isCapsuleUser(TenancySnapshot, Caller, String)} with the {@code default} config. */
  public static boolean isCapsuleUser(TenancySnapshot snapshot, Caller caller) {
    return isCapsuleUser(snapshot, caller, CapsuleConfigurationInfo.DEFAULT_NAME);
  }

  /**
   * Whether Capsule treats {@code caller} as one of its users, in Capsule's order: never a member
   * of {@value #KUBE_SYSTEM_SERVICE_ACCOUNTS} (nor a kube-system ServiceAccount); never a member of
   * one of {@code ignoreUserWithGroups}; yes when {@code status.users} names the caller (by User,
   * Group or ServiceAccount); yes for a ServiceAccount whose namespace belongs to a tenant. Without
   * the named configuration only the ServiceAccount rule can apply.
   */
  public static boolean isCapsuleUser(
      TenancySnapshot snapshot, Caller caller, String configurationName) {
    if (caller.groups().contains(KUBE_SYSTEM_SERVICE_ACCOUNTS)
        || "kube-system".equals(caller.serviceAccountNamespace())) {
      return false;
    }
    CapsuleConfigurationInfo config = snapshot.configuration(configurationName);
    if (config != null) {
      for (String ignored : config.ignoreUserWithGroups()) {
        if (caller.groups().contains(ignored)) {
          return false;
        }
      }
      for (Principal user : config.users()) {
        if (matches(caller, user)) {
          return true;
        }
      }
    }
    String saNamespace = caller.serviceAccountNamespace();
    return saNamespace != null && snapshot.tenantOfNamespace(saNamespace) != null;
  }

  /** Names of the tenants whose {@code status.owners} match {@code caller} (sorted). */
  public static SortedSet<String> ownedTenants(TenancySnapshot snapshot, Caller caller) {
    SortedSet<String> single = null;
    TreeSet<String> union = null;
    for (Principal p : principalsOf(caller)) {
      SortedSet<String> owned = snapshot.tenantsOwnedBy(p);
      if (owned.isEmpty()) {
        continue;
      }
      if (single == null) {
        single = owned;
      } else {
        if (union == null) {
          union = new TreeSet<>(single);
        }
        union.addAll(owned);
      }
    }
    if (union != null) {
      return union;
    }
    return single == null ? new TreeSet<>() : single;
  }

  /**
   * Names of the namespaces {@code caller} may see: the existing namespaces of the tenants it owns.
   * Sorted by name (the API server's list order); unmodifiable when it is a view of the index (the
   * common case: only one of the caller's principals owns tenants).
   */
  public static SortedSet<String> visibleNamespaces(TenancySnapshot snapshot, Caller caller) {
    SortedSet<String> single = null;
    TreeSet<String> union = null;
    for (Principal p : principalsOf(caller)) {
      SortedSet<String> visible = snapshot.namespacesVisibleTo(p);
      if (visible.isEmpty()) {
        continue;
      }
      if (single == null) {
        single = visible;
      } else {
        if (union == null) {
          union = new TreeSet<>(single);
        }
        union.addAll(visible);
      }
    }
    if (union != null) {
      return union;
    }
    return single == null ? new TreeSet<>() : single;
  }

  /** Whether {@code caller} may see {@code namespace}: it exists and a tenant it owns has it. */
  public static boolean canSee(TenancySnapshot snapshot, Caller caller, String namespace) {
    String tenantName = snapshot.tenantOfNamespace(namespace);
    if (tenantName == null) {
      return false;
    }
    TenantInfo tenant = snapshot.tenant(tenantName);
    return tenant != null && isOwner(tenant, caller);
  }

  /** Whether one of {@code tenant}'s {@code status.owners} matches {@code caller}. */
  public static boolean isOwner(TenantInfo tenant, Caller caller) {
    for (var owner : tenant.owners()) {
      if (matches(caller, owner.principal())) {
        return true;
      }
    }
    return false;
  }
}
