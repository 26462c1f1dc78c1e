package dev.fcfs.producer.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.fcfs.producer.ProducerIntegrationSupport;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that send slowly or not at all cannot keep a connection (and with enough of them, every connection slot):
 * Tomcat's per-read and keep-alive timeouts, and the total deadlines for a request's head and body, against the
 * running service. Each client trickles its bytes faster than the per-read timeout, which alone would never end it.
 */
@TestPropertySource(properties = { "server.tomcat.connection-timeout=4s", "server.tomcat.keep-alive-timeout=2s",
        "reservation.api.request-header-timeout=2s", "reservation.api.request-body-timeout=2s" })
class SlowClientIntegrationTests extends ProducerIntegrationSupport {

    /** Far longer than any deadline above: a connection still open after it was not closed by one. */
    private static final Duration GIVE_UP = Duration.ofSeconds(30);

    private static final long TRICKLE_EVERY_MILLIS = 500;

    @Test
    void closesAConnectionWhoseHeadersTrickleInPastTheHeaderDeadline() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write("POST /events/1/reservations HTTP/1.1\r\nHost: localhost\r\n"
                .getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();

            boolean closed = trickleUntilClosed(socket, "X-Slow: " + "a".repeat(20));

            assertThat(closed).as("closed by the server while the headers were still arriving").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        }
        assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
    }

    @Test
    void answers408ToABodyThatTricklesInPastTheBodyDeadline() throws Exception {
        long eventId = createEvent("slow-body", 5);
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            String body = "{\"userId\":\"slow-" + "b".repeat(40) + "\"}";
            out.write(("POST /events/" + eventId + "/reservations HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));

            String response = trickleAndRead(socket, body);

            assertThat(response).startsWith("HTTP/1.1 408 ").contains("application/problem+json")
                .contains("Request body not received within 2000 ms.");
        }
        assertThat(eventField(eventId, "seq")).as("no position used").isEqualTo("0");
    }

    @Test
    void closesAnIdleKeepAliveConnectionAfterTheKeepAliveTimeout() throws Exception {
        try (Socket socket = connect()) {
            socket.getOutputStream()
                .write("GET /actuator/health/liveness HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            assertThat(new String(buffer, 0, in.read(buffer), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200 ");
            long start = System.nanoTime();

            assertThat(readsToEnd(in)).as("closed by the server after the keep-alive timeout").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        }
    }

    @Test
    void closesAConnectionThatNeverSendsARequest() throws Exception {
        try (Socket socket = connect()) {
            long start = System.nanoTime();

            assertThat(readsToEnd(socket.getInputStream())).as("closed by the server after connection-timeout")
                .isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", this.port);
        socket.setSoTimeout((int) GIVE_UP.toMillis());
        return socket;
    }

    /** Sends one byte per tick until the server closes the connection; false if all were sent without that. */
    private static boolean trickleUntilClosed(Socket socket, String text) throws InterruptedException {
        try {
            OutputStream out = socket.getOutputStream();
            for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
                out.write(b);
                out.flush();
                TimeUnit.MILLISECONDS.sleep(TRICKLE_EVERY_MILLIS);
                if (socket.getInputStream().available() > 0) {
                    return readsToEnd(socket.getInputStream());
                }
            }
            return false;
        }
        catch (IOException closed) {
            return true;
        }
    }

    /** Sends one byte per tick until the server answers (or all are sent), then reads the answer. */
    private static String trickleAndRead(Socket socket, String text) throws IOException, InterruptedException {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        try {
            for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
                if (in.available() > 0) {
                    break;
                }
                out.write(b);
                out.flush();
                TimeUnit.MILLISECONDS.sleep(TRICKLE_EVERY_MILLIS);
            }
        }
        catch (IOException closedWhileSending) {
            // the answer was written before the server closed: read it below
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Whether the stream ends (the server closed) before {@link #GIVE_UP}. */
    private static boolean readsToEnd(InputStream in) throws IOException {
        try {
            while (in.read() >= 0) {
                // whatever the server sends before closing
            }
            return true;
        }
        catch (SocketTimeoutException stillOpen) {
            return false;
        }
        catch (IOException reset) {
            return true;
        }
    }

}
