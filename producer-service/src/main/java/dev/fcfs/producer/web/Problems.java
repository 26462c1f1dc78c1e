package dev.fcfs.producer.web;

import java.net.URI;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/** Problem bodies as this API writes them. */
public final class Problems {

    /**
     * RFC 9457's "no semantics beyond the status code". Spring leaves {@code type} out when it is not set, which means
     * the same to a careful client; writing it out spares the others the special case.
     */
    static final URI ABOUT_BLANK = URI.create("about:blank");

    /** 409: the event's sale window has not opened yet (by Redis's clock); {@code Retry-After} says when it does. */
    public static final URI NOT_OPEN = URI.create("/problems/not-open");

    /** 409: the event's sale window has closed (by Redis's clock). */
    public static final URI CLOSED = URI.create("/problems/closed");

    /** 409: the sale window cannot be changed any more, because the event has opened (by Redis's clock). */
    public static final URI ALREADY_OPEN = URI.create("/problems/already-open");

    /** 403, jwt mode: the body names a user other than the token's. */
    public static final URI USER_MISMATCH = URI.create("/problems/user-mismatch");

    /** 403, jwt mode: the token verified, but its user claim is missing or not a valid user id. */
    public static final URI INVALID_USER_CLAIM = URI.create("/problems/invalid-user-claim");

    private Problems() {
    }

    static ProblemDetail of(HttpStatusCode status, String detail) {
        return withType(ProblemDetail.forStatusAndDetail(status, detail));
    }

    public static ProblemDetail withType(ProblemDetail problem) {
        if (problem.getType() == null) {
            problem.setType(ABOUT_BLANK);
        }
        return problem;
    }

}
