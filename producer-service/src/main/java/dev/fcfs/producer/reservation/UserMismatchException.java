package dev.fcfs.producer.reservation;

import java.net.URI;

import dev.fcfs.producer.security.SecurityConfiguration;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** jwt mode: the body names a user other than the token's. 403, nothing queued. */
class UserMismatchException extends ErrorResponseException {

    /** Problem type of a request for another user than the token's. */
    static final String TYPE = "/problems/user-mismatch";

    UserMismatchException(String userClaim) {
        super(HttpStatus.FORBIDDEN, problem(userClaim), null);
        getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"" + SecurityConfiguration.USER_REALM
                + "\", error=\"insufficient_scope\", error_description=\"A token reserves for its own user only\"");
    }

    private static ProblemDetail problem(String userClaim) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, "The body's userId is not the "
                + "token's user (claim '" + userClaim + "'): a token reserves for its own user only. Send that "
                + "userId, or leave userId out.");
        problem.setType(URI.create(TYPE));
        problem.setTitle("Not the token's user");
        return problem;
    }

}
