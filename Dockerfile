# tenant-proxy image. NOT BUILT OR RUN HERE: no container engine or registry is reachable from the
# development machine; what is verified is only that `./mvnw -pl proxy -am package` produces the layout
# copied below (proxy/target/proxy-<version>.jar and proxy/target/lib/*).
#
#   docker build -t tenant-proxy:dev .
#
# Stage 1: the Maven reactor build of the proxy module (tests are run by CI, not here).
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -DskipTests -DskipE2E -Dspotless.skip=true -pl proxy -am package \
 && mkdir -p /out/lib \
 && cp proxy/target/lib/*.jar /out/lib/ \
 && cp "$(ls proxy/target/proxy-*.jar | grep -v -E -- '-(sources|javadoc|tests)\.jar$' | head -1)" /out/tenant-proxy.jar

# Stage 2: JRE only, non-root, nothing written to the root filesystem (the chart mounts /tmp as emptyDir).
# JVM options: bin/jvm.options, the same file bin/tenant-proxy passes (heap, GC); as with the
# launcher, TENANT_PROXY_JAVA_OPTS comes after the file and wins (e.g. TENANT_PROXY_JAVA_OPTS=-Xmx512m).
FROM eclipse-temurin:17-jre
COPY --from=build /out/ /opt/tenant-proxy/
COPY bin/jvm.options /opt/tenant-proxy/jvm.options
USER 65532:65532
ENV MALLOC_ARENA_MAX=2
ENV JAVA_TOOL_OPTIONS="-Djava.io.tmpdir=/tmp"
ENTRYPOINT ["/bin/sh", "-c", "exec java @/opt/tenant-proxy/jvm.options ${TENANT_PROXY_JAVA_OPTS:-} -cp '/opt/tenant-proxy/tenant-proxy.jar:/opt/tenant-proxy/lib/*' dev.tenantproxy.proxy.cli.Main \"$@\"", "tenant-proxy"]
CMD ["serve"]
