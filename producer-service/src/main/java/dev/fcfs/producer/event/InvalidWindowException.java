package dev.fcfs.producer.event;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A sale window that does not parse or is out of order: 400 with the same {@code errors} (field, message) as a body
 * that fails bean validation.
 */
class InvalidWindowException extends ErrorResponseException {

    private final List<Map<String, String>> errors = new ArrayList<>();

    InvalidWindowException() {
        super(HttpStatus.BAD_REQUEST,
                ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "The request body has invalid fields."), null);
        getBody().setProperty("errors", this.errors);
    }

    InvalidWindowException add(String field, String message) {
        Map<String, String> error = new LinkedHashMap<>();
        error.put("field", field);
        error.put("message", message);
        this.errors.add(error);
        return this;
    }

    boolean hasErrors() {
        return !this.errors.isEmpty();
    }

}
