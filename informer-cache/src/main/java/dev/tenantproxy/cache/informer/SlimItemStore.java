package dev.tenantproxy.cache.informer;

import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The fabric8 informer's own store, slimmed: per key only apiVersion, kind, name, namespace, uid
 * and resourceVersion ({@link WireObject#slim()}, with a JSON of just these), which is all fabric8
 * needs (keys, and RVs to tell updates from repeats). The index keeps everything it needs in its
 * snapshot and watch caches, so holding every full object a second time in fabric8's store would
 * more than double the memory per object.
 *
 * <p>Consequence: objects fabric8 takes from its store (the {@code old} of {@code onUpdate}, and
 * deletions it infers after a re-list) are slim; the index never reads {@code old}, and the watch
 * cache uses its own last full state for inferred deletions. Stored objects are fresh copies; the
 * informer's objects are never modified.
 *
 * <p>{@link #isFullState()} is false so that fabric8 hands the adds of a first list to the handler
 * at once, with the listed (full) object, instead of deferring them to the end of the list and then
 * reading them back from this store (they would be slim).
 */
final class SlimItemStore implements ItemStore<WireObject> {
  private final Map<String, WireObject> items = new ConcurrentHashMap<>();

  @Override
  public String getKey(WireObject obj) {
    return Extractors.key(obj);
  }

  @Override
  public WireObject put(String key, WireObject obj) {
    return items.put(key, slim(obj));
  }

  @Override
  public WireObject remove(String key) {
    return items.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet().stream();
  }

  @Override
  public Stream<WireObject> values() {
    return items.values().stream();
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public boolean isFullState() {
    return false;
  }

  @Override
  public WireObject get(String key) {
    return items.get(key);
  }

  static WireObject slim(WireObject obj) {
    return obj.slim();
  }
}
