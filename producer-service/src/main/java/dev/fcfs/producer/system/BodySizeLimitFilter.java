package dev.fcfs.producer.system;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

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
 * megabytes of JSON.
 *
 * <p>A declared {@code Content-Length} over the cap is refused before anything is read (the error dispatch to
 * {@link ProblemErrorController} renders the problem). A body of unknown length (chunked) is read through a counting
 * stream that throws {@link BodyTooLargeException} once the cap is passed; {@link ApiExceptionHandler} turns that
 * into the same 413. Bodies with a declared length within the cap are passed through untouched: Tomcat never reads
 * past the declared length.
 */
final class BodySizeLimitFilter extends OncePerRequestFilter {

    private final long maxBytes;

    BodySizeLimitFilter(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long declared = request.getContentLengthLong();
        if (declared > this.maxBytes) {
            response.sendError(HttpStatus.CONTENT_TOO_LARGE.value(), tooLargeMessage(this.maxBytes));
            return;
        }
        chain.doFilter((declared < 0) ? new LimitedRequest(request, this.maxBytes) : request, response);
    }

    static String tooLargeMessage(long maxBytes) {
        return "Request body larger than " + maxBytes + " bytes.";
    }

    /** A request whose body cannot be read past the cap, through either the stream or the reader. */
    private static final class LimitedRequest extends HttpServletRequestWrapper {

        private final long maxBytes;

        private ServletInputStream stream;

        private BufferedReader reader;

        LimitedRequest(HttpServletRequest request, long maxBytes) {
            super(request);
            this.maxBytes = maxBytes;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (this.stream == null) {
                this.stream = new LimitedInputStream(super.getInputStream(), this.maxBytes);
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

        private long count;

        LimitedInputStream(ServletInputStream delegate, long maxBytes) {
            this.delegate = delegate;
            this.maxBytes = maxBytes;
        }

        @Override
        public int read() throws IOException {
            int value = this.delegate.read();
            if (value >= 0) {
                count(1);
            }
            return value;
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

        private void count(int bytes) throws BodyTooLargeException {
            this.count += bytes;
            if (this.count > this.maxBytes) {
                throw new BodyTooLargeException(this.maxBytes);
            }
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
