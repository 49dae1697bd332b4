package dev.tenantproxy.filters.visibility;

import dev.tenantproxy.filters.tenancy.ClassKind;
import dev.tenantproxy.filters.tenancy.ClassPolicy;
import dev.tenantproxy.filters.tenancy.ClusterResource;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A builder of Tenants with the spec fields the cluster-scoped rules read. */
final class ClusterFixtures {
  private ClusterFixtures() {}

  static TenantBuilder tenant(String name) {
    return new TenantBuilder(name);
  }

  static ClusterResource.LabelSelectorSpec labels(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return new ClusterResource.LabelSelectorSpec(m, List.of());
  }

  static ServedObject obj(String name, String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return ServedObject.of(name, m);
  }

  static final class TenantBuilder {
    private final String name;
    private final List<Owner> owners = new ArrayList<>();
    private final List<TenantInfo.SpecOwner> specOwners = new ArrayList<>();
    private final Map<String, String> nodeSelector = new LinkedHashMap<>();
    private final Map<ClassKind, ClassPolicy> classes = new EnumMap<>(ClassKind.class);

    TenantBuilder(String name) {
      this.name = name;
    }

    /** An owner in status and spec, with grants {@code "Kind:Op,Op"}. */
    TenantBuilder owner(Principal p, String... grants) {
      owners.add(new Owner(p, List.of("admin")));
      List<TenantInfo.OwnerProxySetting> settings = new ArrayList<>();
      for (String g : grants) {
        String[] parts = g.split(":");
        settings.add(new TenantInfo.OwnerProxySetting(parts[0], List.of(parts[1].split(","))));
      }
      specOwners.add(new TenantInfo.SpecOwner(p, settings));
      return this;
    }

    /** An entry in spec.owners only (the controller has not merged it into status yet). */
    TenantBuilder specOnlyOwner(Principal p, String... grants) {
      List<TenantInfo.OwnerProxySetting> settings = new ArrayList<>();
      for (String g : grants) {
        String[] parts = g.split(":");
        settings.add(new TenantInfo.OwnerProxySetting(parts[0], List.of(parts[1].split(","))));
      }
      specOwners.add(new TenantInfo.SpecOwner(p, settings));
      return this;
    }

    TenantBuilder nodeSelector(String... kv) {
      for (int i = 0; i < kv.length; i += 2) {
        nodeSelector.put(kv[i], kv[i + 1]);
      }
      return this;
    }

    TenantBuilder classes(
        ClassKind kind,
        List<String> allowed,
        String regex,
        ClusterResource.LabelSelectorSpec selector,
        String def) {
      classes.put(kind, ClassPolicy.of(allowed, regex, selector, def));
      return this;
    }

    TenantInfo build() {
      return new TenantInfo(
          name, "uid-" + name, "1", "Active", owners, List.of(), specOwners, nodeSelector, classes);
    }
  }
}
