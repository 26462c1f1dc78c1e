package dev.fcfs.producer.warmup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fcfs.producer.reservation.WarmupTraffic;
import dev.fcfs.shared.warmup.ScratchRuns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The warm-up's HTTP clients against a stand-in service that answers in each of the ways Tomcat may: with a
 * {@code Content-Length} or chunked, split across many small writes, and closing the connection now and then.
 */
class WarmupLoadTests {

    private static final String SECRET = "s3cret";

    private final List<String> requestsSeen = Collections.synchronizedList(new ArrayList<>());

    private final AtomicInteger answered = new AtomicInteger();

    private final AtomicInteger withoutSecret = new AtomicInteger();

    private ServerSocket server;

    private Thread acceptor;

    @BeforeEach
    void startStandIn() throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "stand-in");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    @AfterEach
    void stopStandIn() throws IOException {
        this.server.close();
    }

    @Test
    void readsEveryKindOfAnswerWholeAndSendsTheSecretWithEveryRequest() throws Exception {
        try (WarmupLoad load = new WarmupLoad(this.server.getLocalPort(), SECRET)) {
            load.start(3);
            await().atMost(Duration.ofSeconds(20))
                .until(() -> load.accepted.sum() > 200 && load.soldOut.sum() > 20 && load.polled.sum() > 20);
            assertThat(load.failed.sum()).as("first failure: %s", load.firstFailure()).isZero();
        }
        assertThat(this.withoutSecret).hasValue(0);
        assertThat(this.requestsSeen).anyMatch((line) -> line.startsWith("GET /reservations/"))
            .anyMatch((line) -> line.startsWith("POST /events/" + ScratchRuns.SOLD_OUT_EVENT + "/reservations"))
            .anyMatch((line) -> line.startsWith("POST /events/" + ScratchRuns.openEvent(0) + "/reservations"));
    }

    private void accept() {
        while (!this.server.isClosed()) {
            try {
                Socket socket = this.server.accept();
                Thread connection = new Thread(() -> serve(socket), "stand-in-connection");
                connection.setDaemon(true);
                connection.start();
            }
            catch (IOException ex) {
                return;
            }
        }
    }

    /** Answers requests on one connection until it has served 25, then closes it as Tomcat's keep-alive limit does. */
    private void serve(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            for (int served = 1; served <= 25; served++) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                String requestLine = head.substring(0, head.indexOf("\r\n"));
                this.requestsSeen.add(requestLine);
                if (!head.contains(WarmupTraffic.HEADER + ": " + SECRET + "\r\n")) {
                    this.withoutSecret.incrementAndGet();
                }
                int length = contentLength(head);
                in.readNBytes(length);
                boolean last = served == 25;
                int n = this.answered.incrementAndGet();
                if (requestLine.startsWith("GET ")) {
                    answer(out, (n % 2 == 0) ? 200 : 404, "{\"status\":\"PENDING\"}", n % 3 == 0, last);
                }
                else if (requestLine.contains("/" + ScratchRuns.SOLD_OUT_EVENT + "/")) {
                    answer(out, 409, "{\"title\":\"Conflict\",\"status\":409}", n % 3 == 0, last);
                }
                else {
                    answer(out, 202, "{\"reservationId\":\"" + UUID.randomUUID() + "\",\"status\":\"PENDING\"}",
                            n % 3 == 0, last);
                }
            }
        }
        catch (IOException ex) {
            // the client went away
        }
    }

    private static void answer(OutputStream out, int status, String body, boolean chunked, boolean close)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " \r\nContent-Type: application/json\r\n");
        if (close) {
            head.append("Connection: close\r\n");
        }
        head.append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + bytes.length + "\r\n");
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        if (chunked) {
            // two chunks, each written in small pieces so that reads end in the middle of sizes and data
            int half = bytes.length / 2;
            for (byte[] piece : List.of(chunk(bytes, 0, half), chunk(bytes, half, bytes.length),
                    "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII))) {
                for (int i = 0; i < piece.length; i += 7) {
                    out.write(piece, i, Math.min(7, piece.length - i));
                    out.flush();
                }
            }
        }
        else {
            out.write(bytes);
        }
        out.flush();
    }

    private static byte[] chunk(byte[] bytes, int from, int to) {
        String size = Integer.toHexString(to - from) + ";ext=1\r\n";
        byte[] chunk = new byte[size.length() + (to - from) + 2];
        System.arraycopy(size.getBytes(StandardCharsets.US_ASCII), 0, chunk, 0, size.length());
        System.arraycopy(bytes, from, chunk, size.length(), to - from);
        chunk[chunk.length - 2] = '\r';
        chunk[chunk.length - 1] = '\n';
        return chunk;
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            head.append((char) c);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                return head.toString();
            }
        }
        return null;
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        return 0;
    }

}
