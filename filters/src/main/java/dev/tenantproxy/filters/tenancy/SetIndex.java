package dev.tenantproxy.filters.tenancy;

import java.util.Collection;
import org.pcollections.PMap;
import org.pcollections.TreePSet;

/** Helpers for persistent multimaps (key → sorted set), dropping keys whose set becomes empty. */
final class SetIndex {
  private SetIndex() {}

  @SuppressWarnings("unchecked")
  static <K, M extends PMap<K, TreePSet<String>>> M add(M map, K key, String value) {
    TreePSet<String> set = map.get(key);
    return (M) map.plus(key, set == null ? TreePSet.singleton(value) : set.plus(value));
  }

  @SuppressWarnings("unchecked")
  static <K, M extends PMap<K, TreePSet<String>>> M addAll(
      M map, K key, Collection<String> values) {
    TreePSet<String> set = map.get(key);
    return (M) map.plus(key, set == null ? TreePSet.from(values) : set.plusAll(values));
  }

  @SuppressWarnings("unchecked")
  static <K, M extends PMap<K, TreePSet<String>>> M removeAll(
      M map, K key, Collection<String> values) {
    TreePSet<String> set = map.get(key);
    if (set == null) {
      return map;
    }
    TreePSet<String> rest = set.minusAll(values);
    return (M) (rest.isEmpty() ? map.minus(key) : map.plus(key, rest));
  }

  @SuppressWarnings("unchecked")
  static <K, M extends PMap<K, TreePSet<String>>> M remove(M map, K key, String value) {
    TreePSet<String> set = map.get(key);
    if (set == null || !set.contains(value)) {
      return map;
    }
    TreePSet<String> rest = set.minus(value);
    return (M) (rest.isEmpty() ? map.minus(key) : map.plus(key, rest));
  }
}
