package dev.fcfs.producer.reservation;

import java.io.IOException;
import java.net.URI;
import java.util.List;

import dev.fcfs.producer.web.Problems;
import dev.fcfs.shared.job.ReservationJob;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpMediaTypeNotAcceptableException;

/**
 * Writes the accept route's answers that come by the thousand per second: the 202 ({@link ReservationAccepted},
 * with {@code Location}) and the refusals of a flood: sold out, backpressure, and the sale window (not open yet,
 * closed). Each is written as Spring MVC would
 * write it (the application's JSON mapper, the same problem body and headers as {@code ApiExceptionHandler}'s), but
 * without the content negotiation of a returned {@code ResponseEntity} and the exception-resolver chain, for a
 * route that only ever answers JSON.
 */
@Component
class ReservationAnswers {

    private static final List<MediaType> JSON = List.of(MediaType.APPLICATION_JSON);

    private final ObjectWriter accepted;

    private final ObjectWriter problems;

    ReservationAnswers(JsonMapper mapper) {
        this.accepted = mapper.writerFor(ReservationAccepted.class);
        this.problems = mapper.writerFor(ProblemDetail.class);
    }

    void accepted(ReservationJob job, HttpServletResponse response) throws IOException {
        response.setStatus(HttpStatus.ACCEPTED.value());
        response.setHeader(HttpHeaders.LOCATION, "/reservations/" + job.reservationId());
        write(this.accepted.writeValueAsBytes(ReservationAccepted.of(job)), MediaType.APPLICATION_JSON_VALUE,
                response);
    }

    void refused(ErrorResponse refusal, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        ProblemDetail problem = Problems.withType(refusal.getBody());
        if (problem.getInstance() == null) {
            problem.setInstance(URI.create(request.getRequestURI()));
        }
        response.setStatus(refusal.getStatusCode().value());
        refusal.getHeaders().forEach((name, values) -> values.forEach((value) -> response.addHeader(name, value)));
        write(this.problems.writeValueAsBytes(problem), MediaType.APPLICATION_PROBLEM_JSON_VALUE, response);
    }

    private static void write(byte[] body, String contentType, HttpServletResponse response) throws IOException {
        response.setContentType(contentType);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /**
     * Refuses, as Spring MVC's negotiation would (406), a request whose {@code Accept} header admits no JSON.
     */
    static void requireAcceptable(HttpServletRequest request) throws HttpMediaTypeNotAcceptableException {
        String accept = request.getHeader(HttpHeaders.ACCEPT);
        if (accept == null || accept.isEmpty()) {
            return;
        }
        try {
            for (MediaType type : MediaType.parseMediaTypes(accept)) {
                if (type.isCompatibleWith(MediaType.APPLICATION_JSON) && type.getQualityValue() > 0) {
                    return;
                }
            }
        }
        catch (InvalidMediaTypeException ex) {
            throw new HttpMediaTypeNotAcceptableException("Could not parse 'Accept' header [" + accept + "]");
        }
        throw new HttpMediaTypeNotAcceptableException(JSON);
    }

}
