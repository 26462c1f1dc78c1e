// Benchmark helper (run as a single-file program, nimbus-jose-jwt on the class path): makes an RSA key pair, writes
// its public JWK set and one RS256 token per user, so that a producer in jwt identity mode can be loaded with a
// distinct valid token per request's user. See bench/identity-modes.sh.
//
//   java -cp nimbus-jose-jwt.jar MintTokens.java <out dir> <users> [admin scope]
//
// Writes <out dir>/jwks.json and <out dir>/user-tokens.txt (lines "<userId> <token>" for the load generator's users
// 0 to n-1, as --user-tokens reads them); tokens are valid for a day.

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

public class MintTokens {

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int users = Integer.parseInt(args[1]);
        RSAKey key = new RSAKeyGenerator(2048).keyID("bench-key").generate();
        Files.writeString(out.resolve("jwks.json"), new JWKSet(key.toPublicJWK()).toString());
        RSASSASigner signer = new RSASSASigner(key);
        Instant now = Instant.now();
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < users; i++) {
            String user = user(i);
            JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(user)
                .issuer("https://issuer.bench.invalid")
                .issueTime(Date.from(now.minusSeconds(60)))
                .expirationTime(Date.from(now.plusSeconds(86_400)))
                .claim("scope", "reservations")
                .build();
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                    claims);
            jwt.sign(signer);
            lines.append(user).append(' ').append(jwt.serialize()).append('\n');
        }
        Files.writeString(out.resolve("user-tokens.txt"), lines);
    }

    /** The load generator's user n (dev.fcfs.loadgen.Requests#user): every 50th id is exactly 64 characters. */
    static String user(int n) {
        String id = "user-" + n;
        return (n % 50 == 0) ? id + "-" + "x".repeat(64 - id.length() - 1) : id;
    }

}
