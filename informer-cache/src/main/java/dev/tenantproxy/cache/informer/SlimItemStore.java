package dev.tenantproxy.cache.informer;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The fabric8 informer's own store, slimmed: per key only apiVersion, kind, name, namespace, uid
 * and resourceVersion, which is all fabric8 needs (keys, and RVs to tell updates from repeats). The
 * index keeps everything it needs in its snapshot and watch caches, so holding every full object a
 * second time in fabric8's store would more than double the memory per object.
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
final class SlimItemStore implements ItemStore<GenericKubernetesResource> {
  private final Map<String, GenericKubernetesResource> items = new ConcurrentHashMap<>();

  @Override
  public String getKey(GenericKubernetesResource obj) {
    return Extractors.key(obj);
  }

  @Override
  public GenericKubernetesResource put(String key, GenericKubernetesResource obj) {
    return items.put(key, slim(obj));
  }

  @Override
  public GenericKubernetesResource remove(String key) {
    return items.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet().stream();
  }

  @Override
  public Stream<GenericKubernetesResource> values() {
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
  public GenericKubernetesResource get(String key) {
    return items.get(key);
  }

  static GenericKubernetesResource slim(GenericKubernetesResource obj) {
    ObjectMeta m = obj.getMetadata();
    ObjectMeta meta = new ObjectMeta();
    meta.setName(m.getName());
    meta.setNamespace(m.getNamespace());
    meta.setUid(m.getUid());
    meta.setResourceVersion(m.getResourceVersion());
    GenericKubernetesResource slim = new GenericKubernetesResource();
    slim.setApiVersion(obj.getApiVersion());
    slim.setKind(obj.getKind());
    slim.setMetadata(meta);
    return slim;
  }
}
