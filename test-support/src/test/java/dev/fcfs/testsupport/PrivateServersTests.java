package dev.fcfs.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The faults the kit's servers and link can be given do what the fault-injection suite relies on.
 */
class PrivateServersTests {

    @Test
    void redisKilledWithAnAppendOnlyFileRestartsWithEverythingFsynced() {
        assumeTrue(PrivateRedis.binaryAvailable(), "no redis-server here");
        Path directory;
        try (PrivateRedis redis = PrivateRedis.builder().appendOnly("always").start()) {
            directory = redis.directory();
            redis.commands().set("kept", "yes");
            long pid = redis.pid();

            redis.kill();
            assertThat(redis.isRunning()).isFalse();
            redis.restart();

            assertThat(redis.pid()).isNotEqualTo(pid);
            assertThat(redis.commands().get("kept")).isEqualTo("yes");
        }
        assertThat(directory).doesNotExist();
    }

    @Test
    void passwordProtectedRedisIsReadyAndReachableWithItsPassword() {
        assumeTrue(PrivateRedis.binaryAvailable(), "no redis-server here");
        try (PrivateRedis redis = PrivateRedis.builder().password("kit-secret").start()) {
            assertThat(redis.commands().ping()).isEqualTo("PONG");
            assertThat(redis.connectionDetails().getPassword()).isEqualTo("kit-secret");
        }
    }

    @Test
    void frozenRedisAnswersOnlyOnceThawed() throws IOException {
        assumeTrue(PrivateRedis.binaryAvailable(), "no redis-server here");
        try (PrivateRedis redis = PrivateRedis.builder().start();
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), redis.port())) {
            socket.setSoTimeout(500);
            redis.freeze();
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThatExceptionOfType(SocketTimeoutException.class).as("an answer from a frozen server")
                .isThrownBy(() -> socket.getInputStream().read());

            redis.thaw();
            socket.setSoTimeout(30_000);
            assertThat(readLine(socket.getInputStream())).isEqualTo("+PONG");
        }
    }

    @Test
    void postgresStoppedImmediatelyStartsAgainWithWhatWasCommitted() {
        assumeTrue(PrivatePostgres.canRunHere(), "as root, PostgreSQL needs a postgres user");
        assumeTrue(Files.isDirectory(Path.of("/usr/lib/postgresql")) || System.getenv("FCFS_POSTGRES_BIN") != null,
                "no PostgreSQL server binaries here");
        Path directory;
        try (PrivatePostgres postgres = PrivatePostgres.builder().start()) {
            directory = postgres.directory();
            postgres.execute("CREATE TABLE kept (id int)");
            postgres.execute("INSERT INTO kept VALUES (1)");

            postgres.stop("immediate");
            assertThat(postgres.isRunning()).isFalse();
            postgres.start();

            assertThat(postgres.queryLong("SELECT count(*) FROM kept")).isEqualTo(1);
        }
        assertThat(directory).doesNotExist();
    }

    @Test
    void cutLinkDropsConnectionsUntilRestored() throws IOException {
        try (Echo echo = new Echo(); TcpProxy proxy = TcpProxy.to("127.0.0.1", echo.port());
                Socket before = connect(proxy)) {
            assertThat(roundTrip(before, "one")).isEqualTo("one");

            proxy.cut();
            assertThat(before.getInputStream().read()).as("open connection after the cut").isEqualTo(-1);
            try (Socket during = connect(proxy)) {
                assertThat(during.getInputStream().read()).as("new connection while cut").isEqualTo(-1);
            }

            proxy.restore();
            try (Socket after = connect(proxy)) {
                assertThat(roundTrip(after, "two")).isEqualTo("two");
            }
        }
    }

    @Test
    void heldLinkKeepsRequestsOnTheWireUntilReleased() throws IOException {
        try (Echo echo = new Echo(); TcpProxy proxy = TcpProxy.to("127.0.0.1", echo.port());
                Socket socket = connect(proxy)) {
            assertThat(roundTrip(socket, "one")).isEqualTo("one");

            proxy.hold();
            socket.getOutputStream().write("two\n".getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(500);
            assertThatExceptionOfType(SocketTimeoutException.class).as("an answer to a held request")
                .isThrownBy(() -> socket.getInputStream().read());
            assertThat(proxy.heldPorts()).hasSize(1);

            proxy.releaseHeld();
            socket.setSoTimeout(30_000);
            assertThat(readLine(socket.getInputStream())).isEqualTo("two");
            proxy.restore();
            assertThat(roundTrip(socket, "three")).isEqualTo("three");
            assertThat(proxy.heldPorts()).isEmpty();
        }
    }

    private static Socket connect(TcpProxy proxy) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        socket.setSoTimeout(30_000);
        return socket;
    }

    private static String roundTrip(Socket socket, String line) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return readLine(socket.getInputStream());
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    /** A loopback server that sends every byte back. */
    private static final class Echo implements AutoCloseable {

        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());

        Echo() throws IOException {
            Thread acceptor = new Thread(() -> {
                while (!this.server.isClosed()) {
                    try {
                        Socket client = this.server.accept();
                        Thread echo = new Thread(() -> {
                            try (client) {
                                client.getInputStream().transferTo(client.getOutputStream());
                            }
                            catch (IOException ex) {
                                // the client went away
                            }
                        });
                        echo.setDaemon(true);
                        echo.start();
                    }
                    catch (IOException ex) {
                        // closed
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return this.server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            this.server.close();
        }

    }

}
