package dev.tenantproxy.e2e.load;

import dev.tenantproxy.e2e.controlplane.Capsule;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark fleet of benchmarks.md on a real control plane: tenants {@code <prefix>-t<i>} with
 * 5 namespaces each; owners: User {@code <prefix>-user-<i>}, Group {@code <prefix>-group-<i/10>}
 * and, for every 10th tenant, a ServiceAccount; Tenant status written as the Capsule controller
 * would write it.
 *
 * @param prefix name prefix of tenants, namespaces and owners
 * @param namespaces each tenant's namespaces, by tenant index
 * @param seconds how long creating the fleet took
 */
public record Fleet(String prefix, List<List<String>> namespaces, long seconds) {

  /** The User owning tenant {@code i}. */
  public String user(int i) {
    return prefix + "-user-" + i;
  }

  public int tenants() {
    return namespaces.size();
  }

  /** Creates the fleet with 16 admin requests in flight. */
  public static Fleet create(KubernetesClient admin, String prefix, int tenants) throws Exception {
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<List<String>> all = new ArrayList<>();
      List<Future<?>> work = new ArrayList<>();
      for (int i = 0; i < tenants; i++) {
        String tenant = prefix + "-t" + i;
        List<String> names = new ArrayList<>();
        for (int n = 0; n < 5; n++) {
          names.add(tenant + "-ns" + n);
        }
        all.add(names);
        int index = i;
        work.add(pool.submit(() -> createTenant(admin, prefix, tenant, index, names)));
      }
      for (Future<?> f : work) {
        f.get(10, TimeUnit.MINUTES);
      }
      return new Fleet(prefix, all, (System.nanoTime() - t0) / 1_000_000_000L);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void createTenant(
      KubernetesClient admin, String prefix, String tenant, int i, List<String> namespaces) {
    List<Map<String, Object>> owners = new ArrayList<>();
    owners.add(owner("User", prefix + "-user-" + i));
    owners.add(owner("Group", prefix + "-group-" + (i / 10)));
    if (i % 10 == 0) {
      owners.add(owner("ServiceAccount", "system:serviceaccount:" + tenant + "-ns0:robot"));
    }
    admin
        .genericKubernetesResources(Capsule.TENANTS)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion(Capsule.TENANT_API_VERSION)
                .withKind("Tenant")
                .withNewMetadata()
                .withName(tenant)
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of("owners", owners)))
                .build())
        .create();
    for (String ns : namespaces) {
      admin
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(ns)
                  .addToLabels(Capsule.TENANT_LABEL, tenant)
                  .endMetadata()
                  .build())
          .create();
    }
    List<Map<String, Object>> statusOwners = new ArrayList<>();
    for (Map<String, Object> o : owners) {
      Map<String, Object> s = new LinkedHashMap<>(o);
      s.put("clusterRoles", List.of("admin", "capsule-namespace-deleter"));
      statusOwners.add(s);
    }
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("state", "Active");
    status.put("size", namespaces.size());
    status.put("namespaces", namespaces);
    status.put("owners", statusOwners);
    admin
        .genericKubernetesResources(Capsule.TENANTS)
        .withName(tenant)
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            admin.getKubernetesSerialization().asJson(Map.of("status", status)));
  }

  private static Map<String, Object> owner(String kind, String name) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("kind", kind);
    o.put("name", name);
    return o;
  }
}
