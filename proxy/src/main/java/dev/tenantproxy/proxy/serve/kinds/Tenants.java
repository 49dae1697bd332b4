package dev.tenantproxy.proxy.serve.kinds;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tenantproxy.cache.informer.ResourceKind;
import dev.tenantproxy.cache.informer.TenancyIndex;
import dev.tenantproxy.cache.watchcache.WatchCache;
import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.render.TableColumns;
import dev.tenantproxy.filters.render.TableColumns.PrinterColumn;
import dev.tenantproxy.filters.selector.FieldLabels;
import dev.tenantproxy.filters.tenancy.Principal;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.visibility.Visibility;
import dev.tenantproxy.proxy.serve.ServedKind;
import dev.tenantproxy.proxy.serve.ServedObject;
import io.vertx.core.Future;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Capsule tenants ({@code capsule.clastix.io/v1beta2 tenants}, cluster-scoped): a Capsule user sees
 * the tenants whose {@code status.owners} name it (as User, one of its Groups, or as
 * ServiceAccount), the same ownership {@link Visibility#ownedTenants} reads from the snapshot.
 *
 * <p>The rule reads the owners from the object itself, not from the snapshot: the index applies a
 * Tenant event to the tenant watch cache (which hands it to the hub) before it publishes the
 * snapshot of that event, so a rule reading the snapshot could decide an event with the owners
 * before it. Read from the object, the decision for an event is always the event's own: an owner
 * added gets ADDED, an owner removed DELETED, with no change feed needed.
 *
 * <p>Table columns: Name, then the Tenant CRD's {@code additionalPrinterColumns} (State, Namespace
 * count, Node selector, Age). Field selectors: {@code metadata.name} (custom resources support
 * {@code metadata.name} and {@code metadata.namespace}).
 */
public final class Tenants implements ServedKind {
  public static final Tenants INSTANCE = new Tenants();

  private static final JsonFactory JSON = new JsonFactory();

  private static final TableColumns COLUMNS =
      TableColumns.customResource(
          List.of(
              new PrinterColumn("State", "string", "", "", 0, ".status.state"),
              new PrinterColumn("Namespace count", "integer", "", "", 0, ".status.size"),
              new PrinterColumn("Node selector", "string", "", "", 0, ".spec.nodeSelector"),
              new PrinterColumn("Age", "date", "", "", 0, ".metadata.creationTimestamp")));

  private Tenants() {}

  @Override
  public ResourceKind kind() {
    return ResourceKind.TENANTS;
  }

  @Override
  public Future<WatchCache> cache(TenancyIndex index) {
    return index.serve(ResourceKind.TENANTS);
  }

  @Override
  public FieldLabels fieldLabels() {
    return FieldLabels.objectMeta();
  }

  @Override
  public TableColumns columns() {
    return COLUMNS;
  }

  @Override
  public boolean sees(TenancySnapshot snapshot, Caller caller, ServedObject object) {
    for (Principal p : owners(object.json())) {
      if (Visibility.matches(caller, p)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String reason(TenancySnapshot snapshot, Caller caller, ServedObject object) {
    for (Principal p : owners(object.json())) {
      if (Visibility.matches(caller, p)) {
        return "tenant " + object.name() + " lists " + p + " in status.owners";
      }
    }
    return "not an owner of tenant " + object.name();
  }

  @Override
  public List<Principal> principalsSeeing(TenancySnapshot snapshot, ServedObject object) {
    return owners(object.json());
  }

  /** The principals of a Tenant's {@code status.owners} ({@code {kind, name}}; others skipped). */
  static List<Principal> owners(byte[] json) {
    List<Principal> out = new ArrayList<>(2);
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return out;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (!field.equals("status") || value != JsonToken.START_OBJECT) {
          p.skipChildren();
          continue;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String s = p.currentName();
          JsonToken v = p.nextToken();
          if (!s.equals("owners") || v != JsonToken.START_ARRAY) {
            p.skipChildren();
            continue;
          }
          while (p.nextToken() == JsonToken.START_OBJECT) {
            String kind = null;
            String name = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String o = p.currentName();
              JsonToken ov = p.nextToken();
              if (o.equals("kind") && ov == JsonToken.VALUE_STRING) {
                kind = p.getText();
              } else if (o.equals("name") && ov == JsonToken.VALUE_STRING) {
                name = p.getText();
              } else {
                p.skipChildren();
              }
            }
            Principal principal = Principal.parse(kind, name);
            if (principal != null) {
              out.add(principal);
            }
          }
        }
      }
    } catch (IOException e) {
      return List.of();
    }
    return out;
  }
}
