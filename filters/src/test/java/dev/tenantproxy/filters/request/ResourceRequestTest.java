package dev.tenantproxy.filters.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ResourceRequestTest {

  /** method, path?query, verb, group, version, namespace, resource, name, subresource. */
  static Stream<Arguments> shapes() {
    return Stream.of(
        // kubectl get ns / -w / get ns foo -w / delete ns foo wait loop
        arguments(
            "GET", "/api/v1/namespaces?limit=500", "list", "", "v1", "", "namespaces", "", ""),
        arguments(
            "GET",
            "/api/v1/namespaces?resourceVersion=5&watch=true",
            "watch",
            "",
            "v1",
            "",
            "namespaces",
            "",
            ""),
        arguments("GET", "/api/v1/namespaces/foo", "get", "", "v1", "foo", "namespaces", "foo", ""),
        arguments(
            "GET",
            "/api/v1/namespaces?fieldSelector=metadata.name%3Dfoo&limit=500&resourceVersion=0",
            "list",
            "",
            "v1",
            "",
            "namespaces",
            "foo",
            ""),
        arguments(
            "GET",
            "/api/v1/namespaces?allowWatchBookmarks=true&fieldSelector=metadata.name%3Dfoo&resourceVersion=7&timeoutSeconds=300&watch=true",
            "watch",
            "",
            "v1",
            "",
            "namespaces",
            "foo",
            ""),
        arguments(
            "DELETE", "/api/v1/namespaces/foo", "delete", "", "v1", "foo", "namespaces", "foo", ""),
        arguments("POST", "/api/v1/namespaces", "create", "", "v1", "", "namespaces", "", ""),
        arguments(
            "PUT",
            "/api/v1/namespaces/foo/finalize",
            "update",
            "",
            "v1",
            "foo",
            "namespaces",
            "foo",
            "finalize"),
        arguments(
            "PATCH",
            "/api/v1/namespaces/foo/status",
            "patch",
            "",
            "v1",
            "foo",
            "namespaces",
            "foo",
            "status"),
        arguments(
            "HEAD", "/api/v1/namespaces/foo", "get", "", "v1", "foo", "namespaces", "foo", ""),
        // legacy watch paths
        arguments("GET", "/api/v1/watch/namespaces", "watch", "", "v1", "", "namespaces", "", ""),
        arguments(
            "GET",
            "/api/v1/watch/namespaces/foo",
            "watch",
            "",
            "v1",
            "foo",
            "namespaces",
            "foo",
            ""),
        arguments(
            "GET", "/api/v1/watch/namespaces/ns/pods", "watch", "", "v1", "ns", "pods", "", ""),
        arguments(
            "GET",
            "/apis/capsule.clastix.io/v1beta2/watch/tenants",
            "watch",
            "capsule.clastix.io",
            "v1beta2",
            "",
            "tenants",
            "",
            ""),
        // namespaced resources and subresources
        arguments("GET", "/api/v1/namespaces/ns/pods", "list", "", "v1", "ns", "pods", "", ""),
        arguments("GET", "/api/v1/namespaces/ns/pods/p", "get", "", "v1", "ns", "pods", "p", ""),
        arguments(
            "GET", "/api/v1/namespaces/ns/pods/p/log", "get", "", "v1", "ns", "pods", "p", "log"),
        arguments(
            "POST",
            "/api/v1/namespaces/ns/pods/p/exec?command=ls&stdin=true",
            "create",
            "",
            "v1",
            "ns",
            "pods",
            "p",
            "exec"),
        arguments(
            "GET",
            "/api/v1/namespaces/ns/pods/p/exec?command=ls",
            "get",
            "",
            "v1",
            "ns",
            "pods",
            "p",
            "exec"),
        arguments(
            "DELETE",
            "/api/v1/namespaces/ns/pods",
            "deletecollection",
            "",
            "v1",
            "ns",
            "pods",
            "",
            ""),
        arguments(
            "GET",
            "/apis/apps/v1/namespaces/ns/deployments/d/scale",
            "get",
            "apps",
            "v1",
            "ns",
            "deployments",
            "d",
            "scale"),
        arguments(
            "GET", "/apis/apps/v1/deployments", "list", "apps", "v1", "", "deployments", "", ""),
        arguments("GET", "/api/v1/nodes/n1", "get", "", "v1", "", "nodes", "n1", ""),
        arguments(
            "GET",
            "/apis/capsule.clastix.io/v1beta2/tenants/t1",
            "get",
            "capsule.clastix.io",
            "v1beta2",
            "",
            "tenants",
            "t1",
            ""),
        arguments(
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            "create",
            "authorization.k8s.io",
            "v1",
            "",
            "selfsubjectaccessreviews",
            "",
            ""),
        arguments(
            "GET",
            "/api/v1/namespaces/ns/services/s:80/proxy/a/b",
            "get",
            "",
            "v1",
            "ns",
            "services",
            "s:80",
            "proxy"),
        arguments(
            "GET",
            "/api/v1/proxy/namespaces/ns/pods/p/x",
            "proxy",
            "",
            "v1",
            "ns",
            "pods",
            "p",
            ""),
        arguments("GET", "/api/v1/namespaces/", "list", "", "v1", "", "namespaces", "", ""),
        arguments(
            "GET", "/api/v1/namespaces/a%20b", "get", "", "v1", "a b", "namespaces", "a b", ""),
        arguments(
            "OPTIONS", "/api/v1/namespaces/foo", "", "", "v1", "foo", "namespaces", "foo", ""));
  }

  @ParameterizedTest(name = "[{index}] {0} {1}")
  @MethodSource("shapes")
  void classifiesResourcePathsLikeRequestInfoFactory(
      String method,
      String target,
      String verb,
      String group,
      String version,
      String namespace,
      String resource,
      String name,
      String subresource) {
    int q = target.indexOf('?');
    ResourceRequest r =
        ResourceRequest.classify(
            method,
            q < 0 ? target : target.substring(0, q),
            q < 0 ? null : target.substring(q + 1),
            null,
            null);
    assertThat(r.isResourceRequest()).isTrue();
    assertThat(r.verb()).isEqualTo(verb);
    assertThat(r.apiGroup()).isEqualTo(group);
    assertThat(r.apiVersion()).isEqualTo(version);
    assertThat(r.namespace()).isEqualTo(namespace);
    assertThat(r.resource()).isEqualTo(resource);
    assertThat(r.name()).isEqualTo(name);
    assertThat(r.subresource()).isEqualTo(subresource);
  }

  static Stream<Arguments> nonResourcePaths() {
    return Stream.of(
        arguments("GET", "/api", "get"),
        arguments("GET", "/apis", "get"),
        arguments("GET", "/api/v1", "get"),
        arguments("GET", "/apis/apps/v1", "get"),
        arguments("GET", "/apis/apps", "get"),
        arguments("GET", "/version", "get"),
        arguments("GET", "/openapi/v2", "get"),
        arguments("GET", "/openapi/v3/apis/apps/v1", "get"),
        arguments("GET", "/healthz", "get"),
        arguments("POST", "/logs/x/y", "post"),
        arguments("GET", "/", "get"));
  }

  @ParameterizedTest(name = "[{index}] {0} {1}")
  @MethodSource("nonResourcePaths")
  void discoveryAndHealthPathsAreNonResourceRequests(String method, String path, String verb) {
    ResourceRequest r = ResourceRequest.classify(method, path, null, null, null);
    assertThat(r.isResourceRequest()).isFalse();
    assertThat(r.verb()).isEqualTo(verb);
    assertThat(r.resource()).isEmpty();
  }

  @Test
  void watchParameterIsTrueForAnythingButZeroOrFalse() {
    assertThat(list("watch=1").verb()).isEqualTo("watch");
    assertThat(list("watch=true").verb()).isEqualTo("watch");
    assertThat(list("watch=").verb()).isEqualTo("watch");
    assertThat(list("watch=0").verb()).isEqualTo("list");
    assertThat(list("watch=FALSE").verb()).isEqualTo("list");
    assertThat(list("watch=false&watch=true").verb()).isEqualTo("list");
  }

  @Test
  void namespaceObjectCountsAsItsOwnNamespace() {
    ResourceRequest r = ResourceRequest.classify("GET", "/api/v1/namespaces/foo", "", null, null);
    assertThat(r.isNamespaceObject()).isTrue();
    assertThat(r.namespace()).isEqualTo("foo");
    assertThat(
            ResourceRequest.classify("GET", "/api/v1/namespaces/foo/pods", "", null, null)
                .isNamespaceObject())
        .isFalse();
  }

  @Test
  void exactNameSelectorNamesTheListButKeepsTheListVerb() {
    ResourceRequest r = list("fieldSelector=metadata.name%3D%3Dfoo");
    assertThat(r.verb()).isEqualTo("list");
    assertThat(r.name()).isEqualTo("foo");
    assertThat(r.isNamespaceObject()).isFalse();
    assertThat(list("fieldSelector=metadata.name%3Dfoo%2Fbar").name()).isEmpty();
  }

  @Test
  void listOptionsAreDecoded() {
    ResourceRequest r =
        list(
            "labelSelector=env+in+(a%2Cb)&fieldSelector=status.phase%21%3DActive&limit=500"
                + "&resourceVersion=10&resourceVersionMatch=NotOlderThan&timeoutSeconds=30"
                + "&allowWatchBookmarks=true&sendInitialEvents=true&watch=1");
    ListOptions o = r.listOptions();
    assertThat(o.labelSelectorRaw()).isEqualTo("env in (a,b)");
    assertThat(o.labelSelector().toString()).isEqualTo("env in (a,b)");
    assertThat(o.fieldSelector().toString()).isEqualTo("status.phase!=Active");
    assertThat(o.limit()).isEqualTo(500);
    assertThat(o.continueToken()).isEmpty();
    assertThat(o.resourceVersion()).isEqualTo("10");
    assertThat(o.resourceVersionMatch()).isEqualTo("NotOlderThan");
    assertThat(o.timeoutSeconds()).isEqualTo(30L);
    assertThat(o.allowWatchBookmarks()).isTrue();
    assertThat(o.isWatchList()).isTrue();
  }

  @Test
  void absentListOptionsHaveDefaults() {
    ListOptions o = list("").listOptions();
    assertThat(o.limit()).isZero();
    assertThat(o.timeoutSeconds()).isNull();
    assertThat(o.sendInitialEvents()).isNull();
    assertThat(o.labelSelector().isEmpty()).isTrue();
  }

  @Test
  void nonListRequestsIgnoreListParameters() {
    ResourceRequest r =
        ResourceRequest.classify(
            "GET", "/api/v1/namespaces/foo", "limit=abc&labelSelector=%3D", null, null);
    assertThat(r.verb()).isEqualTo("get");
    assertThat(r.listOptions()).isEqualTo(ListOptions.NONE);
  }

  static Stream<Arguments> badRequests() {
    return Stream.of(
        arguments("limit=abc", 400, "strconv.ParseInt: parsing \"abc\": invalid syntax"),
        arguments("limit=", 400, "strconv.ParseInt: parsing \"\": invalid syntax"),
        arguments(
            "limit=99999999999999999999",
            400,
            "strconv.ParseInt: parsing \"99999999999999999999\": value out of range"),
        arguments(
            "timeoutSeconds=1.5&watch=1", 400, "strconv.ParseInt: parsing \"1.5\": invalid syntax"),
        arguments(
            "labelSelector=a+b",
            400,
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        arguments("fieldSelector=foo", 400, "invalid selector: 'foo'; can't understand 'foo'"),
        arguments(
            "resourceVersionMatch=Exact",
            422,
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"),
        arguments(
            "sendInitialEvents=true",
            422,
            "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"),
        arguments(
            "watch=1&sendInitialEvents=true",
            422,
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"),
        arguments(
            "resourceVersion=0&resourceVersionMatch=Exact",
            422,
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("badRequests")
  void rejectsBadListParametersLikeTheApiServer(String query, int code, String message) {
    assertThatThrownBy(() -> list(query))
        .isInstanceOfSatisfying(
            KubeStatusException.class, e -> assertThat(e.code()).isEqualTo(code))
        .hasMessage(message);
  }

  @Test
  void negativeTimeoutAndLimitAreAcceptedAsTheApiServerDoes() {
    ListOptions o = list("watch=1&timeoutSeconds=-1&limit=-5").listOptions();
    assertThat(o.timeoutSeconds()).isEqualTo(-1L);
    assertThat(o.limit()).isEqualTo(-5L);
  }

  @Test
  void deleteCollectionDecodesItsSelectors() {
    ResourceRequest r =
        ResourceRequest.classify(
            "DELETE", "/api/v1/namespaces/ns/pods", "labelSelector=app%3Dx", null, null);
    assertThat(r.verb()).isEqualTo("deletecollection");
    assertThat(r.listOptions().labelSelector().exactMatch("app")).contains("x");
  }

  @Test
  void watchOnSpecialVerbWithoutResourceIsABadRequest() {
    assertThatThrownBy(() -> ResourceRequest.classify("GET", "/api/v1/watch", null, null, null))
        .isInstanceOfSatisfying(
            KubeStatusException.class, e -> assertThat(e.code()).isEqualTo(400));
  }

  @Test
  void legacyWatchPathIsFlagged() {
    assertThat(
            ResourceRequest.classify("GET", "/api/v1/watch/namespaces", null, null, null)
                .legacyWatchPath())
        .isTrue();
    assertThat(list("watch=1").legacyWatchPath()).isFalse();
  }

  @Test
  void kubectlTableAcceptIsRecordedOnTheRequest() {
    ResourceRequest r =
        ResourceRequest.classify(
            "GET",
            "/api/v1/namespaces",
            "limit=500",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
            null);
    assertThat(r.format().isTable()).isTrue();
    assertThat(r.format().representationVersion()).isEqualTo("v1");
  }

  private static ResourceRequest list(String query) {
    return ResourceRequest.classify("GET", "/api/v1/namespaces", query, null, null);
  }
}
