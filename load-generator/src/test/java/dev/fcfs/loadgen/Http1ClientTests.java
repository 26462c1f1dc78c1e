package dev.fcfs.loadgen;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class Http1ClientTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";

    @Test
    void readsFixedLengthChunkedAndCloseDelimitedBodies() throws Exception {
        try (ScriptedServer server = new ScriptedServer(OK,
                "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "4;ext=1\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\nX-Trailer: t\r\n\r\n",
                "HTTP/1.0 200 OK\r\n\r\nuntil the end");
                Http1Client client = client(server)) {

            assertThat(client.send("GET", "/one", null, Map.of(), null).body()).isEqualTo("ok");
            Http1Client.Response chunked = client.send("GET", "/two", null, Map.of(), null);
            assertThat(chunked.status()).isEqualTo(202);
            assertThat(chunked.body()).isEqualTo("{\"a\":1}");
            assertThat(client.send("GET", "/three", null, Map.of(), null).body()).isEqualTo("until the end");
        }
    }

    @Test
    void keepsOneConnectionForRequestsInTurn() throws Exception {
        try (ScriptedServer server = new ScriptedServer(OK, OK, OK); Http1Client client = client(server)) {
            for (int i = 0; i < 3; i++) {
                assertThat(client.send("GET", "/", null, Map.of(), null).status()).isEqualTo(200);
            }

            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void opensANewConnectionAfterConnectionClose() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", OK);
                Http1Client client = client(server)) {
            client.send("GET", "/", null, Map.of(), null);
            client.send("GET", "/", null, Map.of(), null);

            assertThat(server.connections()).isEqualTo(2);
        }
    }

    @Test
    void sendsHostContentTypeHeadersAndContentLength() throws Exception {
        try (ScriptedServer server = new ScriptedServer(OK); Http1Client client = client(server)) {
            client.send("POST", "/events/1/reservations", "application/json", Map.of("Idempotency-Key", "k-1"),
                    "{\"userId\":\"é\"}".getBytes(StandardCharsets.UTF_8));

            assertThat(server.requests()).containsExactly("POST /events/1/reservations HTTP/1.1\r\nHost: 127.0.0.1:"
                    + server.port() + "\r\nContent-Type: application/json\r\nIdempotency-Key: k-1\r\n"
                    + "Content-Length: 15\r\n\r\n{\"userId\":\"é\"}");
        }
    }

    @Test
    void skipsInterimAnswersAndComparesHeaderNamesInAnyCase() throws Exception {
        try (ScriptedServer server = new ScriptedServer("HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 202 Accepted\r\nlocation: /reservations/1\r\nContent-Length: 0\r\n\r\n");
                Http1Client client = client(server)) {
            Http1Client.Response response = client.send("GET", "/", null, Map.of(), null);

            assertThat(response.status()).isEqualTo(202);
            assertThat(response.headers().get("Location")).containsExactly("/reservations/1");
        }
    }

    @Test
    void resendsAGetOnceWhenAReusedConnectionDiesBeforeAnswering() throws Exception {
        try (ScriptedServer server = new ScriptedServer(OK, ScriptedServer.HANG_UP, OK);
                Http1Client client = client(server)) {
            client.send("GET", "/", null, Map.of(), null);

            assertThat(client.send("GET", "/again", null, Map.of(), null).body()).isEqualTo("ok");
            assertThat(server.connections()).isEqualTo(2);
            assertThat(server.requests()).hasSize(3);
        }
    }

    @Test
    void neverResendsAPostTheServerMayHaveActedOn() throws Exception {
        try (ScriptedServer server = new ScriptedServer(OK, ScriptedServer.HANG_UP, OK);
                Http1Client client = client(server)) {
            client.send("GET", "/", null, Map.of(), null);

            assertThatExceptionOfType(IOException.class)
                .isThrownBy(() -> client.send("POST", "/events/1/reservations", "application/json", Map.of(),
                        "{}".getBytes(StandardCharsets.UTF_8)))
                .withMessageContaining("closed before any answer");
            assertThat(server.requests()).hasSize(2);
        }
    }

    @Test
    void givesUpWhenNoAnswerComesInTime() throws Exception {
        try (ScriptedServer server = new ScriptedServer(ScriptedServer.SILENCE);
                Http1Client client = new Http1Client(server.uri(), TIMEOUT, Duration.ofMillis(50))) {
            assertThatExceptionOfType(SocketTimeoutException.class)
                .isThrownBy(() -> client.send("GET", "/", null, Map.of(), null));
        }
    }

    private static Http1Client client(ScriptedServer server) {
        return new Http1Client(server.uri(), TIMEOUT, TIMEOUT);
    }

    /**
     * Answers each request, whatever the connection, with the next scripted answer written as is; closes the
     * connection after an answer that says {@code Connection: close} or has no length.
     */
    private static final class ScriptedServer implements AutoCloseable {

        /** Closes the connection once the request is read, without a byte of answer. */
        static final String HANG_UP = "hang up";

        /** Reads the request and never answers. */
        static final String SILENCE = "silence";

        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());

        private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();

        private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

        private final AtomicInteger connections = new AtomicInteger();

        private final CountDownLatch stopped = new CountDownLatch(1);

        ScriptedServer(String... answers) throws IOException {
            this.answers.addAll(List.of(answers));
            Thread acceptor = new Thread(this::accept, "scripted-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + port() + "/");
        }

        int port() {
            return this.socket.getLocalPort();
        }

        int connections() {
            return this.connections.get();
        }

        List<String> requests() {
            return List.copyOf(this.requests);
        }

        @Override
        public void close() throws IOException {
            this.stopped.countDown();
            this.socket.close();
        }

        private void accept() {
            try {
                while (true) {
                    Socket connection = this.socket.accept();
                    this.connections.incrementAndGet();
                    Thread serving = new Thread(() -> serve(connection), "scripted-connection");
                    serving.setDaemon(true);
                    serving.start();
                }
            }
            catch (IOException ex) {
                // Closed.
            }
        }

        private void serve(Socket connection) {
            try (connection) {
                InputStream in = connection.getInputStream();
                OutputStream out = connection.getOutputStream();
                while (true) {
                    String request = readRequest(in);
                    if (request == null) {
                        return;
                    }
                    this.requests.add(request);
                    String answer = this.answers.poll(10, TimeUnit.SECONDS);
                    if (answer == null || answer.equals(HANG_UP)) {
                        return;
                    }
                    if (answer.equals(SILENCE)) {
                        this.stopped.await();
                        return;
                    }
                    out.write(answer.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    String head = answer.toLowerCase();
                    if (head.contains("connection: close") || !(head.contains("content-length")
                            || head.contains("transfer-encoding"))) {
                        return;
                    }
                }
            }
            catch (IOException | InterruptedException ex) {
                // The test is over.
            }
        }

        /** The request head and body as sent, or null at the end of the connection. */
        private static String readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            int contentLength = 0;
            StringBuilder line = new StringBuilder();
            while (true) {
                int c = in.read();
                if (c < 0) {
                    return null;
                }
                request.write(c);
                if (c != '\n') {
                    line.append((char) c);
                    continue;
                }
                String header = line.toString().trim();
                line.setLength(0);
                if (header.toLowerCase().startsWith("content-length:")) {
                    contentLength = Integer.parseInt(header.substring(15).trim());
                }
                if (header.isEmpty()) {
                    request.write(in.readNBytes(contentLength));
                    return request.toString(StandardCharsets.UTF_8);
                }
            }
        }

    }

}
