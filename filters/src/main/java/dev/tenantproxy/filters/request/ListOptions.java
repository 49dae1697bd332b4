package dev.tenantproxy.filters.request;

import dev.tenantproxy.filters.selector.FieldSelector;
import dev.tenantproxy.filters.selector.LabelSelector;
import java.util.Objects;

/**
 * The list/watch parameters of a request ({@code meta/v1 ListOptions}), decoded as the API server
 * decodes them (first value of each parameter wins). Selectors are given raw (for forwarding) and
 * parsed; field names are not yet checked against the resource (see {@link
 * FieldSelector#validate(dev.tenantproxy.filters.selector.FieldLabels)}).
 *
 * @param limit the page size; 0 (or negative) means no limit
 * @param timeoutSeconds null when absent; may be negative or 0 (the API server does not reject it)
 * @param sendInitialEvents null when absent
 */
public record ListOptions(
    String labelSelectorRaw,
    LabelSelector labelSelector,
    String fieldSelectorRaw,
    FieldSelector fieldSelector,
    boolean watch,
    long limit,
    String continueToken,
    String resourceVersion,
    String resourceVersionMatch,
    Long timeoutSeconds,
    boolean allowWatchBookmarks,
    Boolean sendInitialEvents) {

  /** No parameters: everything, no paging, no resourceVersion. */
  public static final ListOptions NONE =
      new ListOptions(
          "",
          LabelSelector.everything(),
          "",
          FieldSelector.everything(),
          false,
          0,
          "",
          "",
          "",
          null,
          false,
          null);

  public ListOptions {
    Objects.requireNonNull(labelSelectorRaw, "labelSelectorRaw");
    Objects.requireNonNull(labelSelector, "labelSelector");
    Objects.requireNonNull(fieldSelectorRaw, "fieldSelectorRaw");
    Objects.requireNonNull(fieldSelector, "fieldSelector");
    Objects.requireNonNull(continueToken, "continueToken");
    Objects.requireNonNull(resourceVersion, "resourceVersion");
    Objects.requireNonNull(resourceVersionMatch, "resourceVersionMatch");
  }

  /** A WatchList request (KEP-3157): {@code sendInitialEvents=true} on a watch. */
  public boolean isWatchList() {
    return watch && Boolean.TRUE.equals(sendInitialEvents);
  }
}
