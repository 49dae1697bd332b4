package dev.tenantproxy.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

class RequestAttributesTest {

  @Test
  void namespacedListGetAndWatchAreRecognised() {
    RequestAttributes list =
        RequestAttributes.parse(
            HttpMethod.GET, "/api/v1/namespaces/solar-dev/configmaps", "limit=500");
    RequestAttributes get =
        RequestAttributes.parse(HttpMethod.GET, "/api/v1/namespaces/solar-dev/configmaps/a", null);
    RequestAttributes watch =
        RequestAttributes.parse(
            HttpMethod.GET, "/apis/apps/v1/namespaces/x/deployments", "watch=true");

    assertThat(list.verb()).isEqualTo("list");
    assertThat(list.namespace()).isEqualTo("solar-dev");
    assertThat(list.resource()).isEqualTo("configmaps");
    assertThat(get.verb()).isEqualTo("get");
    assertThat(get.name()).isEqualTo("a");
    assertThat(watch.verb()).isEqualTo("watch");
    assertThat(watch.apiGroup()).isEqualTo("apps");
    assertThat(watch.isWatch()).isTrue();
  }

  @Test
  void namespaceObjectsAndTheirSubresourcesAreClusterScopedNamespaces() {
    RequestAttributes ns =
        RequestAttributes.parse(HttpMethod.DELETE, "/api/v1/namespaces/foo", null);
    RequestAttributes fin =
        RequestAttributes.parse(HttpMethod.PUT, "/api/v1/namespaces/foo/finalize", null);

    assertThat(ns.verb()).isEqualTo("delete");
    assertThat(ns.resource()).isEqualTo("namespaces");
    assertThat(ns.name()).isEqualTo("foo");
    assertThat(fin.resource()).isEqualTo("namespaces");
    assertThat(fin.subresource()).isEqualTo("finalize");
    assertThat(fin.verb()).isEqualTo("update");
  }

  @Test
  void legacyWatchPathsAndSubresourcesAndNonResourcePaths() {
    RequestAttributes legacy =
        RequestAttributes.parse(HttpMethod.GET, "/api/v1/watch/namespaces/foo", null);
    RequestAttributes exec =
        RequestAttributes.parse(HttpMethod.POST, "/api/v1/namespaces/a/pods/p/exec", "command=sh");
    RequestAttributes version = RequestAttributes.parse(HttpMethod.GET, "/version", null);

    assertThat(legacy.verb()).isEqualTo("watch");
    assertThat(exec.subresource()).isEqualTo("exec");
    assertThat(exec.verb()).isEqualTo("create");
    assertThat(version.resourceRequest()).isFalse();
    assertThat(RequestAttributes.parse(HttpMethod.GET, "/apis/apps/v1", null).resourceRequest())
        .isFalse();
    assertThat(version.verb()).isEqualTo("get");
  }

  @Test
  void deleteWithoutNameIsDeletecollection() {
    assertThat(
            RequestAttributes.parse(HttpMethod.DELETE, "/api/v1/namespaces/a/configmaps", null)
                .verb())
        .isEqualTo("deletecollection");
  }
}
