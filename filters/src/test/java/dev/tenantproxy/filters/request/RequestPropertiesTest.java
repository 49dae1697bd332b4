package dev.tenantproxy.filters.request;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.status.KubeStatusException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Property tests: the request classifier and the Accept parser give a result or a 4xx Status. */
class RequestPropertiesTest {

  @Property(tries = 500)
  void anyRequestIsClassifiedOrRefusedWithA4xx(
      @ForAll("methods") String method,
      @ForAll("paths") String path,
      @ForAll("queries") String query,
      @ForAll("accepts") String accept,
      @ForAll("messy") String contentType) {
    try {
      assertThat(ResourceRequest.classify(method, path, query, accept, contentType)).isNotNull();
    } catch (KubeStatusException e) {
      assertThat(e.code()).isBetween(400, 499);
    }
  }

  @Property(tries = 500)
  void anyAcceptHeaderGivesAFormatOrA4xx(
      @ForAll("accepts") String accept, @ForAll("includeObject") String includeObject) {
    try {
      assertThat(ResponseFormat.of(accept, includeObject)).isNotNull();
    } catch (KubeStatusException e) {
      assertThat(e.code()).isBetween(400, 499);
    }
  }

  @Provide
  Arbitrary<String> methods() {
    return Arbitraries.oneOf(
        Arbitraries.of("GET", "get", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"),
        Arbitraries.strings().ofMaxLength(10));
  }

  @Provide
  Arbitrary<String> paths() {
    Arbitrary<String> segment =
        Arbitraries.oneOf(
            Arbitraries.of(
                "api",
                "apis",
                "v1",
                "apps",
                "namespaces",
                "pods",
                "ns-a",
                "watch",
                "status",
                "finalize",
                "",
                "%",
                "%zz",
                "%00",
                "%2F",
                "..",
                ".",
                "+",
                "\u00e9",
                "\u0000"),
            Arbitraries.strings().ofMaxLength(8));
    return segment.list().ofMaxSize(9).map(l -> "/" + String.join("/", l));
  }

  @Provide
  Arbitrary<String> queries() {
    Arbitrary<String> key =
        Arbitraries.of(
            "limit",
            "continue",
            "labelSelector",
            "fieldSelector",
            "watch",
            "resourceVersion",
            "resourceVersionMatch",
            "timeoutSeconds",
            "allowWatchBookmarks",
            "sendInitialEvents",
            "includeObject",
            "",
            "%",
            "x");
    Arbitrary<String> value =
        Arbitraries.oneOf(
            Arbitraries.of(
                "",
                "1",
                "-1",
                "0",
                "abc",
                "true",
                "false",
                "%",
                "%zz",
                "%00",
                "+",
                "a%3Db",
                "99999999999999999999",
                "NotOlderThan",
                "Exact",
                "metadata.name=x",
                "a in (b"),
            Arbitraries.strings().ofMaxLength(10));
    Arbitrary<String> pair =
        Arbitraries.oneOf(
            net.jqwik.api.Combinators.combine(key, value).as((k, v) -> k + "=" + v),
            key,
            Arbitraries.strings().ofMaxLength(10));
    return Arbitraries.oneOf(
        Arbitraries.just((String) null), pair.list().ofMaxSize(6).map(l -> String.join("&", l)));
  }

  @Provide
  Arbitrary<String> accepts() {
    Arbitrary<String> type =
        Arbitraries.oneOf(
            Arbitraries.of(
                "application/json",
                "application/json;as=Table;v=v1;g=meta.k8s.io",
                "application/json;as=Table;v=v1beta1;g=meta.k8s.io",
                "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
                "application/vnd.kubernetes.protobuf",
                "application/yaml",
                "*/*",
                "application/*",
                "text/plain",
                "application/json;q=0",
                "application/json;q=abc",
                "application/json;q=0.5",
                ";;;",
                "=",
                ""),
            Arbitraries.strings().ofMaxLength(20));
    return Arbitraries.oneOf(
        Arbitraries.just((String) null), type.list().ofMaxSize(4).map(l -> String.join(",", l)));
  }

  @Provide
  Arbitrary<String> includeObject() {
    return Arbitraries.oneOf(
        Arbitraries.of("None", "Metadata", "Object", "", "none"),
        Arbitraries.just((String) null),
        Arbitraries.strings().ofMaxLength(8));
  }

  @Provide
  Arbitrary<String> messy() {
    return Arbitraries.oneOf(
        Arbitraries.just((String) null),
        Arbitraries.of("application/json", "application/merge-patch+json", ""),
        Arbitraries.strings().ofMaxLength(20));
  }
}
