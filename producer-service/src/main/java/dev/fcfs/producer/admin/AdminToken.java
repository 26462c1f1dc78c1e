package dev.fcfs.producer.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin bearer token (a credential with the admin authority, see {@code security/BearerAuthenticationManager}).
 * Only its SHA-256 digest is kept, and a presented token is compared digest to digest with
 * {@link MessageDigest#isEqual}, which takes the same time whatever the content: neither the content nor the length
 * of the real token leaks through response timing.
 */
public final class AdminToken {

    /** Shortest configured token accepted: anything shorter is guessable. */
    public static final int MIN_LENGTH = 16;

    private static final Pattern TOKEN68 = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

    private static final Logger log = LoggerFactory.getLogger(AdminToken.class);

    private final byte[] digest;

    private AdminToken(String token) {
        this.digest = sha256(token);
    }

    /**
     * The configured token, or a new random one when none is configured (logged once at WARN, like Spring Security's
     * generated password, and written to a file only this service's user can read).
     * @param structuredLogs whether logs are structured (JSON for a log shipper): the generated token is then kept out
     * of them, and the operator reads it from the file the log line names
     * @throws IllegalArgumentException if a configured token is shorter than {@value #MIN_LENGTH} characters
     */
    static AdminToken from(AdminProperties properties, boolean structuredLogs) {
        String configured = properties.token();
        if (configured == null || configured.isBlank()) {
            return generate(properties.generatedTokenFile(), structuredLogs);
        }
        if (configured.strip().length() < MIN_LENGTH) {
            throw new IllegalArgumentException("reservation.admin.token must be at least " + MIN_LENGTH
                    + " characters (or empty to generate one)");
        }
        if (!TOKEN68.matcher(configured.strip()).matches()) {
            // a bearer token is RFC 6750's b64token: Spring Security's bearer-token reader refuses anything else as
            // malformed, so such a token could never be sent
            throw new IllegalArgumentException("reservation.admin.token may only contain letters, digits and "
                    + "-._~+/ (with = padding at the end), as a bearer token must (RFC 6750)");
        }
        return new AdminToken(configured.strip());
    }

    private static AdminToken generate(@Nullable Path configuredFile, boolean structuredLogs) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path file = (configuredFile != null) ? configuredFile
                : Path.of(System.getProperty("java.io.tmpdir"), "fcfs-admin-token-" + ProcessHandle.current().pid());
        String written = writeOwnerOnly(file, generated) ? file.toAbsolutePath().toString() : null;
        String use = "send it as 'Authorization: Bearer <token>' to POST /events, PATCH /events/{id} and /admin/**; "
                + "every instance generates its own, so configure reservation.admin.token for anything but a try-out";
        if (!structuredLogs) {
            log.warn("No reservation.admin.token (RESERVATION_ADMIN_TOKEN) configured. Using generated admin token: {} "
                    + "({}; also in {})", generated, use,
                    (written != null) ? written : "no file: it could not be written");
        }
        else if (written != null) {
            // structured logs are shipped, indexed and kept: a working credential has no place in them
            log.warn("No reservation.admin.token (RESERVATION_ADMIN_TOKEN) configured. Using a generated admin token "
                    + "starting '{}', kept out of the logs: read it from {} on this instance ({})",
                    generated.substring(0, 4), written, use);
        }
        else {
            log.warn("No reservation.admin.token (RESERVATION_ADMIN_TOKEN) configured, and the generated one could not "
                    + "be written to {}: the admin paths cannot be used until a token is configured", file);
        }
        return new AdminToken(generated);
    }

    /** Writes the text to a new file readable and writable by this process's user only; false if it cannot. */
    private static boolean writeOwnerOnly(Path file, String text) {
        try {
            Files.deleteIfExists(file);
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(file,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            else {
                Files.createFile(file);
            }
            Files.writeString(file, text + System.lineSeparator());
            file.toFile().deleteOnExit();
            return true;
        }
        catch (IOException | UnsupportedOperationException | SecurityException ex) {
            log.warn("Could not write the generated admin token to {}: {}", file, ex.toString());
            return false;
        }
    }

    /** Whether a presented token is the admin token; constant time for any input. */
    public boolean matches(@Nullable String presented) {
        return presented != null && MessageDigest.isEqual(this.digest, sha256(presented));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("Every JVM has SHA-256", ex);
        }
    }

}
