package dev.tenantproxy.proxy.explain;

import dev.tenantproxy.filters.visibility.Reason;
import java.util.Map;
import java.util.stream.Collectors;

/** Renders an {@link Explanation} for people: one block per kind, reasons spelled out. */
public final class ExplainText {
  private ExplainText() {}

  public static String render(Explanation e) {
    StringBuilder out = new StringBuilder();
    if (e.object() != null) {
      object(out, e, e.object());
      return out.toString();
    }
    header(out, e);
    for (Explanation.KindView k : e.kinds()) {
      out.append('\n');
      kind(out, e, k);
    }
    return out.toString();
  }

  private static void header(StringBuilder out, Explanation e) {
    out.append("User ").append(e.user()).append(groups(e)).append('\n');
    if (!e.capsuleUser()) {
      out.append("  not a Capsule user: tenant-proxy passes every request through to the API")
          .append(" server as this user, whose own RBAC decides\n");
      return;
    }
    out.append("  a Capsule user: tenant-proxy answers the cluster-scoped reads below itself\n");
    out.append("  owns tenants: ")
        .append(e.ownedTenants().isEmpty() ? "none" : String.join(", ", e.ownedTenants()))
        .append('\n');
  }

  private static void kind(StringBuilder out, Explanation e, Explanation.KindView k) {
    out.append(k.resource()).append(" (").append(k.apiVersion()).append("): ");
    if (k.error() != null) {
      out.append("cannot list: ").append(k.error()).append('\n');
    } else if (!k.served()) {
      out.append("nothing granted\n");
      out.append("  requests pass through to the API server as ")
          .append(e.user())
          .append(" (its RBAC answers, usually 403 Forbidden)\n");
    } else {
      out.append(k.visible().size()).append(" of ").append(k.total()).append(" visible\n");
    }
    if (!k.rules().isEmpty()) {
      out.append("  rules that apply:\n");
      for (Reason r : k.rules()) {
        out.append("    + ").append(r.source()).append(' ').append(r.detail()).append('\n');
        if (r.grant() != null) {
          out.append("        grant: ").append(r.grant()).append('\n');
        }
      }
    }
    if (!k.inactive().isEmpty()) {
      out.append("  rules that do not apply:\n");
      for (String s : k.inactive()) {
        out.append("    - ").append(s).append('\n');
      }
    }
    if (k.served() && k.error() == null) {
      if (k.visible().isEmpty()) {
        out.append("  visible: none (an empty list)\n");
      } else {
        out.append("  visible:\n");
        int width = k.visible().stream().mapToInt(i -> i.name().length()).max().orElse(0);
        for (Explanation.Item i : k.visible()) {
          out.append("    ")
              .append(pad(i.name(), width))
              .append("  ")
              .append(
                  i.reasons().stream()
                      .map(r -> r.source() + " " + r.detail())
                      .collect(Collectors.joining("; ")))
              .append('\n');
        }
      }
    }
  }

  private static void object(StringBuilder out, Explanation e, Explanation.ObjectView o) {
    out.append(o.resource())
        .append('/')
        .append(o.name())
        .append(" for User ")
        .append(e.user())
        .append(groups(e))
        .append(": ")
        .append(o.visible() ? "VISIBLE" : o.exists() ? "NOT VISIBLE" : "DOES NOT EXIST")
        .append('\n');
    if (!o.labels().isEmpty()) {
      out.append("  labels: ").append(labels(o.labels())).append('\n');
    }
    if (o.visible()) {
      out.append("  because:\n");
      for (Reason r : o.reasons()) {
        out.append("    + ").append(r.describe()).append('\n');
      }
      out.append("  writes through the proxy:\n");
      for (Explanation.Write w : o.writes()) {
        out.append("    ")
            .append(pad(w.operation() + ":", 7))
            .append(w.allowed() ? " yes  " : " no   ")
            .append(w.reason())
            .append('\n');
      }
    } else {
      out.append("  why not:\n");
      for (String s : o.whyNot()) {
        out.append("    - ").append(s).append('\n');
      }
    }
  }

  private static String groups(Explanation e) {
    return e.groups().isEmpty() ? "" : " (groups: " + String.join(", ", e.groups()) + ")";
  }

  private static String labels(Map<String, String> labels) {
    return labels.entrySet().stream()
        .map(en -> en.getKey() + "=" + en.getValue())
        .collect(Collectors.joining(", "));
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }
}
