package dev.fcfs.devlauncher;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import dev.fcfs.testsupport.PrivatePostgres;
import dev.fcfs.testsupport.PrivateRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The embedded servers of the try-out start, answer and stop without leaving a process behind. As root (CI), the
 * PostgreSQL one runs as the {@code postgres} user.
 */
class EmbeddedServersTests {

    @TempDir
    Path workDir;

    @Test
    void redisAnswersTheCommandsTheQueueNeedsAndStopsWithoutWritingAFile() throws Exception {
        int port = Ports.anyFree();
        List<String> output = new ArrayList<>();
        long pid;
        try (PrivateRedis redis = EmbeddedServers.redis(port, this.workDir, output::add)) {
            pid = redis.pid();
            assertThat(command(port, "PING")).isEqualTo("+PONG");
            assertThat(command(port, "CONFIG", "GET", "maxmemory-policy")).contains("noeviction");
            // RPOP with a count (Redis 6.2+) and BRPOPLPUSH, as the worker's scripts use them.
            command(port, "LPUSH", "q", "a", "b", "c");
            assertThat(command(port, "RPOP", "q", "2")).contains("a", "b");
            assertThat(command(port, "BRPOPLPUSH", "q", "processing", "1")).contains("c");
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
        // No dump.rdb or appendonly.aof: only the extracted binary is left for the caller to delete.
        try (var files = Files.list(this.workDir)) {
            assertThat(files.map((path) -> path.getFileName().toString()))
                .allMatch((name) -> name.startsWith("redis-server"));
        }
        assertThat(output).anyMatch((line) -> line.contains("Ready to accept connections"));
    }

    @Test
    void postgresAcceptsConnectionsWithTheServicesDefaultCredentials() throws Exception {
        assumeTrue(PrivatePostgres.canRunHere(), "PostgreSQL refuses to run as root, and there is no postgres user");
        int port = Ports.anyFree();
        String url;
        try (PrivatePostgres postgres = EmbeddedServers.postgres(port, this.workDir)) {
            url = postgres.jdbcUrl();
            Properties credentials = new Properties();
            credentials.setProperty("user", PrivatePostgres.USER);
            credentials.setProperty("password", "");
            try (Connection connection = DriverManager.getConnection(url, credentials);
                    ResultSet result = connection.createStatement().executeQuery("SHOW server_version")) {
                assertThat(result.next()).isTrue();
                assertThat(result.getString(1)).startsWith("15.");
            }
        }
        assertThat(Ports.isFree(port)).isTrue();
        assertThat(this.workDir.resolve("data")).doesNotExist();
    }

    /** Sends one command in RESP and returns the reply's lines (an array's elements joined by newlines). */
    private static String command(int port, String... args) throws Exception {
        StringBuilder request = new StringBuilder("*" + args.length + "\r\n");
        for (String arg : args) {
            request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
            request.append(arg).append("\r\n");
        }
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            return readReply(in);
        }
    }

    private static String readReply(BufferedReader in) throws Exception {
        String header = in.readLine();
        switch (header.charAt(0)) {
            case '$':
                return (Integer.parseInt(header.substring(1)) < 0) ? "(nil)" : in.readLine();
            case '*':
                int count = Integer.parseInt(header.substring(1));
                List<String> elements = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    elements.add(readReply(in));
                }
                return String.join("\n", elements);
            default:
                return header;
        }
    }

}
