package dev.fcfs.producer.admin;

import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the admin endpoints, bound from {@code reservation.admin.*}.
 *
 * @param token the bearer token that grants the admin paths ({@code POST /events}, {@code PATCH /events/*},
 * {@code /admin/**}) (env
 * {@code RESERVATION_ADMIN_TOKEN}); at least {@value AdminToken#MIN_LENGTH} characters. When it is empty a random one
 * is generated at start-up and logged once at WARN (in full only when logs are plain text): the service never runs
 * open.
 * @param generatedTokenFile where a generated token is written, readable by the service's user only; default
 * {@code <java.io.tmpdir>/fcfs-admin-token-<pid>}, deleted when the service stops
 */
@ConfigurationProperties("reservation.admin")
public record AdminProperties(@Nullable String token, @Nullable Path generatedTokenFile) {
}
