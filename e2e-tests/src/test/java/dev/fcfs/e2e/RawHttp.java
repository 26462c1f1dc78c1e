package dev.fcfs.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Sends bytes that no well-behaved HTTP client would (non-ASCII header bytes, oversized header blocks, broken
 * chunking, garbage request lines) over a plain socket, and reads what comes back until the server closes or stops
 * talking. {@code java.net.http} refuses to send most of these, or quietly repairs them.
 */
final class RawHttp {

    private RawHttp() {
    }

    /** What came back: the status (-1 if none could be read), the Content-Type header if any, the raw text. */
    record Reply(int status, String contentType, String text) {

        boolean isProblem() {
            return this.contentType != null
                    && this.contentType.toLowerCase(Locale.ROOT).startsWith("application/problem+json");
        }

        @Override
        public String toString() {
            String shown = this.text.replace("\r", "");
            return this.status + " " + this.contentType + " "
                    + ((shown.length() > 300) ? shown.substring(0, 300) + "..." : shown);
        }

    }

    /** A POST with a JSON body and extra raw header lines (each without line end), sent as bytes. */
    static byte[] post(String path, String body, byte[]... extraHeaderLines) {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        request.writeBytes(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + content.length + "\r\nConnection: close\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        for (byte[] line : extraHeaderLines) {
            request.writeBytes(line);
            request.writeBytes(new byte[] { '\r', '\n' });
        }
        request.writeBytes(new byte[] { '\r', '\n' });
        request.writeBytes(content);
        return request.toByteArray();
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Sends the bytes to 127.0.0.1:port and reads the reply (at most 10 s). */
    static Reply send(int port, byte[] request) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int read = in.read(buffer); read != -1; read = in.read(buffer)) {
                    reply.write(buffer, 0, read);
                }
            }
            catch (SocketTimeoutException | java.net.SocketException ex) {
                // the server answered and kept (or reset) the connection: what was read is the reply
            }
            return parse(reply.toString(StandardCharsets.ISO_8859_1));
        }
        catch (IOException ex) {
            return new Reply(-1, null, ex.toString());
        }
    }

    private static Reply parse(String text) {
        int status = -1;
        String contentType = null;
        String[] lines = text.split("\r\n");
        if (lines.length > 0 && lines[0].startsWith("HTTP/")) {
            String[] parts = lines[0].split(" ");
            if (parts.length > 1) {
                try {
                    status = Integer.parseInt(parts[1]);
                }
                catch (NumberFormatException ex) {
                    status = -1;
                }
            }
        }
        for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
            if (lines[i].toLowerCase(Locale.ROOT).startsWith("content-type:")) {
                contentType = lines[i].substring("content-type:".length()).trim();
            }
        }
        return new Reply(status, contentType, text);
    }

}
