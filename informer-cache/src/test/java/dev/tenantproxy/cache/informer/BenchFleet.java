package dev.tenantproxy.cache.informer;

import dev.tenantproxy.cache.watchcache.CachedObject;
import dev.tenantproxy.cache.watchcache.EventType;
import dev.tenantproxy.filters.tenancy.NamespaceInfo;
import dev.tenantproxy.filters.tenancy.Owner;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenantInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The benchmark fleet of {@code benchmarks.md} (2,000 tenants × 5 namespaces; owners User {@code
 * user-<i>}, Group {@code group-<i/10>}, every 10th tenant a ServiceAccount), as the changes the
 * informers hand to the writer, with namespace JSON shaped like the API server's (including one
 * managedFields entry).
 */
final class BenchFleet {
  static final int TENANTS = 2_000;
  static final int NAMESPACES_PER_TENANT = 5;

  private static final String[] TENANT_UIDS = new String[TENANTS];
  private static final String[] NAMESPACE_UIDS = new String[TENANTS * NAMESPACES_PER_TENANT];

  static {
    for (int i = 0; i < TENANT_UIDS.length; i++) {
      TENANT_UIDS[i] = String.format("00000000-0000-0000-0000-%012d", i);
    }
    for (int i = 0; i < NAMESPACE_UIDS.length; i++) {
      NAMESPACE_UIDS[i] = String.format("00000000-0000-0000-0001-%012d", i);
    }
  }

  private BenchFleet() {}

  static String namespaceName(int tenant, int j) {
    return "tenant-" + tenant + "-ns-" + j;
  }

  static TenantInfo tenant(int i, long rv, boolean alternateUser) {
    List<Owner> owners = new ArrayList<>(3);
    String user = alternateUser ? "user-" + i + "-alt" : "user-" + i;
    owners.add(new Owner(Principal.user(user), List.of("admin", "capsule-namespace-deleter")));
    owners.add(
        new Owner(
            Principal.group("group-" + i / 10), List.of("admin", "capsule-namespace-deleter")));
    if (i % 10 == 0) {
      owners.add(
          new Owner(
              Principal.serviceAccount("system:serviceaccount:" + namespaceName(i, 0) + ":robot"),
              List.of("admin")));
    }
    List<String> namespaces = new ArrayList<>();
    for (int j = 0; j < NAMESPACES_PER_TENANT; j++) {
      namespaces.add(namespaceName(i, j));
    }
    return new TenantInfo(
        "tenant-" + i,
        TENANT_UIDS[i],
        Long.toString(rv),
        "Active",
        owners,
        namespaces,
        List.of(),
        Map.of());
  }

  static String namespaceJson(String name, String tenant, String uid, long rv) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"creationTimestamp\":"
        + "\"2026-11-25T18:00:00Z\",\"labels\":{\"capsule.clastix.io/tenant\":\""
        + tenant
        + "\",\"kubernetes.io/metadata.name\":\""
        + name
        + "\"},\"managedFields\":[{\"apiVersion\":\"v1\",\"fieldsType\":\"FieldsV1\","
        + "\"fieldsV1\":{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:capsule.clastix.io/tenant\":{}"
        + "},\"f:ownerReferences\":{\".\":{},\"k:{\\\"uid\\\":\\\"x\\\"}\":{}}}},\"manager\":"
        + "\"kubectl-create\",\"operation\":\"Update\",\"time\":\"2026-11-25T18:00:00Z\"}],"
        + "\"name\":\""
        + name
        + "\",\"ownerReferences\":[{\"apiVersion\":\"capsule.clastix.io/v1beta2\",\"blockOwnerDeletion\""
        + ":true,\"controller\":true,\"kind\":\"Tenant\",\"name\":\""
        + tenant
        + "\",\"uid\":\"0b5b1f52-6f4e-4c53-9a43-2f7e3f0b7c11\"}],\"resourceVersion\":\""
        + rv
        + "\",\"uid\":\""
        + uid
        + "\"},\"spec\":{\"finalizers\":[\"kubernetes\"]},\"status\":{\"phase\":\"Active\"}}";
  }

  /** A namespace change as the Namespace informer hands it to the writer. */
  static IndexWriter.Change namespaceChange(int tenant, int j, long rv, byte[] json) {
    String name = namespaceName(tenant, j);
    String tenantName = "tenant-" + tenant;
    Map<String, String> labels =
        Map.of("kubernetes.io/metadata.name", name, NamespaceInfo.TENANT_LABEL, tenantName);
    String uid = NAMESPACE_UIDS[tenant * NAMESPACES_PER_TENANT + j];
    String rvs = Long.toString(rv);
    NamespaceInfo model = new NamespaceInfo(name, uid, rvs, "Active", labels, tenantName);
    byte[] bytes =
        json != null
            ? json
            : namespaceJson(name, tenantName, uid, rv).getBytes(StandardCharsets.UTF_8);
    CachedObject object =
        new CachedObject(
            name,
            "",
            name,
            rvs,
            labels,
            Map.of("metadata.name", name, "status.phase", "Active"),
            bytes);
    return new IndexWriter.Change(name, model, object);
  }

  /** A writer holding the whole fleet (tenants and namespaces synced), RVs up to the result. */
  static IndexWriter load(IndexWriter writer, boolean withNamespaceCache) {
    if (withNamespaceCache) {
      writer.serveCache(ResourceKind.NAMESPACES, 10_000);
    }
    Generation tenants = new Generation(ResourceKind.TENANTS);
    Generation namespaces = new Generation(ResourceKind.NAMESPACES);
    long rv = 1;
    for (int i = 0; i < TENANTS; i++) {
      TenantInfo t = tenant(i, rv++, false);
      writer.apply(tenants, EventType.ADDED, new IndexWriter.Change(t.key(), t, null));
    }
    writer.endList(tenants, rv);
    for (int i = 0; i < TENANTS; i++) {
      for (int j = 0; j < NAMESPACES_PER_TENANT; j++) {
        IndexWriter.Change c = namespaceChange(i, j, rv++, null);
        if (!withNamespaceCache) {
          c = new IndexWriter.Change(c.key(), c.model(), null);
        }
        writer.apply(namespaces, EventType.ADDED, c);
      }
    }
    writer.endList(namespaces, rv);
    return writer;
  }
}
