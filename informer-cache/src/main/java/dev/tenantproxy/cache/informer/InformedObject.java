package dev.tenantproxy.cache.informer;

import io.fabric8.kubernetes.api.model.ObjectMeta;

/** What {@link Extractors} read of an informed object: its metadata and its top-level fields. */
interface InformedObject {
  ObjectMeta getMetadata();

  /** A top-level field other than apiVersion, kind and metadata, as plain data; null if absent. */
  Object field(String name);
}
