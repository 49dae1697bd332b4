package dev.tenantproxy.filters.json;

/**
 * What a predicate may look at of one {@code Table} row: the metadata of {@code rows[].object}
 * (null when the row carries no object, e.g. {@code includeObject=None}) and the first cell when it
 * is a string (for namespaces and most kinds the first cell is the object's name).
 */
public record TableRow(ItemMeta object, String firstCell) {

  /** The row's object name: from its object when present, else the first cell (or ""). */
  public String name() {
    if (object != null) {
      return object.name();
    }
    return firstCell == null ? "" : firstCell;
  }

  /** The row's namespace from its object; "" when the row has no object. */
  public String namespace() {
    return object == null ? "" : object.namespace();
  }
}
