package dev.tenantproxy.filters.render;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * The columns of the class kinds other than storage classes, as the API server prints them:
 *
 * <ul>
 *   <li>networking.k8s.io/v1 IngressClasses: Name, Controller, Parameters ({@code
 *       Kind[.apiGroup]/name} of {@code spec.parameters}, {@code <none>} when unset), Age;
 *   <li>scheduling.k8s.io/v1 PriorityClasses: Name, Value (an integer cell), Global-Default (a
 *       boolean cell), Age, PreemptionPolicy ({@code PreemptLowerPriority} when unset);
 *   <li>node.k8s.io/v1 RuntimeClasses: Name, Handler, Age.
 * </ul>
 */
abstract class ClassColumns implements TableColumns {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final Column NAME =
      new Column("Name", "string", "name", CustomResourceColumns.NAME_DESCRIPTION, 0);
  private static final Column AGE =
      new Column("Age", "string", "", CustomResourceColumns.CREATION_TIMESTAMP_DESCRIPTION, 0);

  static final ClassColumns INGRESS_CLASSES =
      new ClassColumns(
          NAME,
          new Column(
              "Controller",
              "string",
              "",
              "Controller that is responsible for handling this class",
              0),
          new Column(
              "Parameters",
              "string",
              "",
              "A reference to a resource with additional parameters",
              0),
          AGE) {
        @Override
        void cells(JsonNode o, String age, JsonGenerator g) throws IOException {
          JsonNode spec = o.path("spec");
          JsonNode p = spec.path("parameters");
          String parameters = "<none>";
          if (p.isObject()) {
            parameters = p.path("kind").asText("");
            if (p.path("apiGroup").isTextual()) {
              parameters += "." + p.path("apiGroup").asText();
            }
            parameters += "/" + p.path("name").asText("");
          }
          g.writeString(spec.path("controller").asText(""));
          g.writeString(parameters);
          g.writeString(age);
        }
      };

  static final ClassColumns PRIORITY_CLASSES =
      new ClassColumns(
          NAME,
          new Column(
              "Value",
              "integer",
              "",
              "value represents the integer value of this priority class. This is the actual"
                  + " priority that pods receive when they have the name of this class in their pod"
                  + " spec.",
              0),
          new Column(
              "Global-Default",
              "boolean",
              "",
              "globalDefault specifies whether this PriorityClass should be considered as the"
                  + " default priority for pods that do not have any priority class. Only one"
                  + " PriorityClass can be marked as `globalDefault`. However, if more than one"
                  + " PriorityClasses exists with their `globalDefault` field set to true, the"
                  + " smallest value of such global default PriorityClasses will be used as the"
                  + " default priority.",
              0),
          AGE,
          new Column(
              "PreemptionPolicy",
              "string",
              "",
              "preemptionPolicy is the Policy for preempting pods with lower priority. One of"
                  + " Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.",
              0)) {
        @Override
        void cells(JsonNode o, String age, JsonGenerator g) throws IOException {
          g.writeNumber(o.path("value").asLong(0));
          g.writeBoolean(o.path("globalDefault").asBoolean(false));
          g.writeString(age);
          JsonNode policy = o.path("preemptionPolicy");
          g.writeString(policy.isTextual() ? policy.asText() : "PreemptLowerPriority");
        }
      };

  static final ClassColumns RUNTIME_CLASSES =
      new ClassColumns(NAME, new Column("Handler", "string", "", "", 0), AGE) {
        @Override
        void cells(JsonNode o, String age, JsonGenerator g) throws IOException {
          g.writeString(o.path("handler").asText(""));
          g.writeString(age);
        }
      };

  private final List<Column> columns;

  private ClassColumns(Column... columns) {
    this.columns = List.of(columns);
  }

  @Override
  public List<Column> columns() {
    return columns;
  }

  @Override
  public void writeCells(byte[] json, Instant now, JsonGenerator g) throws IOException {
    JsonNode o = MAPPER.readTree(json);
    JsonNode metadata = o.path("metadata");
    g.writeStartArray();
    g.writeString(metadata.path("name").asText(""));
    cells(o, TableColumns.age(metadata.path("creationTimestamp").asText(""), now), g);
    g.writeEndArray();
  }

  /** The cells after Name; {@code age} is the Age cell's text. */
  abstract void cells(JsonNode object, String age, JsonGenerator g) throws IOException;
}
