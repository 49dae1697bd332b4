package dev.tenantproxy.proxy.serve.kinds;

import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.filters.render.TableColumns;
import dev.tenantproxy.filters.render.TableColumns.PrinterColumn;
import dev.tenantproxy.filters.selector.FieldLabels;
import dev.tenantproxy.filters.visibility.ClusterKind;
import dev.tenantproxy.proxy.serve.KindDiscovery;
import dev.tenantproxy.proxy.serve.ServedKind;
import dev.tenantproxy.proxy.serve.allnamespaces.ApiResources;
import dev.tenantproxy.proxy.upstream.Upstream;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Cluster-scoped kinds no descriptor names, served because a {@code clusterResources} rule of a
 * ProxySetting or GlobalProxySettings names them: each one a {@link ClusterRuleKind} (the same
 * descriptor class as nodes and the class kinds) with no tenant rule, built from the API server's
 * discovery ({@link ApiResources}, shared with the all-namespaces reads: cached, refreshed after
 * its TTL and on a miss, so a CRD created after the proxy started is found without a restart).
 *
 * <p>Table columns: for a custom resource, its CRD's {@code additionalPrinterColumns} of that
 * version (read once, with the proxy's credentials, when the kind is first served; {@code Age} when
 * it declares none), as the API server's CRD table convertor prints them; for a built-in kind, the
 * API server's default Table (Name, Created At), which is what it prints for kinds without a
 * printer of their own and for cluster roles. Field selectors: {@code metadata.name}, {@code
 * metadata.namespace}.
 */
public final class DiscoveredKinds implements KindDiscovery {
  private static final String CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/";

  private final Upstream upstream;
  private final ApiResources resources;

  public DiscoveredKinds(Upstream upstream, ApiResources resources) {
    this.upstream = upstream;
    this.resources = resources;
  }

  /** The served kind for a cluster-scoped resource, with the Table columns given. */
  public static ServedKind of(ResourceKind kind, TableColumns columns) {
    return new ClusterRuleKind(
        kind, ClusterKind.of(kind.group(), kind.plural()), FieldLabels.objectMeta(), columns);
  }

  @Override
  public Future<Optional<ServedKind>> find(String group, String version, String resource) {
    return resources
        .clusterScopedInGroup(group, version, resource)
        .compose(
            found -> {
              if (found.isEmpty() || !found.get().lists() || !found.get().watches()) {
                return Future.succeededFuture(Optional.<ServedKind>empty());
              }
              ApiResources.Resource r = found.get();
              if (!r.gets() || r.kind().isEmpty()) {
                return Future.succeededFuture(Optional.<ServedKind>empty());
              }
              ResourceKind kind =
                  new ResourceKind(r.group(), r.version(), r.kind(), r.resource(), false);
              return columns(kind).map(c -> Optional.of(of(kind, c)));
            });
  }

  /** The CRD's columns when a CRD defines the kind, else the API server's default Table. */
  private Future<TableColumns> columns(ResourceKind kind) {
    if (kind.group().isEmpty()) {
      return Future.succeededFuture(TableColumns.apiServerDefault());
    }
    return upstream
        .getJson(CRDS + kind.plural() + "." + kind.group())
        .map(
            a -> {
              if (a.status() == 404) {
                return TableColumns.apiServerDefault();
              }
              if (a.status() != 200) {
                throw new IllegalStateException(
                    "reading the CustomResourceDefinition of "
                        + kind.displayName()
                        + ": HTTP "
                        + a.status());
              }
              return TableColumns.customResourceDefaulted(
                  printerColumns(new JsonObject(a.body()), kind.version()));
            });
  }

  /** The {@code additionalPrinterColumns} of {@code version} in a CRD (v1). */
  static List<PrinterColumn> printerColumns(JsonObject crd, String version) {
    JsonArray versions =
        crd.getJsonObject("spec", new JsonObject()).getJsonArray("versions", new JsonArray());
    List<PrinterColumn> out = new ArrayList<>();
    for (int i = 0; i < versions.size(); i++) {
      JsonObject v = versions.getJsonObject(i);
      if (!version.equals(v.getString("name"))) {
        continue;
      }
      JsonArray cols = v.getJsonArray("additionalPrinterColumns", new JsonArray());
      for (int j = 0; j < cols.size(); j++) {
        JsonObject c = cols.getJsonObject(j);
        String path = c.getString("jsonPath", "");
        out.add(
            new PrinterColumn(
                c.getString("name", ""),
                c.getString("type", "string"),
                c.getString("format", ""),
                c.getString("description", ""),
                c.getInteger("priority", 0),
                path.startsWith(".") ? path : "." + path));
      }
    }
    return out;
  }
}
