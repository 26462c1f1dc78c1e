package dev.fcfs.producer.web;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies larger than a fixed cap with 413, so that no client can make the service buffer or parse
 * megabytes of JSON, and bodies that take longer than a fixed time to arrive with 408, so that no client can hold a
 * request thread by sending its body a byte at a time (Tomcat's read timeout is per read, not per body).
 *
 * <p>A declared {@code Content-Length} over the cap is refused before anything is read (the error dispatch to
 * {@link ProblemErrorController} renders the problem). A body of unknown length (chunked) is read through a counting
 * stream that throws {@link BodyTooLargeException} once the cap is passed; {@link ApiExceptionHandler} turns that
 * into the same 413. Bodies with a declared length within the cap are only timed: Tomcat never reads past the
 * declared length. The time counts from this filter, that is from when the request's head has arrived (whose own
 * deadline is {@link RequestHeaderDeadline}'s); it is checked after every read, so a body may take at most one
 * read timeout ({@code server.tomcat.connection-timeout}) longer.
 */
final class BodySizeLimitFilter extends OncePerRequestFilter {

    private final long maxBytes;

    private final long timeoutNanos;

    BodySizeLimitFilter(long maxBytes, Duration timeout) {
        this.maxBytes = maxBytes;
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long declared = request.getContentLengthLong();
        if (declared > this.maxBytes) {
            response.sendError(HttpStatus.CONTENT_TOO_LARGE.value(), tooLargeMessage(this.maxBytes));
            return;
        }
        // a declared length is what Tomcat reads at most: only an undeclared one needs counting
        long cap = (declared < 0) ? this.maxBytes : Long.MAX_VALUE;
        chain.doFilter(new LimitedRequest(request, cap, this.timeoutNanos), response);
    }

    static String tooLargeMessage(long maxBytes) {
        return "Request body larger than " + maxBytes + " bytes.";
    }

    /** A request whose body cannot be read past the cap, through either the stream or the reader. */
    private static final class LimitedRequest extends HttpServletRequestWrapper {

        private final long maxBytes;

        private final long deadline;

        private final long timeoutNanos;

        private ServletInputStream stream;

        private BufferedReader reader;

        LimitedRequest(HttpServletRequest request, long maxBytes, long timeoutNanos) {
            super(request);
            this.maxBytes = maxBytes;
            this.timeoutNanos = timeoutNanos;
            this.deadline = System.nanoTime() + timeoutNanos;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (this.stream == null) {
                this.stream = new LimitedInputStream(super.getInputStream(), this.maxBytes, this.deadline,
                        this.timeoutNanos);
            }
            return this.stream;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            if (this.reader == null) {
                String encoding = getCharacterEncoding();
                Charset charset = (encoding != null) ? Charset.forName(encoding) : StandardCharsets.UTF_8;
                this.reader = new BufferedReader(new InputStreamReader(getInputStream(), charset));
            }
            return this.reader;
        }

    }

    private static final class LimitedInputStream extends ServletInputStream {

        private final ServletInputStream delegate;

        private final long maxBytes;

        private final long deadline;

        private final long timeoutNanos;

        private long count;

        LimitedInputStream(ServletInputStream delegate, long maxBytes, long deadline, long timeoutNanos) {
            this.delegate = delegate;
            this.maxBytes = maxBytes;
            this.deadline = deadline;
            this.timeoutNanos = timeoutNanos;
        }

        @Override
        public int read() throws IOException {
            int value = this.delegate.read();
            if (value >= 0) {
                count(1);
            }
            return value;
        }

        private void checkDeadline() throws BodyReadTimeoutException {
            if (System.nanoTime() - this.deadline > 0) {
                throw new BodyReadTimeoutException(TimeUnit.NANOSECONDS.toMillis(this.timeoutNanos));
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                // InputStream's contract (readAllBytes asks for 0 bytes when its buffer is full)
                return 0;
            }
            // never ask for more than one byte past the cap: enough to know it was passed
            int wanted = (int) Math.min(length, this.maxBytes - this.count + 1);
            int read = this.delegate.read(buffer, offset, Math.max(wanted, 1));
            if (read > 0) {
                count(read);
            }
            return read;
        }

        private void count(int bytes) throws IOException {
            this.count += bytes;
            if (this.count > this.maxBytes) {
                throw new BodyTooLargeException(this.maxBytes);
            }
            checkDeadline();
        }

        @Override
        public boolean isFinished() {
            return this.delegate.isFinished();
        }

        @Override
        public boolean isReady() {
            return this.delegate.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            this.delegate.setReadListener(listener);
        }

    }

}
