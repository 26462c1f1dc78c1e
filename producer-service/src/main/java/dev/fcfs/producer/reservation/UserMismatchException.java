package dev.fcfs.producer.reservation;

import dev.fcfs.producer.security.BearerProblems;
import dev.fcfs.producer.security.SecurityConfiguration;
import dev.fcfs.producer.web.Problems;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** jwt mode: the body names a user other than the token's. 403, nothing queued. */
class UserMismatchException extends ErrorResponseException {

    UserMismatchException(String userClaim) {
        super(HttpStatus.FORBIDDEN, problem(userClaim), null);
        getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, BearerProblems.challenge(SecurityConfiguration.USER_REALM,
                "insufficient_scope", "A token reserves for its own user only"));
    }

    private static ProblemDetail problem(String userClaim) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, "The body's userId is not the "
                + "token's user (claim '" + userClaim + "'): a token reserves for its own user only. Send that "
                + "userId, or leave userId out.");
        problem.setType(Problems.USER_MISMATCH);
        problem.setTitle("Not the token's user");
        return problem;
    }

}
