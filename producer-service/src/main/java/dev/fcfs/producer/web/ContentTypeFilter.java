package dev.fcfs.producer.web;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses with 415 a {@code Content-Type} that Spring cannot parse, before Spring MVC tries to. Spring Framework 7.0's
 * parser throws {@code StringIndexOutOfBoundsException} rather than {@code InvalidMediaTypeException} for a value that
 * opens a quote it never closes ({@code "a/b}), which would otherwise reach the API as an unexpected error and be
 * answered 500. Parsed values are cached by Spring, so the usual {@code application/json} costs a map look-up.
 */
final class ContentTypeFilter extends OncePerRequestFilter {

    static final String UNPARSABLE = "Could not parse Content-Type.";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String contentType = request.getContentType();
        if (contentType != null && !isParsable(contentType)) {
            response.sendError(HttpStatus.UNSUPPORTED_MEDIA_TYPE.value(), UNPARSABLE);
            return;
        }
        chain.doFilter(request, response);
    }

    static boolean isParsable(String contentType) {
        try {
            MediaType.parseMediaType(contentType);
            return true;
        }
        catch (RuntimeException ex) {
            return false;
        }
    }

}
