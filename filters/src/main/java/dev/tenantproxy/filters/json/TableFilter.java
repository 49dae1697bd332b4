package dev.tenantproxy.filters.json;

import dev.tenantproxy.filters.json.impl.EnvelopeFilter;
import dev.tenantproxy.filters.json.impl.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Keeps only the visible rows of a {@code meta.k8s.io Table} (v1 or v1beta1), streaming one row at
 * a time; {@code columnDefinitions} and the rest are copied, {@code metadata.remainingItemCount} is
 * dropped. A row's object may be absent ({@code includeObject=None}): the predicate then gets a
 * {@link TableRow} without object and must decide from {@link TableRow#firstCell()} (the name, for
 * namespaces) or drop the row. Failures as for {@link ListFilter}.
 */
public final class TableFilter {
  private final Predicate<TableRow> keep;
  private final String continueToken;

  private TableFilter(Predicate<TableRow> keep, String continueToken) {
    this.keep = Objects.requireNonNull(keep, "keep");
    this.continueToken = continueToken;
  }

  public static TableFilter keeping(Predicate<TableRow> keep) {
    return new TableFilter(keep, null);
  }

  /** As {@link ListFilter#withContinue(String)}. */
  public TableFilter withContinue(String token) {
    return new TableFilter(keep, token);
  }

  public FilterResult filter(InputStream in, OutputStream out) {
    return new EnvelopeFilter("rows", "table", p -> keep.test(Json.readRow(p)), continueToken)
        .filter(in, out);
  }

  public byte[] filter(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
    filter(new ByteArrayInputStream(body), out);
    return out.toByteArray();
  }
}
