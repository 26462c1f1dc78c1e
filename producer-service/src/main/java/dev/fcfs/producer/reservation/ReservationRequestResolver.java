package dev.fcfs.producer.reservation;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.nio.charset.Charset;
import java.util.Set;

import dev.fcfs.producer.security.CallerIdentity;
import dev.fcfs.shared.job.JobCodec;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Validator;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.MethodParameter;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.validation.BeanPropertyBindingResult;
import org.springframework.validation.beanvalidation.SpringValidatorAdapter;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * Reads a {@link ReservationRequest} handler argument from the request body, as {@code @Valid @RequestBody} would:
 * the application's strict JSON mapper, the bean-validation constraints of the record, and the same exceptions for
 * every refusal (so {@code ApiExceptionHandler} answers them with the same problems). What it leaves out is what
 * Spring MVC builds around every such argument on every request: a data binder, the message-converter and
 * body-advice chain, and a binding result for a body that is valid. The accept path is the one route that runs at
 * the rate of a ticket drop.
 *
 * <p>In jwt mode ({@link CallerIdentity}) the user is the token's: a body without {@code userId} is read as naming
 * it, a body naming someone else is refused with 403 ({@link UserMismatchException}) before anything is queued, and
 * a token whose user claim would not pass as a body's {@code userId} is refused with 403 as well
 * ({@link InvalidUserClaimException}).
 */
final class ReservationRequestResolver implements HandlerMethodArgumentResolver {

    /** The encodings JSON's reader detects from the bytes; a body in any other declared charset is decoded first. */
    private static final Set<String> JSON_ENCODINGS = Set.of("UTF-8", "UTF-16", "UTF-16BE", "UTF-16LE", "UTF-32",
            "UTF-32BE", "UTF-32LE", "US-ASCII");

    private final ObjectReader reader;

    private final Validator validator;

    private final SpringValidatorAdapter fieldErrors;

    private final CallerIdentity identity;

    ReservationRequestResolver(JsonMapper mapper, Validator validator, CallerIdentity identity) {
        this.reader = mapper.readerFor(ReservationRequest.class);
        this.validator = validator;
        this.fieldErrors = new SpringValidatorAdapter(validator);
        this.identity = identity;
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == ReservationRequest.class;
    }

    @Override
    public ReservationRequest resolveArgument(MethodParameter parameter, ModelAndViewContainer mavContainer,
            NativeWebRequest webRequest, WebDataBinderFactory binderFactory) throws Exception {
        HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
        ReservationRequest body = read(request);
        if (body == null) {
            throw new HttpMessageNotReadableException(
                    "Required request body is missing: " + parameter.getExecutable().toGenericString(),
                    new ServletServerHttpRequest(request));
        }
        String caller = this.identity.userOf(request);
        if (caller != null) {
            body = asCaller(body, caller);
        }
        // a binding result, which names the fields as @Valid's does, only for a body that breaks a constraint
        if (!plainlyValid(body) && !this.validator.validate(body).isEmpty()) {
            BeanPropertyBindingResult errors = new BeanPropertyBindingResult(body, "reservationRequest");
            this.fieldErrors.validate(body, errors);
            throw new MethodArgumentNotValidException(parameter, errors);
        }
        return body;
    }

    /** The body as the token's user sends it: its own user id, or none (then the token's). */
    private ReservationRequest asCaller(ReservationRequest body, String caller) {
        ReservationRequest own = new ReservationRequest(caller);
        if (!plainlyValid(own) && !this.validator.validate(own).isEmpty()) {
            throw new InvalidUserClaimException(this.identity.userClaim());
        }
        if (body.userId() == null) {
            return own;
        }
        if (!body.userId().equals(caller)) {
            throw new UserMismatchException(this.identity.userClaim());
        }
        return body;
    }

    /**
     * A user id of visible ASCII characters within the length limit cannot break a constraint of
     * {@link ReservationRequest}; the validator, which the constraints are declared for, judges any other. This is
     * the usual request, and it skips the validator's per-call work.
     */
    static boolean plainlyValid(ReservationRequest request) {
        String userId = request.userId();
        if (userId == null || userId.isEmpty() || userId.length() > JobCodec.MAX_USER_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < userId.length(); i++) {
            char c = userId.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    private @Nullable ReservationRequest read(HttpServletRequest request) {
        // as Spring's JSON converter does: a declared charset other than JSON's own is decoded with that charset
        Charset charset = MediaType.parseMediaType(request.getContentType()).getCharset();
        try {
            InputStream body = request.getInputStream();
            long length = request.getContentLengthLong();
            if (length == 0) {
                return null;
            }
            if (length < 0) {
                // chunked: an empty body shows only as an immediate end of the stream
                PushbackInputStream pushback = new PushbackInputStream(body);
                int first = pushback.read();
                if (first < 0) {
                    return null;
                }
                pushback.unread(first);
                body = pushback;
            }
            return (charset == null || JSON_ENCODINGS.contains(charset.name())) ? this.reader.readValue(body)
                    : this.reader.readValue(new InputStreamReader(body, charset));
        }
        catch (JacksonException ex) {
            throw new HttpMessageNotReadableException("JSON parse error: " + ex.getOriginalMessage(), ex,
                    new ServletServerHttpRequest(request));
        }
        catch (IOException ex) {
            // a refused body (too large: 413, too slow: 408) among them: the problem handler finds it in the cause
            // chain
            throw new HttpMessageNotReadableException("I/O error while reading input message", ex,
                    new ServletServerHttpRequest(request));
        }
    }

}
