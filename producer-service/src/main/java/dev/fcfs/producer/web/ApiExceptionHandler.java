package dev.fcfs.producer.web;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import dev.fcfs.shared.redis.RedisErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

import org.springframework.beans.TypeMismatchException;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every exception a controller lets out into an RFC 9457 problem: Spring MVC's own (405, 415, 400 for
 * unreadable or invalid bodies, ...) through {@link ResponseEntityExceptionHandler}, with details that name the
 * offending field but never echo internals; an unreachable Redis or database as 503 with {@code Retry-After}; a Redis
 * at {@code maxmemory} as 503 of type {@value #QUEUE_STORAGE_FULL_TYPE}; and anything unexpected as a logged 500.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    /** At most one outage warning per interval: during an outage every request fails the same way. */
    private static final long OUTAGE_LOG_INTERVAL_NANOS = 10_000_000_000L;

    /** Problem type of a request refused because Redis is at {@code maxmemory}: nothing was queued. */
    static final String QUEUE_STORAGE_FULL_TYPE = "/problems/queue-storage-full";

    private final String retryAfter;

    private final AtomicLong lastOutageLog = new AtomicLong(System.nanoTime() - OUTAGE_LOG_INTERVAL_NANOS);

    private final AtomicLong lastStorageFullLog = new AtomicLong(System.nanoTime() - OUTAGE_LOG_INTERVAL_NANOS);

    ApiExceptionHandler(ApiProperties properties) {
        this.retryAfter = Long.toString(properties.retryAfterSeconds());
    }

    /**
     * Redis unreachable or timing out (connection failures, commands rejected while disconnected, timeouts), or the
     * database unreachable (a transaction that cannot even begin because no connection can be had is Spring's
     * {@code CannotCreateTransactionException}, not a {@code DataAccessException}; other database errors caused by a
     * lost connection reach {@link #handleUnexpected} and are sent back here). After a timeout Redis may still have
     * run the command, so the answer does not claim that nothing happened; a retry with the same
     * {@code Idempotency-Key} is safe either way.
     */
    @ExceptionHandler({ DataAccessResourceFailureException.class, QueryTimeoutException.class,
            RedisSystemException.class, CannotCreateTransactionException.class, ServiceUnavailableException.class })
    ResponseEntity<ProblemDetail> handleUnavailable(RuntimeException ex) {
        if (RedisErrors.isOutOfMemory(ex)) {
            return handleStorageFull(ex);
        }
        if (firstWithinInterval(this.lastOutageLog)) {
            log.warn("Answering 503: a backing server is unavailable (further occurrences within 10 s not logged)", ex);
        }
        else if (log.isDebugEnabled()) {
            log.debug("Answering 503: " + ex);
        }
        ProblemDetail problem = Problems.of(HttpStatus.SERVICE_UNAVAILABLE, "The service is temporarily unavailable. "
                + "Retry later (with the same Idempotency-Key, if one was sent).");
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
            .header(HttpHeaders.RETRY_AFTER, this.retryAfter)
            .body(problem);
    }

    /**
     * Redis is at {@code maxmemory} and, as it must ({@code noeviction}), refuses new writes instead of deleting
     * queued jobs. The refused script stopped at its first write, so the request had no effect and used up no
     * position; the consumers free memory as they decide jobs.
     */
    private ResponseEntity<ProblemDetail> handleStorageFull(RuntimeException ex) {
        if (firstWithinInterval(this.lastStorageFullLog)) {
            log.warn("Answering 503 queue-storage-full: Redis is at maxmemory and refuses new jobs (nothing accepted "
                    + "is lost; the consumers free memory as they decide jobs). If it lasts, check the consumers and "
                    + "Redis's maxmemory (further occurrences within 10 s not logged): "
                    + NestedExceptionUtils.getMostSpecificCause(ex));
        }
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, "The queue has no "
                + "room for new requests right now: this request was not queued and used up no position. Retry later "
                + "(with the same Idempotency-Key, if one was sent).");
        problem.setType(URI.create(QUEUE_STORAGE_FULL_TYPE));
        problem.setTitle("Queue storage full");
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
            .header(HttpHeaders.RETRY_AFTER, this.retryAfter)
            .body(problem);
    }

    private static boolean firstWithinInterval(AtomicLong lastLog) {
        long now = System.nanoTime();
        long last = lastLog.get();
        return now - last >= OUTAGE_LOG_INTERVAL_NANOS && lastLog.compareAndSet(last, now);
    }

    /**
     * Spring Security's firewall refused a header value when the handler read it (its wrapped request checks headers
     * lazily): a client's mistake, answered as the firewall answers a refused URL.
     */
    @ExceptionHandler(RequestRejectedException.class)
    ResponseEntity<ProblemDetail> handleRequestRejected(RequestRejectedException ex) {
        return ResponseEntity.badRequest()
            .body(Problems.of(HttpStatus.BAD_REQUEST, "The request has a header value that is not allowed."));
    }

    /** A body too large or too slow, refused before the JSON reader got to wrap the refusal. */
    @ExceptionHandler(BodyRefusedException.class)
    ResponseEntity<ProblemDetail> handleBodyRefused(BodyRefusedException ex) {
        return ResponseEntity.status(ex.status()).body(ex.problem());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> handleUnexpected(Exception ex) {
        if (ex instanceof RuntimeException runtime && DatabaseErrors.isConnectionFailure(runtime)) {
            // e.g. JpaSystemException "Unable to rollback against JDBC Connection" when PostgreSQL went away
            return handleUnavailable(runtime);
        }
        log.error("Unexpected error", ex);
        ProblemDetail problem = Problems.of(HttpStatus.INTERNAL_SERVER_ERROR,
                "The request could not be processed.");
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body(problem);
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<Map<String, String>> errors = new ArrayList<>();
        for (FieldError error : ex.getBindingResult().getFieldErrors()) {
            errors.add(fieldError(error.getField(), error.getDefaultMessage()));
        }
        for (ObjectError error : ex.getBindingResult().getGlobalErrors()) {
            errors.add(fieldError(error.getObjectName(), error.getDefaultMessage()));
        }
        // stable order, so that clients and tests see the same list for the same body
        errors.sort(Comparator.comparing((Map<String, String> error) -> error.get("field"))
            .thenComparing((error) -> error.get("message")));
        ProblemDetail problem = Problems.of(status, "The request body has invalid fields.");
        problem.setProperty("errors", errors);
        return handleExceptionInternal(ex, problem, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        BodyRefusedException refused = findCause(ex, BodyRefusedException.class);
        if (refused != null) {
            return handleExceptionInternal(ex, refused.problem(), headers, refused.status(), request);
        }
        ProblemDetail problem = Problems.of(status, unreadableDetail(ex));
        return handleExceptionInternal(ex, problem, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException ex, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        String name = (ex instanceof MethodArgumentTypeMismatchException mismatch) ? mismatch.getName()
                : ex.getPropertyName();
        String expected = (ex.getRequiredType() != null) ? describe(ex.getRequiredType()) : "another type";
        ProblemDetail problem = Problems.of(status,
                "'" + name + "' must be " + expected + ".");
        return handleExceptionInternal(ex, problem, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> createResponseEntity(Object body, HttpHeaders headers, HttpStatusCode statusCode,
            WebRequest request) {
        if (body instanceof ProblemDetail problem) {
            Problems.withType(problem);
        }
        return super.createResponseEntity(body, headers, statusCode, request);
    }

    private static Map<String, String> fieldError(String field, String message) {
        Map<String, String> error = new LinkedHashMap<>();
        error.put("field", field);
        error.put("message", String.valueOf(message));
        return error;
    }

    /** Says what is wrong with the body in the client's terms: Jackson's own messages name our classes. */
    private static String unreadableDetail(HttpMessageNotReadableException ex) {
        UnrecognizedPropertyException unknown = findCause(ex, UnrecognizedPropertyException.class);
        if (unknown != null) {
            return "Unknown property '" + unknown.getPropertyName() + "'.";
        }
        JacksonException json = findCause(ex, JacksonException.class);
        if (json != null) {
            String path = path(json);
            if (!path.isEmpty()) {
                return "Invalid value for '" + path + "': wrong JSON type, null, or out of range.";
            }
            if (json instanceof StreamReadException) {
                return "The request body is not well-formed JSON.";
            }
            return "The request body must be a single JSON object of the documented shape.";
        }
        if (ex.getMessage() != null && ex.getMessage().startsWith("Required request body is missing")) {
            return "A JSON request body is required.";
        }
        return "The request body could not be read.";
    }

    private static String path(JacksonException ex) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference reference : ex.getPath()) {
            if (reference.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getPropertyName());
            }
            else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String describe(Class<?> type) {
        if (type == long.class || type == Long.class || type == int.class || type == Integer.class) {
            return "an integer in range";
        }
        return "a valid " + type.getSimpleName();
    }

    private static <T extends Throwable> T findCause(Throwable ex, Class<T> type) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return null;
    }

}
