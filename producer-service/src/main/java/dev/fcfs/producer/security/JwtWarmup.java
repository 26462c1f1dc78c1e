package dev.fcfs.producer.security;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * jwt mode: before the producer reports ready, takes the first JWTs' one-time costs off real requests. The decoder
 * Boot builds fetches the issuer's JWK set (and, from an {@code issuer-uri}, its discovery document) only when the
 * first token arrives; a token under an unknown key id makes it fetch them now. Then tokens signed with a key made
 * here for the purpose are verified in a loop by a decoder of their own, which runs the same parsing, RSA
 * verification and claim validation code, so that the JIT compiler has compiled it before the first real token.
 * Runs before the HTTP warm-up ({@code ProducerWarmup}), whose requests are authenticated otherwise. Never stops the
 * start-up: an issuer that cannot be reached now is logged, and asked again by the first request.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
final class JwtWarmup implements ApplicationRunner {

    private static final Logger logger = LoggerFactory.getLogger(JwtWarmup.class);

    /** Verifications of the loop: at least the minimum, then until the maximum or {@link #MAX_NANOS} of looping. */
    private static final int MIN_DECODES = 2_000;

    private static final int MAX_DECODES = 10_000;

    private static final long MAX_NANOS = 2_000_000_000L;

    private final JwtDecoder decoder;

    private final boolean verifyLoop;

    /** @param verifyLoop whether to run the verification loop too (the start-up warm-up is on) */
    JwtWarmup(JwtDecoder decoder, boolean verifyLoop) {
        this.decoder = decoder;
        this.verifyLoop = verifyLoop;
    }

    @Override
    public void run(ApplicationArguments args) throws JOSEException {
        long started = System.nanoTime();
        RSAKey key = new RSAKeyGenerator(2048).keyID("fcfs-warmup-" + UUID.randomUUID()).generate();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < (this.verifyLoop ? 16 : 1); i++) {
            tokens.add(sign(key, "warmup-user-" + i));
        }
        fetchIssuerKeys(tokens.get(0));
        if (!this.verifyLoop) {
            logger.info("JWT warm-up: issuer keys fetched (verification loop off with reservation.warmup.enabled)");
            return;
        }
        NimbusJwtDecoder local = NimbusJwtDecoder.withPublicKey(key.toRSAPublicKey()).build();
        // the bound counts from here: making the key and fetching the issuer's keys can take seconds on a busy host
        long looping = System.nanoTime();
        int decodes = 0;
        while (decodes < MIN_DECODES || decodes < MAX_DECODES && System.nanoTime() - looping < MAX_NANOS) {
            local.decode(tokens.get(decodes % tokens.size()));
            decodes++;
        }
        logger.info("JWT warm-up: issuer keys fetched, {} verifications in {} ms", decodes,
                (System.nanoTime() - started) / 1_000_000);
    }

    private void fetchIssuerKeys(String tokenUnderUnknownKey) {
        try {
            this.decoder.decode(tokenUnderUnknownKey);
            logger.warn("JWT warm-up: the issuer's decoder accepted a token signed by a key made at start-up");
        }
        catch (JwtException expected) {
            // refused for want of the key id (after the fetch), or the fetch failed: only the latter is news
            if (isFetchFailure(expected)) {
                logger.warn("JWT warm-up: could not fetch the issuer's keys now; the first request will try again: {}",
                        expected.getMessage());
            }
        }
    }

    private static boolean isFetchFailure(Throwable ex) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            if (cause instanceof java.io.IOException || message.contains("Couldn't retrieve")
                    || message.contains("Unable to resolve")) {
                return true;
            }
        }
        return false;
    }

    private static String sign(RSAKey key, String subject) throws JOSEException {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject)
            .issueTime(java.util.Date.from(now))
            .expirationTime(java.util.Date.from(now.plusSeconds(600)))
            .claim("scope", "reservations")
            .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

}
