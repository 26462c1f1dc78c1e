package dev.fcfs.producer.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

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

    private static final Log log = LogFactory.getLog(AdminToken.class);

    private final byte[] digest;

    private AdminToken(String token) {
        this.digest = sha256(token);
    }

    /**
     * The configured token, or a new random one (logged once at WARN, like Spring Security's generated password)
     * when none is configured.
     * @throws IllegalArgumentException if a configured token is shorter than {@value #MIN_LENGTH} characters
     */
    static AdminToken from(AdminProperties properties) {
        String configured = properties.token();
        if (configured == null || configured.isBlank()) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            log.warn("No reservation.admin.token (RESERVATION_ADMIN_TOKEN) configured. Using generated admin token: "
                    + generated + " (send it as 'Authorization: Bearer <token>' to POST /events, PATCH /events/{id} "
                    + "and /admin/**; "
                    + "configure a token for production)");
            return new AdminToken(generated);
        }
        if (configured.strip().length() < MIN_LENGTH) {
            throw new IllegalArgumentException(
                    "reservation.admin.token must be at least " + MIN_LENGTH + " characters (or empty to generate one)");
        }
        if (!TOKEN68.matcher(configured.strip()).matches()) {
            // a bearer token is RFC 6750's b64token: Spring Security's bearer-token reader refuses anything else as
            // malformed, so such a token could never be sent
            throw new IllegalArgumentException("reservation.admin.token may only contain letters, digits and "
                    + "-._~+/ (with = padding at the end), as a bearer token must (RFC 6750)");
        }
        return new AdminToken(configured.strip());
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
