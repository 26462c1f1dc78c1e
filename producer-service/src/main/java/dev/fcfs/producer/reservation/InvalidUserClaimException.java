package dev.fcfs.producer.reservation;

import dev.fcfs.producer.security.BearerProblems;
import dev.fcfs.producer.security.SecurityConfiguration;
import dev.fcfs.producer.web.Problems;
import dev.fcfs.shared.job.JobCodec;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * jwt mode: the token verified, but its user claim is missing or would not pass as a body's {@code userId}. 403:
 * the token is genuine, it just cannot stand for a user here.
 */
class InvalidUserClaimException extends ErrorResponseException {

    InvalidUserClaimException(String userClaim) {
        super(HttpStatus.FORBIDDEN, problem(userClaim), null);
        getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, BearerProblems.challenge(SecurityConfiguration.USER_REALM,
                "insufficient_scope", "The token names no valid user"));
    }

    private static ProblemDetail problem(String userClaim) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, "The token's '" + userClaim
                + "' claim is missing or not a valid user id (1 to " + JobCodec.MAX_USER_ID_LENGTH
                + " characters, not blank, no control characters).");
        problem.setType(Problems.INVALID_USER_CLAIM);
        problem.setTitle("Token names no valid user");
        return problem;
    }

}
