package dev.fcfs.loadgen;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A minimal blocking HTTP/1.1 client with keep-alive connections, for one thread per request in flight.
 *
 * <p>Why not {@code java.net.http.HttpClient}: its asynchronous pipeline hands every exchange across several
 * threads and costs several times the CPU per request of a blocking read on a pooled socket, and the load
 * generator shares its machine with the service it measures. On virtual threads a blocking read only parks.
 *
 * <p>Reads {@code Content-Length}, chunked and close-delimited bodies; honours {@code Connection: close}. An idle
 * connection the server has closed is noticed before reuse; should the server close it in the instant between, a
 * request that could not be written, or a GET that got no byte of an answer, is sent once more on a new
 * connection. Any other request is never resent (the server may have acted on it). Safe to use from many threads
 * at once: each exchange has a connection of its own.
 */
final class Http1Client implements AutoCloseable {

    /** Idle connections older than this are closed rather than reused: well below any server's keep-alive. */
    private static final long MAX_IDLE_NANOS = Duration.ofSeconds(2).toNanos();

    private final String host;

    private final int port;

    private final boolean tls;

    private final String hostHeader;

    private final int connectTimeoutMillis;

    private final long answerTimeoutNanos;

    /**
     * First in, first out: the connection idle longest is reused first, which leaves a server that closes a
     * connection right after answering on it the most time for its close to arrive and be noticed.
     */
    private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();

    /**
     * @param answerTimeout longest wait for the whole answer, from the moment the request is written
     */
    Http1Client(URI base, Duration connectTimeout, Duration answerTimeout) {
        this.tls = "https".equalsIgnoreCase(base.getScheme());
        String uriHost = base.getHost();
        this.host = (uriHost.startsWith("[") && uriHost.endsWith("]")) ? uriHost.substring(1, uriHost.length() - 1)
                : uriHost;
        this.port = (base.getPort() != -1) ? base.getPort() : (this.tls ? 443 : 80);
        this.hostHeader = (base.getPort() != -1) ? uriHost + ":" + base.getPort() : uriHost;
        this.connectTimeoutMillis = Math.toIntExact(connectTimeout.toMillis());
        this.answerTimeoutNanos = answerTimeout.toNanos();
    }

    /** A complete answer; header names compare case-insensitively. */
    record Response(int status, Map<String, List<String>> headers, String body) {
    }

    /**
     * Sends one request and reads the whole answer.
     * @param target the request target, e.g. {@code /events/1}
     * @param contentType null for none
     * @param headers more request headers (Host and Content-Length are set here)
     * @param body null for none
     * @throws IOException when there is no complete answer (refused, reset, closed, timed out)
     */
    Response send(String method, String target, String contentType, Map<String, String> headers, byte[] body)
            throws IOException {
        byte[] request = request(method, target, contentType, headers, body);
        Connection connection = pooled();
        boolean reused = connection != null;
        if (!reused) {
            connection = open();
        }
        try {
            return exchange(connection, request, method);
        }
        catch (StaleConnectionException ex) {
            connection.close();
            if (!reused || !(ex.unsent || "GET".equals(method))) {
                throw ex;
            }
            connection = open();
            try {
                return exchange(connection, request, method);
            }
            catch (IOException | RuntimeException retryFailure) {
                connection.close();
                throw retryFailure;
            }
        }
        catch (IOException | RuntimeException ex) {
            connection.close();
            throw ex;
        }
    }

    @Override
    public void close() {
        for (Connection connection = this.idle.poll(); connection != null; connection = this.idle.poll()) {
            connection.close();
        }
    }

    private Response exchange(Connection connection, byte[] request, String method) throws IOException {
        long deadline = System.nanoTime() + this.answerTimeoutNanos;
        try {
            connection.out.write(request);
            connection.out.flush();
        }
        catch (IOException ex) {
            throw new StaleConnectionException("request not written (" + ex + ")", ex, true);
        }
        Response response = connection.readResponse(deadline, "HEAD".equals(method));
        if (connection.reusable) {
            connection.lastUsed = System.nanoTime();
            this.idle.offer(connection);
        }
        else {
            connection.close();
        }
        return response;
    }

    /** The idle connection idle longest that the server has not closed, or null. */
    private Connection pooled() {
        for (Connection connection = this.idle.poll(); connection != null; connection = this.idle.poll()) {
            if (System.nanoTime() - connection.lastUsed < MAX_IDLE_NANOS && connection.isOpen()) {
                return connection;
            }
            connection.close();
        }
        return null;
    }

    private Connection open() throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            Socket socket = channel.socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(this.host, this.port), this.connectTimeoutMillis);
            if (this.tls) {
                SSLSocket ssl = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(socket,
                        this.host, this.port, true);
                SSLParameters parameters = ssl.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(parameters);
                ssl.startHandshake();
                socket = ssl;
            }
            return new Connection(channel, socket);
        }
        catch (IOException | RuntimeException ex) {
            channel.close();
            throw ex;
        }
    }

    private byte[] request(String method, String target, String contentType, Map<String, String> headers,
            byte[] body) {
        StringBuilder head = new StringBuilder(160).append(method)
            .append(' ')
            .append(target)
            .append(" HTTP/1.1\r\nHost: ")
            .append(this.hostHeader)
            .append("\r\n");
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        if (body != null || !("GET".equals(method) || "HEAD".equals(method))) {
            head.append("Content-Length: ").append((body != null) ? body.length : 0).append("\r\n");
        }
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        if (body == null || body.length == 0) {
            return headBytes;
        }
        byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        return request;
    }

    /** Nothing of the answer arrived: the server may have dropped the connection before reading the request. */
    private static final class StaleConnectionException extends IOException {

        /** Whether the request could not even be written, so the server cannot have acted on it. */
        private final boolean unsent;

        StaleConnectionException(String message, Throwable cause, boolean unsent) {
            super(message, cause);
            this.unsent = unsent;
        }

    }

    /** One socket with its own read buffer; used by one thread at a time. */
    private static final class Connection {

        private final SocketChannel channel;

        private final Socket socket;

        private final InputStream in;

        private final OutputStream out;

        private final byte[] buffer = new byte[8192];

        private final ByteBuffer probe = ByteBuffer.allocate(1);

        private int position;

        private int limit;

        private boolean reusable;

        private long lastUsed;

        /** Whether any byte of the current answer has arrived. */
        private boolean answered;

        Connection(SocketChannel channel, Socket socket) throws IOException {
            this.channel = channel;
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /**
         * Whether the server has left this idle connection open: a non-blocking read finds neither its close nor
         * anything else (nothing may arrive between two exchanges). Servers close idle connections whenever they
         * like, and a request sent on one would get no answer.
         */
        boolean isOpen() {
            try {
                this.channel.configureBlocking(false);
                int read = this.channel.read(this.probe.clear());
                this.channel.configureBlocking(true);
                return read == 0;
            }
            catch (IOException | RuntimeException ex) {
                return false;
            }
        }

        Response readResponse(long deadline, boolean head) throws IOException {
            this.answered = false;
            String statusLine;
            try {
                statusLine = line(deadline);
            }
            catch (SocketTimeoutException ex) {
                throw ex;
            }
            catch (IOException ex) {
                throw this.answered ? ex : new StaleConnectionException("connection closed before any answer ("
                        + ex + ")", ex, false);
            }
            int status = status(statusLine);
            SortedMap<String, List<String>> headers = headers(deadline);
            while (status >= 100 && status < 200 && status != 101) {
                status = status(line(deadline));
                headers = headers(deadline);
            }
            String connection = first(headers, "Connection");
            boolean keepAlive = statusLine.startsWith("HTTP/1.1")
                    ? !"close".equalsIgnoreCase(connection) : "keep-alive".equalsIgnoreCase(connection);
            byte[] body;
            String transferEncoding = first(headers, "Transfer-Encoding");
            String contentLength = first(headers, "Content-Length");
            if (head || status == 204 || status == 304) {
                body = new byte[0];
            }
            else if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
                body = chunked(deadline);
            }
            else if (contentLength != null) {
                body = exactly(length(contentLength), deadline);
            }
            else {
                body = untilClosed(deadline);
                keepAlive = false;
            }
            this.reusable = keepAlive && this.position == this.limit;
            return new Response(status, Collections.unmodifiableSortedMap(headers),
                    new String(body, StandardCharsets.UTF_8));
        }

        void close() {
            try {
                this.socket.close();
                this.channel.close();
            }
            catch (IOException ex) {
                // Nothing left to do with a socket that will not close.
            }
        }

        private static int status(String statusLine) throws IOException {
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
                throw new IOException("not an HTTP/1.x status line: " + statusLine);
            }
            try {
                return Integer.parseInt(statusLine, 9, 12, 10);
            }
            catch (NumberFormatException ex) {
                throw new IOException("not an HTTP/1.x status line: " + statusLine, ex);
            }
        }

        private SortedMap<String, List<String>> headers(long deadline) throws IOException {
            SortedMap<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String line = line(deadline); !line.isEmpty(); line = line(deadline)) {
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new IOException("malformed header line: " + line);
                }
                headers.computeIfAbsent(line.substring(0, colon), (name) -> new ArrayList<>(1))
                    .add(line.substring(colon + 1).trim());
            }
            return headers;
        }

        private static int length(String contentLength) throws IOException {
            try {
                int length = Integer.parseInt(contentLength.trim());
                if (length >= 0) {
                    return length;
                }
            }
            catch (NumberFormatException ex) {
                // Reported below, as for a negative length.
            }
            throw new IOException("malformed Content-Length: " + contentLength);
        }

        private static String first(Map<String, List<String>> headers, String name) {
            List<String> values = headers.get(name);
            return (values == null || values.isEmpty()) ? null : values.get(0);
        }

        private byte[] chunked(long deadline) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = line(deadline);
                int extension = sizeLine.indexOf(';');
                int size;
                try {
                    size = Integer.parseInt((extension >= 0) ? sizeLine.substring(0, extension).trim()
                            : sizeLine.trim(), 16);
                }
                catch (NumberFormatException ex) {
                    throw new IOException("malformed chunk size: " + sizeLine, ex);
                }
                if (size < 0) {
                    throw new IOException("malformed chunk size: " + sizeLine);
                }
                if (size == 0) {
                    while (!line(deadline).isEmpty()) {
                        // Trailers are not needed.
                    }
                    return body.toByteArray();
                }
                body.write(exactly(size, deadline));
                if (!line(deadline).isEmpty()) {
                    throw new IOException("chunk of " + size + " bytes not followed by CRLF");
                }
            }
        }

        private byte[] exactly(int length, long deadline) throws IOException {
            byte[] bytes = new byte[length];
            int copied = 0;
            while (copied < length) {
                if (this.position == this.limit) {
                    fill(deadline);
                }
                int count = Math.min(length - copied, this.limit - this.position);
                System.arraycopy(this.buffer, this.position, bytes, copied, count);
                this.position += count;
                copied += count;
            }
            return bytes;
        }

        private byte[] untilClosed(long deadline) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            try {
                while (true) {
                    if (this.position == this.limit) {
                        fill(deadline);
                    }
                    body.write(this.buffer, this.position, this.limit - this.position);
                    this.position = this.limit;
                }
            }
            catch (EOFException ex) {
                return body.toByteArray();
            }
        }

        /** One line without its CRLF (or bare LF), as ISO-8859-1. */
        private String line(long deadline) throws IOException {
            StringBuilder line = null;
            while (true) {
                if (this.position == this.limit) {
                    fill(deadline);
                }
                for (int i = this.position; i < this.limit; i++) {
                    if (this.buffer[i] == '\n') {
                        int end = (i > this.position && this.buffer[i - 1] == '\r') ? i - 1 : i;
                        String tail = new String(this.buffer, this.position, end - this.position,
                                StandardCharsets.ISO_8859_1);
                        this.position = i + 1;
                        if (line == null) {
                            return tail;
                        }
                        line.append(tail);
                        int last = line.length() - 1;
                        return (last >= 0 && line.charAt(last) == '\r') ? line.substring(0, last) : line.toString();
                    }
                }
                if (line == null) {
                    line = new StringBuilder();
                }
                if (line.length() > 65_536) {
                    throw new IOException("header line longer than 64 KB");
                }
                line.append(new String(this.buffer, this.position, this.limit - this.position,
                        StandardCharsets.ISO_8859_1));
                this.position = this.limit;
            }
        }

        private void fill(long deadline) throws IOException {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new SocketTimeoutException("no complete answer in time");
            }
            this.socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, remaining / 1_000_000)));
            int read = this.in.read(this.buffer, 0, this.buffer.length);
            if (read < 0) {
                throw new EOFException("connection closed by the server");
            }
            this.position = 0;
            this.limit = read;
            this.answered = true;
        }

    }

}
