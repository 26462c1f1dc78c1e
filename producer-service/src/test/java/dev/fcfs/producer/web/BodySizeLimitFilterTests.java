package dev.fcfs.producer.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.util.StreamUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class BodySizeLimitFilterTests {

    private final BodySizeLimitFilter filter = new BodySizeLimitFilter(10, Duration.ofMinutes(1));

    @Test
    void refusesADeclaredLengthOverTheCapWithoutCallingTheChain() throws Exception {
        MockHttpServletRequest request = request("12345678901");
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();

        this.filter.doFilter(request, response, chain);

        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(response.getErrorMessage()).isEqualTo("Request body larger than 10 bytes.");
        assertThat(chain.getRequest()).isNull();
    }

    @Test
    void letsADeclaredLengthAtTheCapBeReadInFull() throws Exception {
        MockFilterChain chain = new MockFilterChain();

        this.filter.doFilter(request("1234567890"), new MockHttpServletResponse(), chain);

        HttpServletRequest passed = (HttpServletRequest) chain.getRequest();
        assertThat(StreamUtils.copyToString(passed.getInputStream(), StandardCharsets.UTF_8)).isEqualTo("1234567890");
    }

    @Test
    void stopsReadingABodyThatArrivesAfterItsTimeRanOut() throws Exception {
        BodySizeLimitFilter noTime = new BodySizeLimitFilter(10, Duration.ZERO);
        MockFilterChain chain = new MockFilterChain();

        noTime.doFilter(request("12345"), new MockHttpServletResponse(), chain);

        HttpServletRequest passed = (HttpServletRequest) chain.getRequest();
        assertThatExceptionOfType(BodyReadTimeoutException.class)
            .isThrownBy(() -> StreamUtils.copyToString(passed.getInputStream(), StandardCharsets.UTF_8))
            .withMessage("Request body not received within 0 ms.");
    }

    @Test
    void letsAChunkedBodyUpToTheCapBeReadInFull() throws Exception {
        MockFilterChain chain = new MockFilterChain();

        this.filter.doFilter(chunked("1234567890"), new MockHttpServletResponse(), chain);

        HttpServletRequest passed = (HttpServletRequest) chain.getRequest();
        assertThat(StreamUtils.copyToString(passed.getInputStream(), StandardCharsets.UTF_8)).isEqualTo("1234567890");
    }

    @Test
    void stopsReadingAChunkedBodyOnceItPassesTheCap() throws Exception {
        MockFilterChain chain = new MockFilterChain();

        this.filter.doFilter(chunked("12345678901"), new MockHttpServletResponse(), chain);

        HttpServletRequest passed = (HttpServletRequest) chain.getRequest();
        assertThatExceptionOfType(BodyTooLargeException.class)
            .isThrownBy(() -> StreamUtils.copyToString(passed.getInputStream(), StandardCharsets.UTF_8))
            .satisfies((ex) -> assertThat(ex.maxBytes()).isEqualTo(10));
    }

    @Test
    void capsAChunkedBodyReadByteByByte() throws Exception {
        MockFilterChain chain = new MockFilterChain();
        this.filter.doFilter(chunked("12345678901"), new MockHttpServletResponse(), chain);
        HttpServletRequest passed = (HttpServletRequest) chain.getRequest();

        assertThatExceptionOfType(BodyTooLargeException.class).isThrownBy(() -> {
            while (passed.getInputStream().read() >= 0) {
                // drain
            }
        });
    }

    @Test
    void capsAChunkedBodyReadThroughTheReader() throws Exception {
        MockFilterChain chain = new MockFilterChain();
        this.filter.doFilter(chunked("abcdefghijk"), new MockHttpServletResponse(), chain);
        HttpServletRequest passed = (HttpServletRequest) chain.getRequest();

        assertThatExceptionOfType(BodyTooLargeException.class).isThrownBy(() -> passed.getReader().readLine());
    }

    @Test
    void readsNothingWhenAskedForZeroBytesAsEveryInputStreamMust() throws Exception {
        MockFilterChain chain = new MockFilterChain();
        this.filter.doFilter(chunked("1234567890"), new MockHttpServletResponse(), chain);
        HttpServletRequest passed = (HttpServletRequest) chain.getRequest();
        byte[] full = new byte[4];

        // what readAllBytes does when its buffer is full: a read of 0 bytes at the buffer's end
        assertThat(passed.getInputStream().read(full, full.length, 0)).isZero();
        assertThat(passed.getInputStream().readAllBytes()).asString(StandardCharsets.UTF_8).isEqualTo("1234567890");
    }

    private static MockHttpServletRequest request(String body) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/events");
        request.setContent(body.getBytes(StandardCharsets.UTF_8));
        return request;
    }

    /** What the container shows for a chunked body: no declared length. */
    private static HttpServletRequest chunked(String body) {
        return new HttpServletRequestWrapper(request(body)) {

            @Override
            public int getContentLength() {
                return -1;
            }

            @Override
            public long getContentLengthLong() {
                return -1;
            }

        };
    }

}
