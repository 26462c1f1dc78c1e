# syntax=docker/dockerfile:1
# The image of either service. Build from the repository root (the context needs the parent pom and shared-model):
#   docker build --build-arg SERVICE=producer-service --build-arg PORT=8080 -t fcfs/producer-service .
#   docker build --build-arg SERVICE=consumer-service --build-arg PORT=8081 -t fcfs/consumer-service .
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

RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -DskipTests package -pl ${SERVICE} -am \
    && cp ${SERVICE}/target/${SERVICE}.jar app.jar \
    && java -Djarmode=tools -jar app.jar extract --layers --launcher --destination extracted

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
# Least to most frequently changed, so that a code change only replaces the last layer.
COPY --from=build /workspace/extracted/dependencies/ ./
COPY --from=build /workspace/extracted/spring-boot-loader/ ./
COPY --from=build /workspace/extracted/snapshot-dependencies/ ./
COPY --from=build /workspace/extracted/application/ ./

USER fcfs
ENV SERVER_PORT=${PORT} \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE ${PORT}

HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=5 \
    CMD curl -fsS "http://127.0.0.1:${SERVER_PORT}/actuator/health/liveness" || exit 1

ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
