package dev.tenantproxy.filters.render;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The node columns, as the API server prints core v1 nodes: Name, Status, Roles, Age, Version, and
 * (priority 1, {@code -o wide}) Internal-IP, External-IP, OS-Image, Kernel-Version,
 * Container-Runtime.
 *
 * <p>Status: {@code Ready} when the {@code Ready} condition is {@code True}, {@code NotReady} when
 * it is anything else, {@code Unknown} when there is no {@code Ready} condition; {@code
 * ,SchedulingDisabled} appended when {@code spec.unschedulable}. Roles: the sorted, comma-joined
 * suffixes of {@code node-role.kubernetes.io/<role>} labels and the value of a {@code
 * kubernetes.io/role} label (empty ones skipped), {@code <none>} when there are none. The IPs are
 * the first address of that type ({@code <none>} when absent); an empty OS image, kernel or runtime
 * version is {@code <unknown>}.
 */
final class NodeColumns implements TableColumns {
  static final NodeColumns INSTANCE = new NodeColumns();

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String ROLE_PREFIX = "node-role.kubernetes.io/";
  private static final String ROLE_LABEL = "kubernetes.io/role";

  private static final String ADDRESSES =
      "List of addresses reachable to the node. Queried from cloud provider, if available. More"
          + " info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This"
          + " field is declared as mergeable, but the merge key is not sufficiently unique, which"
          + " can cause data corruption when it is merged. Callers should instead use a"
          + " full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers"
          + " should assume that addresses can change during the lifetime of a Node. However,"
          + " there are some exceptions where this may not be possible, such as Pods that"
          + " inherit a Node's address in its own status or consumers of the downward API"
          + " (status.hostIP).";

  private static final List<Column> COLUMNS =
      List.of(
          new Column("Name", "string", "name", CustomResourceColumns.NAME_DESCRIPTION, 0),
          new Column("Status", "string", "", "The status of the node", 0),
          new Column("Roles", "string", "", "The roles of the node", 0),
          new Column("Age", "string", "", CustomResourceColumns.CREATION_TIMESTAMP_DESCRIPTION, 0),
          new Column("Version", "string", "", "Kubelet Version reported by the node.", 0),
          new Column("Internal-IP", "string", "", ADDRESSES, 1),
          new Column("External-IP", "string", "", ADDRESSES, 1),
          new Column(
              "OS-Image",
              "string",
              "",
              "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
              1),
          new Column(
              "Kernel-Version",
              "string",
              "",
              "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
              1),
          new Column(
              "Container-Runtime",
              "string",
              "",
              "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
              1));

  private NodeColumns() {}

  @Override
  public List<Column> columns() {
    return COLUMNS;
  }

  @Override
  public void writeCells(byte[] json, Instant now, JsonGenerator g) throws IOException {
    JsonNode node = MAPPER.readTree(json);
    JsonNode metadata = node.path("metadata");
    JsonNode status = node.path("status");
    JsonNode info = status.path("nodeInfo");
    g.writeStartArray();
    g.writeString(metadata.path("name").asText(""));
    g.writeString(status(node));
    g.writeString(roles(metadata.path("labels")));
    g.writeString(TableColumns.age(metadata.path("creationTimestamp").asText(""), now));
    g.writeString(info.path("kubeletVersion").asText(""));
    g.writeString(address(status, "InternalIP"));
    g.writeString(address(status, "ExternalIP"));
    g.writeString(orUnknown(info.path("osImage").asText("")));
    g.writeString(orUnknown(info.path("kernelVersion").asText("")));
    g.writeString(orUnknown(info.path("containerRuntimeVersion").asText("")));
    g.writeEndArray();
  }

  /** Ready / NotReady / Unknown, plus SchedulingDisabled. */
  static String status(JsonNode node) {
    String s = "Unknown";
    for (JsonNode c : node.path("status").path("conditions")) {
      if ("Ready".equals(c.path("type").asText())) {
        s = "True".equals(c.path("status").asText()) ? "Ready" : "NotReady";
        break;
      }
    }
    return node.path("spec").path("unschedulable").asBoolean(false) ? s + ",SchedulingDisabled" : s;
  }

  static String roles(JsonNode labels) {
    TreeSet<String> roles = new TreeSet<>();
    for (Map.Entry<String, JsonNode> e : labels.properties()) {
      String k = e.getKey();
      if (k.startsWith(ROLE_PREFIX) && k.length() > ROLE_PREFIX.length()) {
        roles.add(k.substring(ROLE_PREFIX.length()));
      } else if (k.equals(ROLE_LABEL) && !e.getValue().asText("").isEmpty()) {
        roles.add(e.getValue().asText());
      }
    }
    return roles.isEmpty() ? "<none>" : String.join(",", roles);
  }

  private static String address(JsonNode status, String type) {
    for (JsonNode a : status.path("addresses")) {
      if (type.equals(a.path("type").asText())) {
        return a.path("address").asText("");
      }
    }
    return "<none>";
  }

  private static String orUnknown(String s) {
    return s.isEmpty() ? "<unknown>" : s;
  }
}
