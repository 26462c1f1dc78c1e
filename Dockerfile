# syntax=docker/dockerfile:1
# The image of either service. Build from the repository root (the context needs the parent pom and shared-model):
#   docker build --build-arg SERVICE=producer-service --build-arg PORT=8080 -t fcfs/producer-service .
#   docker build --build-arg SERVICE=consumer-service --build-arg PORT=8081 -t fcfs/consumer-service .
# The image starts with the JDK's AOT cache (JEP 483/514/515: classes loaded and linked, method profiles), made by a
# training run in the "aot" stage that drives the service's hot path against a throwaway Redis and PostgreSQL: the
# build needs no outside service, and takes about a minute or two longer.
ARG SERVICE=producer-service
ARG PORT=8080

# ---- build: the executable jar, then its layers (dependencies change less often than the application) ----
FROM eclipse-temurin:25-jdk AS build
ARG SERVICE
WORKDIR /workspace

# Every module's pom: the reactor reads them all even when it builds only one module.
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY shared-model/pom.xml shared-model/
COPY test-support/pom.xml test-support/
COPY producer-service/pom.xml producer-service/
COPY consumer-service/pom.xml consumer-service/
COPY load-generator/pom.xml load-generator/
COPY e2e-tests/pom.xml e2e-tests/
COPY dev-launcher/pom.xml dev-launcher/

# test-support is a test-scoped dependency of the service, so "-am" builds it too (tests are not run).
COPY shared-model/src/ shared-model/src/
COPY test-support/src/ test-support/src/
COPY ${SERVICE}/src/ ${SERVICE}/src/

# Extracted without the launcher: app.jar (whose manifest names lib/*.jar) and lib/, spread over the four layer
# folders. The AOT cache works with this form only, not with the executable jar or the JarLauncher layout.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -DskipTests package -pl ${SERVICE} -am \
    && cp ${SERVICE}/target/${SERVICE}.jar app.jar \
    && java -Djarmode=tools -jar app.jar extract --layers --destination extracted

# ---- aot: the training run that writes app.aot ----
# The JVM uses a cache only with the runtime image, class path and jars it was made with, so this stage:
# - is based on the runtime stage's image, eclipse-temurin:25-jre, not on the JDK: a JRE's lib/modules differs from
#   the JDK's of the same release, and a cache made on one is refused by the other ("lib/modules ... size has
#   changed"); the two FROM lines must name the same tag (pin both to the same digest to be sure);
# - lays the application out exactly as the runtime stage does (/app, the same four COPYs of the same files, which
#   keep their sizes and modification times: the JVM checks both for every jar) and runs it the same way, from /app
#   with `-jar app.jar`: the cache holds the class path relative to the working directory.
# scripts/aot-cache.sh starts redis-server and PostgreSQL here (PostgreSQL as the postgres user, not root) on free
# ports, starts the service with -XX:AOTCacheOutput, waits for readiness (the service's warm-up has then driven its
# hot path), adds 10 s of reservation requests with wrk for the producer, stops it with SIGTERM (the JVM writes the
# cache as it exits), and stops and deletes both servers. None of this stage reaches the final image but app.aot.
FROM eclipse-temurin:25-jre AS aot
ARG SERVICE
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl postgresql redis-server wrk \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /workspace/extracted/dependencies/ ./
COPY --from=build /workspace/extracted/spring-boot-loader/ ./
COPY --from=build /workspace/extracted/snapshot-dependencies/ ./
COPY --from=build /workspace/extracted/application/ ./
COPY scripts/aot-cache.sh /opt/aot/aot-cache.sh
# The training run's heap is the one the runtime gets from MaxRAMPercentage=37.5 under a 512 MiB limit (the cache
# is usable with any heap size, and with G1, Serial or Parallel GC).
RUN AOT_PRIVATE_SERVERS=1 AOT_EXTRACT=0 AOT_APP_JAR=app.jar \
    AOT_JAVA_OPTS="-Xmx192m -XX:+ExitOnOutOfMemoryError" \
    /opt/aot/aot-cache.sh ${SERVICE} /app

# ---- run: JRE only, non-root ----
FROM eclipse-temurin:25-jre
ARG PORT

# curl for the health check only.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system fcfs \
    && useradd --system --gid fcfs --home-dir /app --shell /usr/sbin/nologin fcfs

WORKDIR /app
# Least to most frequently changed, so that a code change only replaces the last layers (the application and its
# cache). The same COPYs as in the aot stage: see there why the layout must not differ.
COPY --from=build /workspace/extracted/dependencies/ ./
COPY --from=build /workspace/extracted/spring-boot-loader/ ./
COPY --from=build /workspace/extracted/snapshot-dependencies/ ./
COPY --from=build /workspace/extracted/application/ ./
COPY --from=aot /app/app.aot ./
# Fails the build if this JVM would refuse the cache (it would otherwise only log a warning at every start).
RUN ["java", "-XX:AOTCache=app.aot", "-XX:AOTMode=on", "-XX:-UsePerfData", "-cp", "app.jar", "-version"]

USER fcfs
# Heap: 37.5 % of the container's memory limit, 192 MiB of the 512 MiB each service should get: with 1,000 open
# connections the RSS grows well past the heap, and the AOT cache's class data adds to it
# (docs/operations.md#jvm-settings). Without a memory limit the JVM takes 37.5 % of the host's memory: give the
# container one. The AOT cache is not in JAVA_TOOL_OPTIONS, so that overriding them (deploy/k8s does) keeps it;
# with options the cache does not fit (ZGC on JDK 25, or a heap of 32 GB or more, which turns compressed oops off),
# the JVM warns and runs without it.
# Compiler threads and malloc arenas: docs/operations.md#jvm-settings.
ENV SERVER_PORT=${PORT} \
    MALLOC_ARENA_MAX=2 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=37.5 -XX:CICompilerCount=4 -XX:+ExitOnOutOfMemoryError"
EXPOSE ${PORT}

# Healthy = ready: readiness turns UP only after the start-up warm-up, so nothing is sent to a cold service.
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=5 \
    CMD curl -fsS "http://127.0.0.1:${SERVER_PORT}/actuator/health/readiness" || exit 1

ENTRYPOINT ["java", "-XX:AOTCache=app.aot", "-jar", "app.jar"]
