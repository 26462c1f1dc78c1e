package dev.fcfs.producer.warmup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import dev.fcfs.producer.reservation.WarmupTraffic;
import dev.fcfs.shared.warmup.ScratchRuns;
import org.jspecify.annotations.Nullable;

/**
 * The warm-up's clients: keep-alive HTTP/1.1 connections to this process, each on a thread of its own, sending the
 * mix a drop brings (mostly new reservations, some retries with an {@code Idempotency-Key}, requests for a sold-out
 * event, status polls) until told to stop. Requests are written as bytes and answers read just far enough to find
 * their end, so the clients take little of the CPU they share with the service they warm.
 */
final class WarmupLoad implements AutoCloseable {

    /** One request in this many of a connection's cycle is each kind below. */
    private static final int CYCLE = 20;

    private final int port;

    private final String secret;

    private final List<Thread> threads = new ArrayList<>();

    private final AtomicReference<@Nullable String> firstFailure = new AtomicReference<>();

    private volatile boolean running = true;

    final LongAdder accepted = new LongAdder();

    final LongAdder soldOut = new LongAdder();

    final LongAdder polled = new LongAdder();

    final LongAdder failed = new LongAdder();

    WarmupLoad(int port, String secret) {
        this.port = port;
        this.secret = secret;
    }

    /** Opens the connections and starts sending. */
    void start(int connections) {
        for (int i = 0; i < connections; i++) {
            int client = i;
            Thread thread = new Thread(() -> send(client), "warmup-" + i);
            thread.setDaemon(true);
            this.threads.add(thread);
            thread.start();
        }
    }

    /** Every answer so far, of whatever kind. */
    long answered() {
        return this.accepted.sum() + this.soldOut.sum() + this.polled.sum() + this.failed.sum();
    }

    /** The first answer or error that was not what the warm-up expects, if any. */
    @Nullable String firstFailure() {
        return this.firstFailure.get();
    }

    /** Stops sending and waits for the connections to close. */
    @Override
    public void close() throws InterruptedException {
        this.running = false;
        for (Thread thread : this.threads) {
            thread.join(2_000);
        }
    }

    private void send(int client) {
        Exchange exchange = null;
        String lastReservation = null;
        long n = 0;
        while (this.running) {
            try {
                if (exchange == null) {
                    exchange = new Exchange(new Socket(InetAddress.getLoopbackAddress(), this.port));
                }
                int kind = (int) (n++ % CYCLE);
                if (kind < 14) {
                    long event = ScratchRuns.openEvent((int) ((client + n) % ScratchRuns.OPEN_EVENTS));
                    int status = exchange.post(event, "w" + client + "-" + n, null);
                    lastReservation = count(status, 202, this.accepted, exchange, true, lastReservation);
                }
                else if (kind == 14) {
                    // the same key and user every time: the first is accepted, every later one replayed
                    int key = (int) (n / CYCLE);
                    int status = exchange.post(ScratchRuns.openEvent(0), ScratchRuns.retryUser(key),
                            ScratchRuns.idempotencyKey(key));
                    count(status, 202, this.accepted, exchange, false, null);
                }
                else if (kind < 18) {
                    int status = exchange.post(ScratchRuns.SOLD_OUT_EVENT, "w" + client + "-" + n, null);
                    count(status, 409, this.soldOut, exchange, false, null);
                }
                else if (lastReservation != null) {
                    int status = exchange.get("/reservations/" + lastReservation);
                    // 404 once the warm-up has trimmed the job from its scratch queue
                    count((status == 404) ? 200 : status, 200, this.polled, exchange, false, null);
                }
                if (exchange.closing) {
                    exchange.close();
                    exchange = null;
                }
            }
            catch (IOException | RuntimeException ex) {
                if (this.running) {
                    failed("connection " + client + ": " + ex);
                }
                if (exchange != null) {
                    exchange.close();
                    exchange = null;
                }
                pause();
            }
        }
        if (exchange != null) {
            exchange.close();
        }
    }

    private @Nullable String count(int status, int expected, LongAdder counter, Exchange exchange,
            boolean keepReservation, @Nullable String lastReservation) {
        if (status != expected) {
            failed("answered " + status + ": " + exchange.body());
            return lastReservation;
        }
        counter.increment();
        return keepReservation ? exchange.reservationId() : lastReservation;
    }

    private void failed(String what) {
        this.failed.increment();
        this.firstFailure.compareAndSet(null, what);
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One keep-alive connection: writes a request, reads its whole answer into a buffer of its own with bulk reads
     * (a byte-at-a-time reader would cost the warm-up more CPU than the requests it sends).
     */
    private final class Exchange {

        private static final byte[] END_OF_HEAD = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

        private static final byte[] CRLF = "\r\n".getBytes(StandardCharsets.US_ASCII);

        private final Socket socket;

        private final OutputStream out;

        private final InputStream in;

        /** What was read and not yet consumed: {@code buffer[start..end)}. */
        private byte[] buffer = new byte[16 * 1024];

        private int start;

        private int end;

        /** The last answer's body: {@code buffer[bodyStart..bodyStart + bodyLength)}, valid until the next request. */
        private int bodyStart;

        private int bodyLength;

        /** The service said it closes the connection after this answer (Tomcat's keep-alive request limit). */
        boolean closing;

        Exchange(Socket socket) throws IOException {
            this.socket = socket;
            socket.setTcpNoDelay(true);
            this.out = socket.getOutputStream();
            this.in = socket.getInputStream();
        }

        int post(long event, String userId, @Nullable String idempotencyKey) throws IOException {
            String json = "{\"userId\":\"" + userId + "\"}";
            String head = "POST /events/" + event + "/reservations HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\n" + WarmupTraffic.HEADER + ": " + WarmupLoad.this.secret
                    + "\r\n" + ((idempotencyKey != null) ? "Idempotency-Key: " + idempotencyKey + "\r\n" : "")
                    + "Content-Length: " + json.length() + "\r\n\r\n";
            return exchange(head + json);
        }

        int get(String path) throws IOException {
            return exchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + WarmupTraffic.HEADER + ": "
                    + WarmupLoad.this.secret + "\r\n\r\n");
        }

        /** The reservation id of a 202 answer's body. */
        @Nullable String reservationId() {
            String text = body();
            int at = text.indexOf("\"reservationId\":\"");
            return (at < 0) ? null : text.substring(at + 17, Math.min(text.length(), at + 17 + 36));
        }

        String body() {
            return new String(this.buffer, this.bodyStart, this.bodyLength, StandardCharsets.UTF_8);
        }

        private int exchange(String request) throws IOException {
            this.out.write(request.getBytes(StandardCharsets.UTF_8));
            this.out.flush();
            int headEnd = indexOf(END_OF_HEAD);
            while (headEnd < 0) {
                fill();
                headEnd = indexOf(END_OF_HEAD);
            }
            String head = new String(this.buffer, this.start, headEnd - this.start, StandardCharsets.ISO_8859_1);
            this.start = headEnd + END_OF_HEAD.length;
            if (head.length() < 12 || !head.startsWith("HTTP/1.1 ")) {
                throw new IOException("Not an HTTP/1.1 answer: '" + head + "'");
            }
            int status = Integer.parseInt(head.substring(9, 12));
            int length = 0;
            boolean chunked = false;
            for (String header : head.split("\r\n")) {
                int colon = header.indexOf(':');
                if (colon > 0) {
                    String name = header.substring(0, colon).trim();
                    String value = header.substring(colon + 1).trim();
                    if (name.equalsIgnoreCase("Content-Length")) {
                        length = Integer.parseInt(value);
                    }
                    else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
                        chunked = true;
                    }
                    else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
                        this.closing = true;
                    }
                }
            }
            if (chunked) {
                readChunked();
            }
            else {
                require(length);
                this.bodyStart = this.start;
                this.bodyLength = length;
                this.start += length;
            }
            return status;
        }

        /**
         * Joins the chunks' data at the front of the unread bytes, where {@link #body()} finds it. Positions are kept
         * relative to {@code start}, which {@link #fill()} may move.
         */
        private void readChunked() throws IOException {
            this.bodyStart = this.start;
            this.bodyLength = 0;
            int at = 0;
            while (true) {
                int lineEnd = indexOf(CRLF, this.start + at);
                while (lineEnd < 0) {
                    fill();
                    lineEnd = indexOf(CRLF, this.start + at);
                }
                String sizeLine = new String(this.buffer, this.start + at, lineEnd - this.start - at,
                        StandardCharsets.ISO_8859_1);
                int size = Integer.parseInt(sizeLine.split(";", 2)[0].trim(), 16);
                at = lineEnd + 2 - this.start;
                while (this.end - this.start - at < size + 2) {
                    fill();
                }
                System.arraycopy(this.buffer, this.start + at, this.buffer, this.start + this.bodyLength, size);
                this.bodyLength += size;
                at += size + 2;
                if (size == 0) {
                    this.bodyStart = this.start;
                    this.start += at;
                    return;
                }
            }
        }

        private void require(int bytes) throws IOException {
            while (this.end - this.start < bytes) {
                fill();
            }
        }

        /** Reads more, first moving the unread bytes to the front (or growing the buffer if they fill it). */
        private void fill() throws IOException {
            if (this.end == this.buffer.length) {
                int unread = this.end - this.start;
                if (this.start == 0) {
                    this.buffer = Arrays.copyOf(this.buffer, this.buffer.length * 2);
                }
                else {
                    System.arraycopy(this.buffer, this.start, this.buffer, 0, unread);
                    this.bodyStart -= this.start;
                    this.start = 0;
                    this.end = unread;
                }
            }
            int read = this.in.read(this.buffer, this.end, this.buffer.length - this.end);
            if (read < 0) {
                throw new IOException("Connection closed by the service");
            }
            this.end += read;
        }

        private int indexOf(byte[] wanted) {
            return indexOf(wanted, this.start);
        }

        private int indexOf(byte[] wanted, int from) {
            for (int i = from; i <= this.end - wanted.length; i++) {
                int j = 0;
                while (j < wanted.length && this.buffer[i + j] == wanted[j]) {
                    j++;
                }
                if (j == wanted.length) {
                    return i;
                }
            }
            return -1;
        }

        void close() {
            try {
                this.socket.close();
            }
            catch (IOException ex) {
                // closing only
            }
        }

    }

}
