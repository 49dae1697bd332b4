package dev.tenantproxy.testsupport;

/** Reads samples from a Prometheus text exposition (a proxy's {@code /metrics}). */
public final class PrometheusText {
  private PrometheusText() {}

  /**
   * The sum of the samples of {@code metric} whose label set contains {@code labelFragment} (empty:
   * every sample), or NaN when there is none.
   */
  public static double sum(String prometheusText, String metric, String labelFragment) {
    double total = 0;
    boolean found = false;
    for (String line : prometheusText.split("\n")) {
      if (line.startsWith(metric + "{") || line.startsWith(metric + " ")) {
        String labels = line.startsWith(metric + "{") ? line.substring(0, line.indexOf('}')) : "";
        if (labelFragment.isEmpty() || labels.contains(labelFragment)) {
          String[] parts = line.trim().split(" ");
          total += Double.parseDouble(parts[parts.length - 1]);
          found = true;
        }
      }
    }
    return found ? total : Double.NaN;
  }
}
