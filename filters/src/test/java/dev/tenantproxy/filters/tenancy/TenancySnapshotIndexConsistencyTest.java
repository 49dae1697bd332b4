package dev.tenantproxy.filters.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Random writes on a small universe; after each, every index equals a brute-force derivation. */
class TenancySnapshotIndexConsistencyTest {
  private static final List<Principal> PRINCIPALS =
      List.of(
          Principal.user("u1"),
          Principal.user("u2"),
          Principal.group("g1"),
          Principal.serviceAccount("system:serviceaccount:n1:sa"));
  private static final List<String> TENANTS = List.of("t1", "t2", "t3");
  private static final List<String> NAMESPACES = List.of("n1", "n2", "n3", "n4", "n5");

  @Test
  void indexesAlwaysMatchTheMembershipRuleAfterRandomWrites() {
    Random r = new Random(7);
    TenancySnapshot s = TenancySnapshot.empty();
    for (int step = 0; step < 3_000; step++) {
      s = randomWrite(s, r);
      assertConsistent(s);
    }
  }

  private static TenancySnapshot randomWrite(TenancySnapshot s, Random r) {
    int op = r.nextInt(4);
    String tenant = TENANTS.get(r.nextInt(TENANTS.size()));
    String ns = NAMESPACES.get(r.nextInt(NAMESPACES.size()));
    switch (op) {
      case 0 -> {
        List<Owner> owners = new ArrayList<>();
        for (Principal p : PRINCIPALS) {
          if (r.nextBoolean()) {
            owners.add(new Owner(p, List.of()));
          }
        }
        List<String> status = new ArrayList<>();
        for (String n : NAMESPACES) {
          if (r.nextInt(3) == 0) {
            status.add(n);
          }
        }
        return s.with(TenantInfo.of(tenant, owners, status));
      }
      case 1 -> {
        return s.without(TenantInfo.of(tenant, List.of(), List.of()));
      }
      case 2 -> {
        String claim = r.nextBoolean() ? null : tenant;
        boolean byOwnerRef = r.nextBoolean();
        Map<String, String> labels =
            claim == null || byOwnerRef ? Map.of() : Map.of(NamespaceInfo.TENANT_LABEL, claim);
        return s.with(new NamespaceInfo(ns, "u", "1", "Active", labels, byOwnerRef ? claim : null));
      }
      default -> {
        return s.without(new NamespaceInfo(ns, "u", "1", "Active", Map.of(), null));
      }
    }
  }

  private static void assertConsistent(TenancySnapshot s) {
    for (String ns : NAMESPACES) {
      assertThat(s.tenantOfNamespace(ns)).as(ns).isEqualTo(expectedTenant(s, ns));
    }
    for (String t : TENANTS) {
      Set<String> expected = new TreeSet<>();
      for (String ns : NAMESPACES) {
        if (t.equals(expectedTenant(s, ns))) {
          expected.add(ns);
        }
      }
      assertThat(s.namespacesOfTenant(t)).as(t).containsExactlyElementsOf(expected);
    }
    for (Principal p : PRINCIPALS) {
      Set<String> tenants = new TreeSet<>();
      Set<String> visible = new TreeSet<>();
      for (TenantInfo t : s.tenants().values()) {
        if (t.isOwnedBy(p)) {
          tenants.add(t.name());
          visible.addAll(s.namespacesOfTenant(t.name()));
        }
      }
      assertThat(s.tenantsOwnedBy(p)).as(p.toString()).containsExactlyElementsOf(tenants);
      assertThat(s.namespacesVisibleTo(p)).as(p.toString()).containsExactlyElementsOf(visible);
    }
  }

  private static String expectedTenant(TenancySnapshot s, String ns) {
    NamespaceInfo n = s.namespace(ns);
    if (n == null) {
      return null;
    }
    if (n.claimedTenant() != null) {
      return n.claimedTenant();
    }
    List<String> listing = new ArrayList<>();
    for (TenantInfo t : s.tenants().values()) {
      if (t.statusNamespaces().contains(ns)) {
        listing.add(t.name());
      }
    }
    return listing.size() == 1 ? listing.get(0) : null;
  }
}
