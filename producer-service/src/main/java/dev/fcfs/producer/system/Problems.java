package dev.fcfs.producer.system;

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
