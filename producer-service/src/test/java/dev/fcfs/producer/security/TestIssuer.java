package dev.fcfs.producer.security;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.Executors;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

/**
 * A token issuer for tests: an RSA key pair made here, its public JWK set served over HTTP on an ephemeral loopback
 * port ({@link #jwkSetUri()}), and tokens signed with it (or, to be refused, with another key of the same id). One per
 * test JVM; no external issuer.
 */
public final class TestIssuer {

    /** The scope that grants the admin authority under the default settings. */
    public static final String ADMIN_SCOPE = "reservations:admin";

    private static final TestIssuer INSTANCE = new TestIssuer();

    private final RSAKey key;

    private final RSAKey impostor;

    private final HttpServer server;

    private TestIssuer() {
        try {
            this.key = new RSAKeyGenerator(2048).keyID("test-key").generate();
            // the same key id, another key: its signatures must not verify
            this.impostor = new RSAKeyGenerator(2048).keyID("test-key").generate();
            byte[] jwks = new JWKSet(this.key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            this.server.createContext("/jwks.json", (exchange) -> {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, jwks.length);
                try (OutputStream body = exchange.getResponseBody()) {
                    body.write(jwks);
                }
            });
            this.server.setExecutor(Executors.newSingleThreadExecutor((task) -> {
                Thread thread = new Thread(task, "test-jwks");
                thread.setDaemon(true);
                return thread;
            }));
            this.server.start();
        }
        catch (JOSEException | IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    public static TestIssuer get() {
        return INSTANCE;
    }

    public String jwkSetUri() {
        return "http://127.0.0.1:" + this.server.getAddress().getPort() + "/jwks.json";
    }

    /** A valid token for a user, for ten minutes, without the admin scope. */
    public String user(String subject) {
        return token(Map.of("sub", subject, "scope", "reservations"), Duration.ofMinutes(10), this.key);
    }

    /** A valid token with the admin scope. */
    public String admin(String subject) {
        return token(Map.of("sub", subject, "scope", "reservations " + ADMIN_SCOPE), Duration.ofMinutes(10),
                this.key);
    }

    /** A token for a user that expired an hour ago. */
    public String expired(String subject) {
        return token(Map.of("sub", subject), Duration.ofHours(-1), this.key);
    }

    /** A token for a user with the issuer's key id, signed by another key. */
    public String forged(String subject) {
        return token(Map.of("sub", subject, "scope", ADMIN_SCOPE), Duration.ofMinutes(10), this.impostor);
    }

    /** A valid token with exactly these claims. */
    public String withClaims(Map<String, Object> claims) {
        return token(claims, Duration.ofMinutes(10), this.key);
    }

    private static String token(Map<String, Object> claims, Duration validity, RSAKey signer) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder().issueTime(Date.from(now.minusSeconds(7200)))
            .expirationTime(Date.from(now.plus(validity)));
        claims.forEach(builder::claim);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signer.getKeyID()).build(),
                builder.build());
        try {
            jwt.sign(new RSASSASigner(signer));
        }
        catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
        return jwt.serialize();
    }

}
