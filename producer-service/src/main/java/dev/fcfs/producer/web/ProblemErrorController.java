package dev.fcfs.producer.web;

import java.net.URI;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Renders the errors that never reach a controller (a filter's {@code sendError}, an exception thrown by a filter,
 * the container's own errors) as problem+json, in place of Boot's {@code BasicErrorController}, which backs off when
 * this bean exists.
 */
@RestController
@RequestMapping("${server.error.path:${error.path:/error}}")
class ProblemErrorController implements ErrorController {

    @RequestMapping
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        HttpStatus status = statusOf(request);
        ProblemDetail problem = Problems.withType(ProblemDetail.forStatus(status));
        Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        // 4xx messages come from sendError calls that describe the client's mistake; a 5xx message may describe
        // internals, so it is never echoed
        if (status.is4xxClientError() && message instanceof String text && StringUtils.hasText(text)) {
            problem.setDetail(text);
        }
        else if (status.is4xxClientError()) {
            problem.setDetail("The request was refused: " + status.getReasonPhrase() + ".");
        }
        else {
            problem.setDetail("The request could not be processed.");
        }
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        if (uri instanceof String path) {
            try {
                problem.setInstance(URI.create(path));
            }
            catch (IllegalArgumentException ex) {
                // the container let through a request URI that is not a valid URI: leave instance out
            }
        }
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }

    private static HttpStatus statusOf(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        if (!(code instanceof Integer value)) {
            // a direct request for the error path: there is no error to show
            return HttpStatus.NOT_FOUND;
        }
        HttpStatus status = HttpStatus.resolve(value);
        return (status != null && status.isError()) ? status : HttpStatus.INTERNAL_SERVER_ERROR;
    }

}
